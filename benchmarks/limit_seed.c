/* The seed sweep as one fused single-threaded C loop: the compute limit on one core.
 *
 *   gcc -O3 -march=native -ffast-math -DN_UNITS=50 limit_seed.c -o limit_seed -lm
 *   ./limit_seed weights.bin N B STEPS BETA_MAX final.bin
 *
 * With -DN_UNITS the network size is a compile-time constant (as in a hand-written loop for one
 * model; gcc then unrolls the row products and keeps a point's rates in registers); N must match.
 *
 * weights.bin holds W (N x N, row-major) then I (N), as float64. Point b has
 * beta = BETA_MAX b / (B - 1) (BETA_MAX for a single point);
 * tau = 10 ms, dt = 0.1 ms, f(u) = 1 / (1 + exp(-4 (u - 0.5))), u(0) = 0; forward Euler:
 *   u_i += dt/tau (-u_i + sum_j W_ij f(u_j) - beta f(u_i) sum_j W_ij + I_i)
 * (W has a zero diagonal). Writes the final u (B x N, float64) and prints the loop's wall time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: %s weights.bin N B STEPS BETA_MAX final.bin\n", argv[0]); return 2; }
#ifdef N_UNITS
    const int N = N_UNITS;
    if (atoi(argv[2]) != N) { fprintf(stderr, "compiled for N=%d, got %s\n", N, argv[2]); return 2; }
#else
    const int N = atoi(argv[2]);
#endif
    const int B = atoi(argv[3]), steps = atoi(argv[4]);
    const double beta_max = atof(argv[5]);
    const double dt = 1e-4, tau = 0.01;
    double *W = malloc(sizeof(double) * N * N), *I = malloc(sizeof(double) * N), *rs = calloc(N, sizeof(double));
    FILE *in = fopen(argv[1], "rb");
    if (!in || fread(W, sizeof(double), (size_t)N * N, in) != (size_t)N * N || fread(I, sizeof(double), N, in) != (size_t)N) {
        fprintf(stderr, "cannot read %s\n", argv[1]); return 1;
    }
    fclose(in);
    for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) rs[i] += W[i * N + j];
    double *U = calloc((size_t)B * N, sizeof(double)), *F = malloc(sizeof(double) * B * N);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int s = 0; s < steps; s++) {
        for (int k = 0; k < B * N; k++) F[k] = 1.0 / (1.0 + exp(-4.0 * (U[k] - 0.5)));
        for (int b = 0; b < B; b++) {
            const double beta = B > 1 ? beta_max * b / (B - 1) : beta_max;
            const double *Fb = F + (size_t)b * N;
            double *Ub = U + (size_t)b * N;
            for (int i = 0; i < N; i++) {
                const double *Wi = W + (size_t)i * N;
                double acc = 0.0;
                for (int j = 0; j < N; j++) acc += Wi[j] * Fb[j];
                Ub[i] += dt / tau * (-Ub[i] + acc - beta * rs[i] * Fb[i] + I[i]);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *out = fopen(argv[6], "wb");
    fwrite(U, sizeof(double), (size_t)B * N, out);
    fclose(out);
    printf("%.6f\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    return 0;
}
