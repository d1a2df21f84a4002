"""Benchmark: the numpy target's state update with and without temporaries, side by side in one run.

    python benchmarks/bench_stateupdate.py            # about 3 minutes on 2 cores
    REPEATS=5 SIZES=48,10000 python benchmarks/bench_stateupdate.py --skip-models

1. The state update alone: the seed model's Euler line, ``du/dt = (-u + rec - beta_self*r + I0)/tau``
   with per-unit constants, in a `NeuronGroup` of 8 units (an area of the cortical hierarchy), 48
   units (the whole hierarchy), 10,000 units (a 200-point chunk of the seed sweep, N=50) and 10^6
   units. Brian2's numpy code object (one numpy expression per statement, a temporary per
   operation) against `InplaceNumpyCodeObject` (ufunc calls into scratch buffers), each called
   `STEPS` times, interleaved, best of `REPEATS`. Also the sigmoid rate update
   ``r = 1/(1 + exp(-4*(u - 0.5)))`` as a ``run_regularly`` operation. Both update the same state
   from the same start and must agree to the last bit.
2. Whole runs on the numpy target, Brian2's numpy code against the in-place one: the cortical
   hierarchy (48 units, 1 s) and the seed sweep (N=50, 200 beta values, 2 s).

The last line says at which sizes the in-place code was faster.
"""
import argparse
import contextlib
import os
import time
from unittest import mock

import brian2 as b
import numpy as np

import neuroattn as na
from neuroattn.engine import inplace

SIZES = [int(s) for s in os.environ.get("SIZES", "8,48,10000,1000000").split(",") if s]
REPEATS = int(os.environ.get("REPEATS", 5))
#: Steps per timing, so that each timing lasts about 0.2 s or more.
STEPS = {8: 20_000, 48: 20_000, 10_000: 5_000, 1_000_000: 50}
SEED = "du/dt = (-u + rec - beta_self*r + I0)/tau : 1\n" \
       "rec : 1\nr : 1\nbeta_self : 1 (constant)\nI0 : 1 (constant)\ntau : second (constant)"


def code_object(target, n, what):
    """A warm code object of `what` ('seed' Euler step or 'sigmoid' rate) for `n` units, and its
    group's state arrays."""
    rng = np.random.default_rng(n)
    b.prefs.codegen.target = target
    if what == "seed":
        group = b.NeuronGroup(n, SEED, method="euler", dt=0.1 * b.ms, namespace={})
        group.rec, group.r = rng.uniform(-1, 1, n), rng.uniform(0, 1, n)
        group.beta_self, group.I0, group.tau = rng.uniform(0, 2, n), rng.uniform(0, 1, n), 10 * b.ms
    else:
        group = b.NeuronGroup(n, "u : 1\nr : 1", dt=0.1 * b.ms, namespace={})
        group.run_regularly("r = 1/(1 + exp(-4*(u - 0.5)))", name=f"rate_{what}_{n}*")
    group.u = rng.uniform(-1, 1, n)
    net = b.Network(group)
    net.run(0.1 * b.ms, namespace={})  # builds the code objects
    runner = group.state_updater if what == "seed" else next(o for o in group.contained_objects if "rate" in o.name)
    return runner.codeobj, group


def microbenchmark():
    targets = {"brian2 numpy": "numpy", "in-place": inplace.inplace_target()}
    print(f"1. the state update alone: calls of the warm code object, best of {REPEATS}, interleaved")
    print(f"  {'update':8s} {'units':>9s} {'steps':>7s} {'brian2 numpy':>14s} {'in-place':>14s} {'ratio':>7s}  same bits")
    verdict = {}
    for what in ("seed", "sigmoid"):
        for n in SIZES:
            steps = STEPS.get(n, max(10, int(2e8 / max(n, 1) / 1000)))
            objects = {k: code_object(t, n, what) for k, t in targets.items()}
            for co, _ in objects.values():
                co()  # warm: buffers allocated, caches filled
            best = {k: np.inf for k in targets}
            for _ in range(REPEATS):
                for key, (co, _) in objects.items():
                    t0 = time.perf_counter()
                    for _ in range(steps):
                        co()
                    best[key] = min(best[key], (time.perf_counter() - t0) / steps)
            state = [np.asarray(g.u[:] if what == "seed" else g.r[:]) for _, g in objects.values()]
            same = np.array_equal(*state)
            ratio = best["in-place"] / best["brian2 numpy"]
            verdict[(what, n)] = ratio
            print(f"  {what:8s} {n:9,d} {steps:7,d} {best['brian2 numpy'] * 1e6:11.2f} us {best['in-place'] * 1e6:11.2f} us "
                  f"{ratio:6.2f}x  {'yes' if same else 'NO'}")
    b.prefs.codegen.target = "auto"
    return verdict


@contextlib.contextmanager
def brian2_numpy():
    """neuroattn's numpy target running Brian2's own numpy code object inside the body."""
    with mock.patch("neuroattn.engine.device.inplace_target", lambda: "numpy"):
        yield


def models():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_sweep import run_sweep, workload

    hierarchy = na.models.cortical_hierarchy()
    seed, _, _ = workload(50)
    betas = np.linspace(0, 4, 200)
    runs = {
        "cortical hierarchy, 48 units, 1 s": lambda: na.simulate(
            hierarchy, "1 s", record_every=None, target="numpy", progress=False).u_final.values,
        "seed sweep, 200 x 50 units, 2 s": lambda: np.asarray(
            run_sweep(seed, betas, 2.0, "numpy").u_final.values),
    }
    print(f"\n2. whole runs on the numpy target, best of {REPEATS}, interleaved")
    print(f"  {'run':36s} {'brian2 numpy':>13s} {'in-place':>10s} {'ratio':>7s}  max |difference|")
    for label, fn in runs.items():
        with brian2_numpy():
            fn()
        fn()  # warm-up of both (imports, first builds)
        best, out = {"brian2": np.inf, "inplace": np.inf}, {}
        for _ in range(REPEATS):
            with brian2_numpy():
                t0 = time.perf_counter()
                out["brian2"] = fn()
                best["brian2"] = min(best["brian2"], time.perf_counter() - t0)
            t0 = time.perf_counter()
            out["inplace"] = fn()
            best["inplace"] = min(best["inplace"], time.perf_counter() - t0)
        diff = float(np.max(np.abs(out["brian2"] - out["inplace"])))
        print(f"  {label:36s} {best['brian2']:11.2f} s {best['inplace']:8.2f} s "
              f"{best['inplace'] / best['brian2']:6.2f}x  {diff:.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-models", action="store_true", help="only the state update alone")
    args = parser.parse_args()
    verdict = microbenchmark()
    if not args.skip_models:
        models()
    faster = [f"{what} {n:,}" for (what, n), r in verdict.items() if r < 1]
    slower = [f"{what} {n:,}" for (what, n), r in verdict.items() if r >= 1]
    print(f"\nin-place faster at: {', '.join(faster) or 'none'}; not faster at: {', '.join(slower) or 'none'}")


if __name__ == "__main__":
    main()
