"""Benchmark: plastic weights. Oja on 50 inputs -> 10 outputs across 200 sweep points, against a batched
numpy loop of the same equations; and the cortical hierarchy with and without plastic feedforward
projections.

    python benchmarks/bench_plasticity.py                   # the issue's workload (a few minutes on 2 cores)
    python benchmarks/bench_plasticity.py --steps 20000     # shorter

Oja workload: x (50 linear units, tau 1 ms) shows 20 random patterns (20 ms each, random order) and
drives y (10 linear units, tau 1 ms) through W (10 x 50) with Oja's rule; 200 points with learning
rates in [0.1, 2] /s; dt 0.1 ms, `--steps` steps, final weights recorded. Both sides run in this process
on the same numbers, are checked to agree to 1e-9, and are timed best-of-`--repeats`, interleaved.
neuroattn's time includes building the 200 specs, the Brian2 network and the result. neuroattn runs
on each of `--targets`: on numpy the rule's update is numpy in the step operation; on cython the
projection learns inside its compiled product (`PlasticProduct`).
Target: neuroattn <= 1.5x the numpy loop.

Hierarchy workload: `cortical_hierarchy()` (8 features, 6 areas, 12 projections), one 1 s trial at dt
0.1 ms, static, then with the attention-gated rule (gate: PFC) on its 7 feedforward projections.
Target: plastic <= 2x static. Then with structural plasticity (pruning and growth, every 100 ms) on
those 7 projections and 8 reserve units in parietal and in PFC (recruited by attended drive).
Target: structural <= 1.3x plasticity alone.

    python benchmarks/bench_plasticity.py --only hierarchy   # the hierarchy workloads alone
"""
import argparse
import time

import numpy as np

import neuroattn as na

DT, TAU, N_IN, N_OUT, N_PATTERNS = 1e-4, 1e-3, 50, 10, 20
RATE_PATH = "projections[x->y].plasticity.rate"


def oja_workload(seed=0):
    rng = np.random.default_rng(seed)
    patterns = rng.uniform(0, 1, (N_PATTERNS, N_IN))
    W0 = rng.uniform(-0.1, 0.1, (N_OUT, N_IN))
    spec = na.load_spec({"name": "oja-bench", "areas": {
        "x": {"n": N_IN, "tau": "1 ms", "transfer": "linear"},
        "y": {"n": N_OUT, "tau": "1 ms", "transfer": "linear"}},
        "projections": [{"source": "x", "target": "y", "weights": W0.tolist(),
                         "plasticity": {"rule": "oja", "rate": 1.0}}],
        "stimuli": [{"area": "x", "patterns": patterns.tolist(),
                     "presentation": {"duration": "20 ms", "order": "random", "seed": 3}}]})
    return spec, patterns, W0


def numpy_loop(spec, patterns, W0, rates, n_steps):
    """The same equations, all points at once: Euler on u_x, u_y and W (Oja), W read before its update."""
    K = len(rates)
    schedule = spec.stimuli[0].schedule(n_steps, DT)
    ux, uy = np.zeros((K, N_IN)), np.zeros((K, N_OUT))
    W = np.broadcast_to(W0, (K, N_OUT, N_IN)).copy()
    rate = np.asarray(rates)[:, None, None]
    for k in range(n_steps):
        x, y = ux, uy
        drive = np.matmul(W, x[:, :, None])[:, :, 0]
        dW = rate * (y[:, :, None] * x[:, None, :] - (y * y)[:, :, None] * W)
        p = schedule[k]
        ux = ux + DT * (-ux + (patterns[p] if p >= 0 else 0.0)) / TAU
        uy = uy + DT * (-uy + drive) / TAU
        W += DT * dW
    return W


def run_sweep(spec, rates, n_steps, target):
    return na.sweep(spec, {RATE_PATH: rates}, f"{n_steps * DT * 1e3:g} ms", target=target, progress=False,
                    chunk_size=len(rates))


