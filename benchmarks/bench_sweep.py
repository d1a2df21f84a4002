"""Benchmark: a 200-point beta sweep of the seed model; neuroattn's targets against a numpy loop, a
fused C loop and JAX.

    python benchmarks/bench_sweep.py                       # everything (about 15 minutes on 2 cores)
    python benchmarks/bench_sweep.py --skip-scaling --memory-points 0 --large-points 0

Workload: the seed model, N=50, W uniform in [0, 1/N] with zero diagonal, inputs uniform in [0, 1],
sigmoid f(u) = 1/(1+exp(-4(u-0.5))), tau 10 ms, dt 0.1 ms forward Euler, 2 s of model time, 200 beta
values in [0, 4], final state recorded. Contenders, all on the same numbers in one run, interleaved
and timed best-of-`--repeats` (the machine is shared; a slow spell hits every contender alike):

- neuroattn `sweep` with the default target (chosen automatically: cpp_standalone here, its batch
  split over every core), cython and cpp_standalone on one core (comparable with the C loop). Their
  time includes building the 200 specs, the network and the result; Brian2's import and Cython's
  one-time compilation are excluded by a warm-up sweep. The first cpp_standalone sweep compiles into
  an empty build cache, later ones find its project kept; both are given, and the compiled program's
  own run time;
- the numpy batched Euler loop (`numpy_loop`), the reference every result must equal to 1e-9;
- the fused single-threaded C loop `limit_seed.c` (gcc -O3 -march=native -ffast-math), the compute
  limit on one core;
- JAX `lax.scan` over the steps of the batched update, jit-compiled, float64 (when jax is
  installed; it is no dependency of neuroattn), compile excluded.

Then: cpp_standalone with its compile against the runtime targets for 1,000 points, BLAS on one thread
against BLAS's default for 1,000-point chunks on the numpy target, how time grows with the number of
points and with N, and the peak RSS of a 10,000-point sweep into a Zarr store (in a fresh process).
The last line sums up: ``seed sweep default 0.93x numpy, best (cpp_standalone) 1.10x C, jax 0.52x numpy``.
"""
import argparse
import contextlib
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import neuroattn as na

DT, TAU, GAIN, THRESHOLD = 1e-4, 0.01, 4.0, 0.5
BETA_PATH = "areas.A.competition.beta"
HERE = Path(__file__).resolve().parent


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


class CLoop:
    """`limit_seed.c` compiled with gcc -O3 -march=native -ffast-math, once per network size N
    (a compile-time constant, as in a loop written for one model); `ok` is False without gcc."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.gcc = shutil.which("gcc")
        self.ok = self.gcc is not None
        self._exe = {}

    def _compiled(self, n: int) -> Path:
        if n not in self._exe:
            exe = self.dir / f"limit_seed_{n}"
            subprocess.run([self.gcc, "-O3", "-march=native", "-ffast-math", f"-DN_UNITS={n}",
                            str(HERE / "limit_seed.c"), "-o", str(exe), "-lm"], check=True, capture_output=True)
            self._exe[n] = exe
        return self._exe[n]

    def __call__(self, W, I, n_points, T, beta_max=4.0):
        """(loop wall time, final state) of the C loop; betas are linspace(0, beta_max, n_points)
        (beta_max for one point). W must have a zero diagonal."""
        data, out = self.dir / "wi.bin", self.dir / "final.bin"
        data.write_bytes(np.ascontiguousarray(W).tobytes() + np.ascontiguousarray(I).tobytes())
        done = subprocess.run([str(self._compiled(W.shape[0])), str(data), str(W.shape[0]), str(n_points),
                               str(int(round(T / DT))), repr(float(beta_max)), str(out)],
                              capture_output=True, text=True, check=True)
        return float(done.stdout.split()[-1]), np.fromfile(out).reshape(n_points, W.shape[0])


def jax_loop(W, I, betas, T):
    """JAX: the batched update in a jit-compiled `lax.scan` (float64); None without jax."""
    if importlib.util.find_spec("jax") is None:
        return None
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    WT, rs, b, I_ = jnp.asarray(W.T), jnp.asarray(W.sum(1)), jnp.asarray(betas)[:, None], jnp.asarray(I)
    n_steps = int(round(T / DT))

    @jax.jit
    def run(U0):
        def step(U, _):
            F = 1 / (1 + jnp.exp(-GAIN * (U - THRESHOLD)))
            return U + DT / TAU * (-U + F @ WT - b * F * rs + I_), None
        return jax.lax.scan(step, U0, None, length=n_steps)[0]

    U0 = jnp.zeros((len(betas), W.shape[0]))
    run(U0).block_until_ready()  # compile once, outside the timing

    def timed():
        return np.asarray(run(U0).block_until_ready())
    return timed


def best_of(repeats, fn):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def run_sweep(spec, betas, T, target, chunk_size=None):
    return na.sweep(spec, {BETA_PATH: betas}, f"{T * 1e3:g} ms", target=target, progress=False,
                    chunk_size=chunk_size or len(betas))


class ProgramTime:
    """Wall time of the compiled cpp_standalone program's runs (arguments, run, results; no compile)."""

    def __init__(self):
        from neuroattn.engine import compiled

        self.total, self._compiled = 0.0, compiled
        self._run = compiled.CompiledNetwork.run

        def timed(network, *a, **k):
            t0 = time.perf_counter()
            try:
                return self._run(network, *a, **k)
            finally:
                self.total += time.perf_counter() - t0
        compiled.CompiledNetwork.run = timed


