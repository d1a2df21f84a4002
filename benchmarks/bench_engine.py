"""Benchmark: single networks. A dense N=1000 seed network and the cortical hierarchy, neuroattn's
targets against numpy Euler loops, the fused C loop and JAX; then the fixed cost of one call.

    python benchmarks/bench_engine.py            # N=1000, T=2 s; hierarchy 1 s
    N=200 T=0.5 REPEATS=5 TARGETS=cython python benchmarks/bench_engine.py

Dense network: the seed equation with W uniform in [0, 1/N] (zero diagonal), beta 0.5, inputs uniform
in [0, 1], sigmoid transfer, tau 10 ms, dt 0.1 ms. Contenders (same numbers, one process,
interleaved, best of REPEATS): neuroattn `simulate` with the default target and each of TARGETS
(cpp_standalone's time includes its compile; the compiled program's own run time is printed apart),
a plain numpy Euler loop, `limit_seed.c` (gcc -O3 -march=native -ffast-math) and JAX `lax.scan`
when jax is installed. Every result is checked against the numpy loop (1e-9).

Cortical hierarchy (`na.models.cortical_hierarchy()`: six areas, 48 units, feedback), 1 s: the
numpy Euler loop of the same equations (`neuroattn.analysis.RateModel`) against neuroattn's targets.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import neuroattn as na

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sweep import CLoop  # noqa: E402

N = int(os.environ.get("N", 1000))
T = float(os.environ.get("T", 2.0))
T_HIERARCHY = float(os.environ.get("T_HIERARCHY", 1.0))
TARGETS = [t for t in os.environ.get("TARGETS", "cython,cpp_standalone").split(",") if t]
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
    WT = np.ascontiguousarray(W.T)
    rs = W.sum(1)
    u = np.zeros(N)
    for _ in range(steps):
        f = 1 / (1 + np.exp(-4 * (u - 0.5)))
        u += DT / TAU * (-u + f @ WT - BETA * rs * f + I)
    return u


def jax_loop(W, I):
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    WT, rs, I_ = jnp.asarray(W.T), jnp.asarray(W.sum(1)), jnp.asarray(I)

    @jax.jit
    def run(u0):
        def step(u, _):
            f = 1 / (1 + jnp.exp(-4 * (u - 0.5)))
            return u + DT / TAU * (-u + f @ WT - BETA * rs * f + I_), None
        return jax.lax.scan(step, u0, None, length=int(round(T / DT)))[0]

    u0 = jnp.zeros(N)
    run(u0).block_until_ready()
    return lambda: np.asarray(run(u0).block_until_ready())


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def dense(c_loop):
    spec, W, I = workload()
    steps = int(round(T / DT))
    print(f"dense seed network, N={N}, {T:g} s at dt={DT * 1e3:g} ms ({steps} steps), best of {REPEATS}, "
          "interleaved")
    targets = [None] + TARGETS
    for target in targets:
        if target != "cpp_standalone":
            na.simulate(spec, "1 ms", record_every=None, target=target, progress=False)  # imports, Cython compile
    jax_run = jax_loop(W, I)
    best, results, used = {}, {}, {}
    run_time = np.inf
    for _ in range(REPEATS):  # interleaved, so a slow spell of the machine hits every side alike
        t, ref = timed(lambda: numpy_loop(W, I))
        best["numpy loop"] = min(best.get("numpy loop", np.inf), t)
        if c_loop.ok:
            t, out = c_loop(W, I, 1, T, beta_max=BETA)
            best["C"], results["C"] = min(best.get("C", np.inf), t), out[0]
        if jax_run is not None:
            t, results["jax"] = timed(jax_run)
            best["jax"] = min(best.get("jax", np.inf), t)
        for target in targets:
            t, ds = timed(lambda: na.simulate(spec, f"{T} s", dt=f"{DT} s", record_every=None, target=target,
                                              progress=False))
            key = target or "default"
            best[key], results[key], used[key] = min(best.get(key, np.inf), t), ds.u_final.values, ds.attrs["target"]
            if "standalone_run_time" in ds:
                run_time = min(run_time, float(ds.standalone_run_time))
    t_np, t_c = best["numpy loop"], best.get("C", np.nan)

    def row(label, t, key=None):
        err = float(np.max(np.abs(results[key] - ref))) if key else None
        mark = "" if err is None else f"   max |u - u_numpy| = {err:.1e}{' ok' if err <= 1e-9 else ' MISMATCH'}"
        print(f"  {label:46s} {t:7.2f} s  {t / t_np:5.2f}x numpy  {t / t_c:5.2f}x C{mark}")
    if "C" in best:
        row("fused C loop (-O3 -march=native -ffast-math)", t_c, "C")
    if "jax" in best:
        row("JAX lax.scan, jit (compile excluded)", best["jax"], "jax")
    row("numpy Euler loop", t_np)
    for target in targets:
        key = target or "default"
        extra = " incl. compile" if used[key] == "cpp_standalone" else ""
        row(f"neuroattn {'default (' + used[key] + ')' if target is None else target}{extra}", best[key], key)
    if np.isfinite(run_time):
        row("neuroattn cpp_standalone, the compiled program", run_time)


def hierarchy():
    from neuroattn.analysis import RateModel
    from neuroattn.spec.area import per_unit

    spec = na.models.cortical_hierarchy()
    steps = int(round(T_HIERARCHY / DT))
    model = RateModel(spec)

    def loop():
        I = model.input_trace(steps, DT, [None] * len(spec.stimuli))
        u = np.concatenate([per_unit(a.u0, a.n) for a in spec.areas.values()])
        for k in range(steps):
            r = model.rates(u)
            u = u + DT * model.rhs(u, I[k], [r[model.slices[p.source]] for p in spec.projections])
        return u

    targets = [None] + TARGETS
    for target in targets:  # the same duration: stimulus envelopes' length is part of Cython's code
        if target != "cpp_standalone":
            na.simulate(spec, f"{T_HIERARCHY} s", record_every=None, target=target, progress=False)
    best, used, err = {}, {}, {}
    for _ in range(REPEATS):
        t, ref = timed(loop)
        best["numpy loop"] = min(best.get("numpy loop", np.inf), t)
        for target in targets:
            key = target or "default"
            t, ds = timed(lambda: na.simulate(spec, f"{T_HIERARCHY} s", record_every=None, target=target,
                                              progress=False))
            best[key], used[key] = min(best.get(key, np.inf), t), ds.attrs["target"]
            err[key] = float(np.max(np.abs(ds.u_final.values - ref)))
    print(f"\ncortical hierarchy ({spec.n_units} units, {len(spec.areas)} areas), {T_HIERARCHY:g} s at dt 0.1 ms, "
          f"best of {REPEATS}, interleaved")
    print(f"  {'numpy Euler loop (analysis.RateModel)':46s} {best['numpy loop']:7.2f} s")
    for target in targets:
        key = target or "default"
        label = f"neuroattn {'default (' + used[key] + ')' if target is None else target}"
        label += " incl. compile" if used[key] == "cpp_standalone" else ""
        print(f"  {label:46s} {best[key]:7.2f} s  {best[key] / best['numpy loop']:5.2f}x numpy   "
              f"max |u - u_numpy| = {err[key]:.1e}{' ok' if err[key] <= 1e-9 else ' MISMATCH'}")


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
    print(f"\nfixed cost per call, N={n} (one step, provenance included): first call {first:.2f} s, "
          f"then {best:.3f} s (target <= 0.2 s)")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        dense(CLoop(Path(tmp)))
    hierarchy()
    fixed_cost()


if __name__ == "__main__":
    main()
