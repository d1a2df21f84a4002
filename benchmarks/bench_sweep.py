"""Benchmark: a 200-point beta sweep of the seed model, neuroattn's `sweep` vs a batched numpy Euler loop.

    python benchmarks/bench_sweep.py                       # everything (about 10 minutes on 2 cores)
    python benchmarks/bench_sweep.py --skip-scaling --memory-points 0

Workload: the seed model, N=50, W uniform in [0, 1/N] with zero diagonal, inputs uniform in [0, 1],
sigmoid f(u) = 1/(1+exp(-4(u-0.5))), tau 10 ms, dt 0.1 ms forward Euler, 2 s of model time, 200 beta
values in [0, 4], final state recorded. Both sides run in this process on the same numbers, are
checked to agree to 1e-9, and are timed best-of-`--repeats`, interleaved (the numpy loop alone
varies by 15-30 % between runs on a 2-core virtual machine). neuroattn's time includes building the 200 specs, the Brian2
network and the result; Brian2's import and (for cython) its one-time compilation are excluded by a
warm-up sweep. Target: neuroattn <= 1.3x the numpy loop.

Then: how time grows with the number of points and with N (shorter runs, stated), and the peak RSS
of a 10,000-point sweep recording final states and metrics into a Zarr store (in a fresh process).
"""
import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import neuroattn as na

DT, TAU, GAIN, THRESHOLD = 1e-4, 0.01, 4.0, 0.5
BETA_PATH = "areas.A.competition.beta"


def workload(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    W = rng.uniform(0, 1.0 / n, (n, n))
    np.fill_diagonal(W, 0.0)
    I = rng.uniform(0, 1, n)
    spec = na.NetworkSpec(name=f"seed-sweep-{n}", areas={"A": na.Area(
        n=n, tau=f"{TAU * 1e3:g} ms", transfer=na.Sigmoid(gain=GAIN, threshold=THRESHOLD),
        competition=na.Seed(beta=0.0, weights=W))}, stimuli=[na.Stimulus(area="A", amplitude=I)])
    return spec, W, I


def numpy_loop(W, I, betas, T):
    """The reference: U += dt/tau*(-U + F@W.T - beta*F*W.sum(1) + I), all points at once."""
    U = np.zeros((len(betas), W.shape[0]))
    WT, rs, b = np.ascontiguousarray(W.T), W.sum(1), betas[:, None]
    for _ in range(int(round(T / DT))):
        F = 1 / (1 + np.exp(-GAIN * (U - THRESHOLD)))
        U += DT / TAU * (-U + F @ WT - b * F * rs + I)
    return U


def best_of(repeats, fn):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def run_sweep(spec, betas, T, target):
    return na.sweep(spec, {BETA_PATH: betas}, f"{T * 1e3:g} ms", target=target, progress=False,
                    chunk_size=len(betas))


def main_comparison(args):
    spec, W, I = workload(50)
    betas = np.linspace(0, 4, 200)
    for target in args.targets:
        run_sweep(spec, betas[:2], 0.001, target)  # warm-up: imports, and compilation for cython
    best = {"numpy loop": np.inf, **{t: np.inf for t in args.targets}}
    results = {}
    for _ in range(args.repeats):  # interleaved, so a slow spell of the machine hits every side alike
        t, U = best_of(1, lambda: numpy_loop(W, I, betas, 2.0))
        best["numpy loop"] = min(best["numpy loop"], t)
        for target in args.targets:
            t, results[target] = best_of(1, lambda: run_sweep(spec, betas, 2.0, target))
            best[target] = min(best[target], t)
    t_np = best["numpy loop"]
    print(f"workload: seed model, N=50, 200 beta values in [0, 4], 2 s at dt 0.1 ms, final state "
          f"(best of {args.repeats}, interleaved)")
    print(f"  numpy batched Euler loop          {t_np:7.2f} s")
    rows = []
    for target in args.targets:
        t_na = best[target]
        err = float(np.max(np.abs(results[target].u_final.values - U)))
        status = "ok" if err <= 1e-9 else "MISMATCH"
        print(f"  neuroattn sweep, target {target:8s} {t_na:7.2f} s   ratio {t_na / t_np:5.2f}x "
              f"(target <= 1.3x)   max |u - u_numpy| = {err:.1e} {status}")
        rows.append((target, t_na, t_na / t_np, err))
    return rows


def scaling(args):
    T = args.scaling_duration
    print(f"\nscaling ({T * 1e3:g} ms of model time per point, target {args.targets[0]}, best of 2):")
    print(f"  {'points':>6} {'N':>5} {'neuroattn':>10} {'numpy':>8} {'ratio':>6} {'per point':>10}")
    for n_points, n in [(50, 50), (200, 50), (800, 50), (200, 200), (200, 800)]:
        spec, W, I = workload(n)
        betas = np.linspace(0, 4, n_points)
        run_sweep(spec, betas[:2], 0.001, args.targets[0])
        t_na, _ = best_of(2, lambda: run_sweep(spec, betas, T, args.targets[0]))
        t_np, _ = best_of(2, lambda: numpy_loop(W, I, betas, T))
        print(f"  {n_points:6d} {n:5d} {t_na:9.2f}s {t_np:7.2f}s {t_na / t_np:5.2f}x {1e3 * t_na / n_points:8.2f}ms")


MEMORY_SCRIPT = """
import resource, sys, time
import numpy as np
sys.path.insert(0, {bench_dir!r})
import bench_sweep as b
import neuroattn as na
spec, W, I = b.workload(50)
betas = np.linspace(0, 4, {n_points})
t0 = time.perf_counter()
ds = na.sweep(spec, {{b.BETA_PATH: betas}}, "2 s", metrics=["wta_index", "winner", "regime"],
              store={store!r}, progress=False, target={target!r})
wall = time.perf_counter() - t0
done = bool(ds.chunk_done.values.all())
print(f"{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}} {{wall:.1f}} {{ds.sizes['point']}} "
      f"{{ds.attrs['chunk_size']}} {{done}}")
"""


def memory(args):
    with tempfile.TemporaryDirectory() as tmp:
        code = MEMORY_SCRIPT.format(bench_dir=str(Path(__file__).parent), n_points=args.memory_points,
                                    store=str(Path(tmp) / "m.zarr"), target=args.targets[0])
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-2000:])
        raise SystemExit("memory run failed")
    rss_mb, wall, n, chunk, done = out.stdout.split()[-5:]
    verdict = "under" if float(rss_mb) < 2048 else "OVER"
    print(f"\nmemory: {n}-point sweep (final state + wta_index, winner, regime per point) into a Zarr store, "
          f"chunks of {chunk} points, target {args.targets[0]}, complete={done}: "
          f"peak RSS {float(rss_mb):.0f} MB ({verdict} the 2 GB limit), {float(wall):.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--targets", default="numpy,cython", help="comma-separated Brian2 targets")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--scaling-duration", type=float, default=0.2, help="seconds of model time")
    parser.add_argument("--memory-points", type=int, default=10_000, help="0 skips the memory run")
    args = parser.parse_args()
    args.targets = args.targets.split(",")
    main_comparison(args)
    if not args.skip_scaling:
        scaling(args)
    if args.memory_points:
        memory(args)
    print(f"\n(this process peaked at {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