@contextlib.contextmanager
def one_core(on: bool):
    """Compiled batches on one core in the body (``NEUROATTN_CORES=1``) where `on`."""
    previous = os.environ.get("NEUROATTN_CORES")
    if on:
        os.environ["NEUROATTN_CORES"] = "1"
    try:
        yield
    finally:
        if on and previous is None:
            os.environ.pop("NEUROATTN_CORES")
        elif on:
            os.environ["NEUROATTN_CORES"] = previous


def main_comparison(args, c_loop):
    from neuroattn.engine.device import available_cores

    spec, W, I = workload(50)
    betas = np.linspace(0, 4, 200)
    targets = [None] + [t for t in args.targets if t]  # None: the default (automatic) target
    for target in targets:
        if target != "cpp_standalone":
            run_sweep(spec, betas[:2], 0.001, target)  # warm-up: imports, and compilation for cython
    jax_run = jax_loop(W, I, betas, 2.0)
    names = {None: "default", **{t: t for t in targets if t}}
    best = {"numpy loop": np.inf, "C loop": np.inf, "jax": np.inf, "cpp_standalone run": np.inf,
            **{names[t]: np.inf for t in targets}}
    results, used, cold = {}, {}, {}
    program = ProgramTime()
    for _ in range(args.repeats):  # interleaved, so a slow spell of the machine hits every side alike
        t, U = best_of(1, lambda: numpy_loop(W, I, betas, 2.0))
        best["numpy loop"] = min(best["numpy loop"], t)
        if c_loop.ok:
            t, results["C loop"] = c_loop(W, I, len(betas), 2.0)
            best["C loop"] = min(best["C loop"], t)
        if jax_run is not None:
            t, results["jax"] = best_of(1, jax_run)
            best["jax"] = min(best["jax"], t)
        for target in targets:
            program.total = 0.0
            with one_core(target == "cpp_standalone"):  # comparable with the single-threaded C loop
                t, ds = best_of(1, lambda: run_sweep(spec, betas, 2.0, target))
            if ds.attrs["target"] == "cpp_standalone" and names[target] not in cold:
                cold[names[target]] = t  # the first sweep compiles; later ones find the project kept
            else:
                best[names[target]] = min(best[names[target]], t)
            results[names[target]], used[names[target]] = ds.u_final.values, ds.attrs["target"]
            if target == "cpp_standalone":
                best["cpp_standalone run"] = min(best["cpp_standalone run"], program.total)
    t_np, t_c = best["numpy loop"], best["C loop"]
    print(f"workload: seed model, N=50, 200 beta values in [0, 4], 2 s at dt 0.1 ms, final state "
          f"(best of {args.repeats}, interleaved)")
    print(f"  {'contender':44s} {'wall':>8s} {'/ numpy':>8s} {'/ C':>6s}   max |u - u_numpy|")

    def row(label, t, key=None):
        err = "" if key is None else f"{float(np.max(np.abs(results[key] - U))):.1e}"
        ok = "" if key is None else (" ok" if float(np.max(np.abs(results[key] - U))) <= 1e-9 else " MISMATCH")
        c = f"{t / t_c:5.2f}x" if np.isfinite(t_c) else "   -  "
        print(f"  {label:44s} {t:7.2f}s {t / t_np:7.2f}x {c}   {err}{ok}")
    if np.isfinite(t_c):
        row("fused C loop (-O3 -march=native -ffast-math)", t_c, "C loop")
    if np.isfinite(best["jax"]):
        row("JAX lax.scan, jit (compile excluded)", best["jax"], "jax")
    else:
        print("  JAX: not installed (pip install jax to include it)")
    row("numpy batched Euler loop", t_np)
    cores = available_cores()
    for target in targets:
        if target is None:
            where = f", {cores} cores" if used[names[target]] == "cpp_standalone" else ""
            label = f"neuroattn sweep, default ({used[names[target]]}{where})"
        else:
            label = f"neuroattn sweep, {target}" + (", one core" if target == "cpp_standalone" else "")
        if names[target] in cold:
            row(label + ", compiling", cold[names[target]], names[target])
            if np.isfinite(best[names[target]]):
                row(label + ", project kept", best[names[target]], names[target])
            continue
        row(label, best[names[target]], names[target])
    if np.isfinite(best["cpp_standalone run"]):
        row("neuroattn cpp_standalone, the program, one core", best["cpp_standalone run"])
    compiled = {t: best[names[t]] for t in targets if t and np.isfinite(best[names[t]])}
    if np.isfinite(best["cpp_standalone run"]):
        compiled["cpp_standalone"] = best["cpp_standalone run"]
    fastest = min(compiled, key=compiled.get) if compiled else None
    return dict(default=best["default"] / t_np, default_target=used.get("default"), best=fastest,
                best_c=(compiled[fastest] / t_c) if fastest and np.isfinite(t_c) else np.nan,
                jax=best["jax"] / t_np)