def oja(args):
    spec, patterns, W0 = oja_workload()
    rates = np.linspace(0.1, 2.0, 200)
    targets = [t for t in args.targets.split(",") if t]
    couplings = {}
    for target in targets:  # warm-up: imports (and compilation for cython); how each target couples
        run_sweep(spec, rates[:2], args.steps, target)
        couplings[target] = na.simulate(spec, f"{args.steps * DT * 1e3:g} ms", record_every=None, target=target,
                                        progress=False).attrs["coupling"]
    best = {key: np.inf for key in ["numpy"] + targets}
    results = {}
    for _ in range(args.repeats):  # interleaved, so a slow spell of the machine hits every side alike
        t0 = time.perf_counter()
        ref = numpy_loop(spec, patterns, W0, rates, args.steps)
        best["numpy"] = min(best["numpy"], time.perf_counter() - t0)
        for target in targets:
            t0 = time.perf_counter()
            ds = run_sweep(spec, rates, args.steps, target)
            best[target] = min(best[target], time.perf_counter() - t0)
            results[target] = ds.w_x_to_y_final.values
    print(f"oja: {N_IN} -> {N_OUT}, 200 points, {args.steps} steps at dt 0.1 ms (best of {args.repeats}, "
          f"interleaved)")
    print(f"  {'numpy batched loop':44s} {best['numpy']:7.2f} s")
    ratios = {}
    for target in targets:
        err = float(np.max(np.abs(results[target] - ref)))
        ratios[target] = best[target] / best["numpy"]
        how = "learning compiled" if "kernel" in couplings[target] else "learning in numpy"
        print(f"  {f'neuroattn sweep, {target} ({how})':44s} {best[target]:7.2f} s   ratio {ratios[target]:4.2f}x "
              f"(target <= 1.5x)   max |W - W_numpy| = {err:.1e} {'ok' if err <= 1e-9 else 'MISMATCH'}")
        if err > 1e-9:
            raise SystemExit("neuroattn and numpy disagree")
    return min(ratios.values())


#: Structural plasticity on every plastic feedforward projection, and reserve units, for the hierarchy workload.
STRUCTURAL = {"every": "100 ms", "prune_below": 0.02, "prune_after": "200 ms", "grow_above": 0.05,
              "grow_weight": 0.05, "max_new": 2, "coactivity_tau": "200 ms", "regrow": True}
RESERVE = {"n": 8, "recruit_when": {"area": "PFC", "above": 0.8, "duration": "100 ms"}}


def structural_hierarchy(plastic):
    """`plastic` with `STRUCTURAL` on its 7 plastic feedforward projections and `RESERVE` in parietal and PFC."""
    changes = {f"projections[{p.name}].structural": STRUCTURAL for p in plastic.projections if p.plasticity}
    changes.update({f"areas.{a}.reserve": RESERVE for a in ("parietal", "PFC")})
    return plastic.replace(changes)


def hierarchy(args):
    gated = {"rule": "gated", "rate": 2.0, "w_max": 2.0, "gate": {"area": "PFC"}}
    static, plastic = na.models.cortical_hierarchy(), na.models.cortical_hierarchy(feedforward_plasticity=gated)
    structural = structural_hierarchy(plastic)
    workloads = (("static", static), ("plastic", plastic), ("structural", structural))
    for _, spec in workloads:
        na.simulate(spec, "10 ms", record_every=None, target=args.target, progress=False)
    best = {name: np.inf for name, _ in workloads}
    for _ in range(args.repeats):
        for name, spec in workloads:
            t0 = time.perf_counter()
            res = na.simulate(spec, "1 s", record_every=None, target=args.target, progress=False, seed=0)
            best[name] = min(best[name], time.perf_counter() - t0)
    ratio = best["plastic"] / best["static"]
    extra = best["structural"] / best["plastic"]
    recruited = sum(int(np.isfinite(res[f"recruit_time_{a}"]).sum()) for a in ("parietal", "PFC"))
    grown = sum(int(res[v].sum()) for v in res.data_vars if str(v).startswith("grown_"))
    pruned = sum(int(res[v].sum()) for v in res.data_vars if str(v).startswith("pruned_"))
    print(f"hierarchy: 48 units, 1 s at dt 0.1 ms, target {args.target}")
    print(f"  static                    {best['static']:7.2f} s")
    print(f"  gated plasticity on 7 ff  {best['plastic']:7.2f} s   ratio {ratio:4.2f}x (target <= 2x)")
    print(f"  + structural on 7 ff, 16 reserve units  {best['structural']:7.2f} s   ratio {extra:4.2f}x plasticity "
          f"alone (target <= 1.3x); {pruned} pruned, {grown} grown, {recruited} recruited")
    return ratio, extra


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", default="numpy", help="the hierarchy workloads' target")
    parser.add_argument("--targets", default="numpy,cython", help="the Oja sweep's targets, comma-separated")
    parser.add_argument("--only", choices=["oja", "hierarchy"], default=None)
    args = parser.parse_args()
    if args.only == "hierarchy":
        hierarchy(args)
        return
    if args.only == "oja":
        oja(args)
        return
    r_oja = oja(args)
    r_hier, r_struct = hierarchy(args)
    print(f"oja best ratio {r_oja:.2f}x numpy, hierarchy plastic/static {r_hier:.2f}x, "
          f"structural/plastic {r_struct:.2f}x")


if __name__ == "__main__":
    main()
