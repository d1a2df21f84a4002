"""Benchmark: one dense N=1000 seed network, 2 s at dt 0.1 ms, neuroattn vs a plain numpy Euler loop.

    python benchmarks/bench_engine.py            # N=1000, T=2 s
    N=200 T=0.5 REPEATS=5 python benchmarks/bench_engine.py

Both run in this process on the same weights and inputs; the script checks that they agree to 1e-9
and prints both wall times and their ratio (target: neuroattn within 1.5x of the numpy loop).
"""
import os
import time

import numpy as np

import neuroattn as na

N = int(os.environ.get("N", 1000))
T = float(os.environ.get("T", 2.0))
TARGETS = os.environ.get("TARGETS", "numpy,cython").split(",")
REPEATS = int(os.environ.get("REPEATS", 3))
DT, TAU, BETA = 1e-4, 0.01, 0.5


def workload():
    rng = np.random.default_rng(0)
    W = rng.uniform(0, 1.0 / N, (N, N))
    np.fill_diagonal(W, 0.0)
    I = rng.uniform(0, 1, N)
    spec = na.NetworkSpec(name=f"dense-seed-{N}", areas={"A": na.Area(
        n=N, tau=f"{TAU} s", transfer={"kind": "sigmoid", "gain": 4, "threshold": 0.5},
        competition=na.Seed(beta=BETA, weights=W, include_self=True))},
        stimuli=[na.Stimulus(area="A", amplitude=I)])
    return spec, W, I


def numpy_loop(W, I):
    steps = int(round(T / DT))
    W_off_T = np.ascontiguousarray((W - np.diag(np.diag(W))).T)
    rs = W.sum(1)
    u = np.zeros(N)
    for _ in range(steps):
        f = 1 / (1 + np.exp(-4 * (u - 0.5)))
        u += DT / TAU * (-u + f @ W_off_T - BETA * rs * f + I)
    return u


def main():
    spec, W, I = workload()
    steps = int(round(T / DT))
    print(f"workload: seed equation, dense N={N}, {T:g} s at dt={DT * 1e3:g} ms ({steps} steps), "
          f"best of {REPEATS}, interleaved")
    for target in TARGETS:
        na.simulate(spec, "1 ms", record_every=None, target=target)  # warm-up: imports, Cython compile
    best = {"numpy": np.inf, **{f"na-{t}": np.inf for t in TARGETS}}
    results = {}
    for _ in range(REPEATS):  # interleaved, so a slow spell of the machine hits every side alike
        t0 = time.perf_counter()
        ref = numpy_loop(W, I)
        best["numpy"] = min(best["numpy"], time.perf_counter() - t0)
        for target in TARGETS:
            t0 = time.perf_counter()
            results[target] = na.simulate(spec, f"{T} s", dt=f"{DT} s", record_every=None, target=target,
                                          progress=False)
            best[f"na-{target}"] = min(best[f"na-{target}"], time.perf_counter() - t0)
    t_numpy = best["numpy"]
    print(f"numpy Euler loop      : {t_numpy:7.2f} s")
    for target in TARGETS:
        t_na = best[f"na-{target}"]
        err = float(np.max(np.abs(results[target].u_final.values - ref)))
        print(f"neuroattn {target:11s} : {t_na:7.2f} s  ratio {t_na / t_numpy:.2f} (target <= 1.5); "
              f"build + run, max |u - u_numpy| = {err:.1e}")
        if err > 1e-9:
            raise SystemExit(f"results differ by {err:.2e} > 1e-9")
    fixed_cost()


def fixed_cost(n: int = int(os.environ.get("FIXED_N", 2000)), calls: int = 5):
    """What one `simulate` call costs besides its steps: a dense N=2,000 network (4 million weights)
    run for one step, the same spec object each call (as a notebook re-runs it), best of `calls`."""
    rng = np.random.default_rng(1)
    W = rng.uniform(0, 1.0 / n, (n, n))
    spec = na.NetworkSpec(name=f"dense-seed-{n}", areas={"A": na.Area(
        n=n, tau=f"{TAU} s", transfer="relu", competition=na.Seed(beta=BETA, weights=W, include_self=True))},
        stimuli=[na.Stimulus(area="A", amplitude=1.0)])
    t0 = time.perf_counter()
    na.simulate(spec, f"{DT} s", dt=f"{DT} s", record_every=None, progress=False)
    first = time.perf_counter() - t0
    best = np.inf
    for _ in range(calls):
        t0 = time.perf_counter()
        na.simulate(spec, f"{DT} s", dt=f"{DT} s", record_every=None, progress=False)
        best = min(best, time.perf_counter() - t0)
    print(f"fixed cost per call, N={n} (one step, provenance included): first call {first:.2f} s, "
          f"then {best:.3f} s (target <= 0.2 s)")


if __name__ == "__main__":
    main()