def large(args):
    """cpp_standalone including its compile against the runtime targets and the default, 1,000 points.
    The first cpp_standalone sweep compiles into an empty build cache, the second finds its project
    there (compiled networks are kept per structure, `neuroattn.engine.compiled.build_root`). At this
    size the default is cpp_standalone itself, its batch split over every core
    (`neuroattn.engine.device.program_parts`); `--large-cores 1` keeps one program."""
    from neuroattn.engine.device import available_cores

    spec, W, I = workload(50)
    betas = np.linspace(0, 4, args.large_points)
    T = 2.0
    times = {"numpy": [], "cython": [], "cpp_standalone": [], "default": []}
    used = None
    saved = {k: os.environ.get(k) for k in ("NEUROATTN_BUILD_CACHE", "NEUROATTN_CORES")}
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NEUROATTN_BUILD_CACHE"] = cache
        if args.large_cores:
            os.environ["NEUROATTN_CORES"] = str(args.large_cores)
        run_sweep(spec, betas[:2], 0.001, "cython")  # Cython's one-time compile, as in the main comparison
        try:
            for _ in range(2):
                for name, target in [("numpy", "numpy"), ("cython", "cython"), ("cpp_standalone", "cpp_standalone"),
                                     ("default", None)]:
                    t, ds = best_of(1, lambda: run_sweep(spec, betas, T, target))
                    times[name].append(t)
                    if target is None:
                        used = ds.attrs["target"]
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    t_np, t_cy, t_default = min(times["numpy"]), min(times["cython"]), min(times["default"])
    cold, warm = times["cpp_standalone"]
    runtime = min(t_np, t_cy)
    cores = args.large_cores or available_cores()
    print(f"\n{args.large_points} points, 2 s (2 interleaved rounds; compiled batches on {cores} core(s)): "
          f"numpy target {t_np:.2f} s, cython {t_cy:.2f} s, cpp_standalone incl. compile {cold:.2f} s "
          f"({cold / runtime:.2f}x the fastest runtime target), with its project kept {warm:.2f} s "
          f"({warm / runtime:.2f}x); default ({used}) {t_default:.2f} s")


def threads(args):
    """BLAS on one thread (neuroattn's choice for batched runs) against BLAS's own default."""
    from threadpoolctl import threadpool_info

    from neuroattn.engine import simulation

    spec, W, I = workload(50)
    betas = np.linspace(0, 4, args.large_points)
    T = 0.5
    choice = simulation.blas_threads
    times = {"one thread": [], "BLAS default": []}
    for _ in range(3):
        for label, fn in [("one thread", choice), ("BLAS default", lambda params: None)]:
            simulation.blas_threads = fn
            try:
                times[label].append(best_of(1, lambda: run_sweep(spec, betas, T, "numpy"))[0])
            finally:
                simulation.blas_threads = choice
    n_blas = max((i.get("num_threads", 1) for i in threadpool_info() if i.get("user_api") == "blas"), default=1)
    print(f"\nBLAS threads, {args.large_points}-point chunk, 0.5 s, numpy target, 3 interleaved runs: "
          + "; ".join(f"{k}: {min(v):.2f}-{max(v):.2f} s" for k, v in times.items())
          + f" (BLAS default here: {n_blas} threads)")


def scaling(args):
    T = args.scaling_duration
    target = args.targets[0] if args.targets else None
    print(f"\nscaling ({T * 1e3:g} ms of model time per point, target {target or 'default'}, best of 2):")
    print(f"  {'points':>6} {'N':>5} {'neuroattn':>10} {'numpy':>8} {'ratio':>6} {'per point':>10}")
    for n_points, n in [(50, 50), (200, 50), (800, 50), (200, 200), (200, 800)]:
        spec, W, I = workload(n)
        betas = np.linspace(0, 4, n_points)
        run_sweep(spec, betas[:2], 0.001, target)
        t_na, _ = best_of(2, lambda: run_sweep(spec, betas, T, target))
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
                                    store=str(Path(tmp) / "m.zarr"), target=None)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr[-2000:])
        raise SystemExit("memory run failed")
    rss_mb, wall, n, chunk, done = out.stdout.split()[-5:]
    verdict = "under" if float(rss_mb) < 2048 else "OVER"
    print(f"\nmemory: {n}-point sweep (final state + wta_index, winner, regime per point) into a Zarr store, "
          f"chunks of {chunk} points, default target, complete={done}: "
          f"peak RSS {float(rss_mb):.0f} MB ({verdict} the 2 GB limit), {float(wall):.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--targets", default="cython,cpp_standalone",
                        help="comma-separated Brian2 targets besides the default")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--scaling-duration", type=float, default=0.2, help="seconds of model time")
    parser.add_argument("--large-points", type=int, default=1000, help="0 skips the 1,000-point runs")
    parser.add_argument("--large-cores", type=int, default=0,
                        help="cores of the compiled 1,000-point batches (0: neuroattn's choice, every core)")
    parser.add_argument("--memory-points", type=int, default=10_000, help="0 skips the memory run")
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    with tempfile.TemporaryDirectory() as tmp:  # an empty cache of compiled standalone projects
        os.environ["NEUROATTN_BUILD_CACHE"] = str(Path(tmp) / "builds")
        summary = main_comparison(args, CLoop(Path(tmp)))
        if args.large_points:
            large(args)
            threads(args)
        if not args.skip_scaling:
            scaling(args)
        if args.memory_points:
            memory(args)
    print(f"\n(this process peaked at {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    jax_part = f", jax {summary['jax']:.2f}x numpy" if np.isfinite(summary["jax"]) else ", jax not installed"
    best = f"best ({summary['best']}) {summary['best_c']:.2f}x C" if summary["best"] else "no compiled target"
    print(f"seed sweep default {summary['default']:.2f}x numpy, {best}{jax_part}")


if __name__ == "__main__":
    main()
