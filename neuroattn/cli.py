"""The ``neuroattn`` command: thin argument parsing over the public API.

Errors about user input print one line, ``neuroattn: error: <message>``, and exit with status 2;
nothing is written to ``--out`` then.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence

from neuroattn.exceptions import DivergenceWarning, NeuroAttnError


class _Parser(argparse.ArgumentParser):
    """argparse's errors as one line, like every other error of the command line."""

    def error(self, message):
        self.exit(2, f"neuroattn: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="neuroattn", description="Simulate attention as "
                                     "competition-inhibition dynamics across cortical areas (Brian2).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate a model file and save the result")
    run.add_argument("spec", help="model YAML file")
    run.add_argument("--duration", required=True, help="model time, e.g. 2s or '500 ms'")
    run.add_argument("--out", required=True, help="result file, .nc (NetCDF) or .zarr")
    run.add_argument("--dt", default="0.1 ms", help="Euler step (default 0.1 ms)")
    run.add_argument("--allow-large-dt", action="store_true",
                     help="run even if dt exceeds the smallest time constant (inaccurate)")
    run.add_argument("--seed", type=int, default=None, help="noise seed (default: drawn and stored)")
    run.add_argument("--record-every", default="1", help="trace interval: steps (10) or a time (1ms)")
    run.add_argument("--target", default=None, choices=("numpy", "cython", "cpp_standalone"),
                     help="Brian2 code-generation target (default: chosen from what is installed and the run's size)")
    run.add_argument("--plot", default=None, help="also save activity traces as PNG")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    sw = sub.add_parser("sweep", help="run a parameter sweep file into a resumable Zarr store")
    sw.add_argument("sweep", help="sweep YAML file (model, space, duration, record, backend)")
    sw.add_argument("--out", required=True, help="Zarr store (.zarr); rerunning resumes it")
    sw.add_argument("--backend", choices=("batched", "processes", "dask"), default=None,
                    help="override the file's backend")
    sw.add_argument("--workers", type=int, default=None, help="worker processes (processes, local dask)")
    sw.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    sw.add_argument("--trust-scheduler-in-file", action="store_true",
                    help="let the sweep file name the scheduler address (off: a file cannot choose a host)")
    sw.add_argument("--chunk-size", type=int, default=None, help="points per chunk")
    sw.add_argument("--target", default=None, choices=("numpy", "cython", "cpp_standalone"),
                    help="Brian2 code-generation target")
    sw.add_argument("--netcdf", default=None, help="also export the finished sweep to this .nc file")
    sw.add_argument("--overwrite", action="store_true", help="replace a store of a different sweep")
    sw.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    sub.add_parser("info", help="print versions and the active code-generation target")
    return parser


def _record_every(text: str):
    return int(text) if text.strip().isdigit() else text


def _run(args) -> int:
    import neuroattn
    from neuroattn.results import result_format_check, save

    out = Path(args.out)
    result_format_check(out)
    if args.plot and not args.plot.lower().endswith(".png"):
        raise NeuroAttnError(f"plot: the figure is saved as PNG, so the name must end in .png (got {args.plot!r})")
    spec = neuroattn.load_spec(args.spec)
    result = neuroattn.simulate(spec, args.duration, dt=args.dt, seed=args.seed,
                                record_every=_record_every(args.record_every), target=args.target,
                                progress=False if args.quiet else None, allow_large_dt=args.allow_large_dt)
    save(result, out)
    if args.plot:
        from neuroattn.plotting import traces

        fig = traces(result)
        fig.savefig(args.plot, dpi=120, bbox_inches="tight")
    if not args.quiet:
        flag = "  DIVERGED" if result.attrs.get("diverged") else ""
        print(f"{spec.name}: {result.sizes['unit']} units, {result.attrs['duration']:g} s model time "
              f"in {result.attrs['wall_time']:.2f} s -> {out}{' + ' + args.plot if args.plot else ''}{flag}")
    return 0


def _sweep(args) -> int:
    import time

    from neuroattn.sweeps import export_netcdf, sweep
    from neuroattn.sweeps.config import load_sweep

    spec, space, kwargs = load_sweep(args.sweep, trust_scheduler=args.trust_scheduler_in_file)
    if args.backend is not None:
        kwargs["backend"] = args.backend
        if args.backend != "dask":
            kwargs["scheduler"] = None
    for option in ("workers", "scheduler", "chunk_size", "target"):
        if getattr(args, option) is not None:
            kwargs[option] = getattr(args, option)
    if args.scheduler is not None:
        kwargs["backend"] = "dask"
    duration = kwargs.pop("duration")
    started = time.perf_counter()
    ds = sweep(spec, space, duration, store=args.out, progress=not args.quiet, overwrite=args.overwrite,
               **kwargs)
    if args.netcdf:
        export_netcdf(ds, args.netcdf)
    if not args.quiet:
        n, bad = ds.sizes["point"], int(ds["diverged"].sum())
        print(f"{spec.name}: {n} points ({bad} diverged) in {time.perf_counter() - started:.1f} s -> "
              f"{args.out}{' + ' + args.netcdf if args.netcdf else ''}")
    return 0


def _info() -> int:
    from neuroattn.engine import compiled_targets, describe_choice
    from neuroattn.results import versions

    for name, version in versions().items():
        print(f"{name:10s} {version}")
    print(f"{'compiled':10s} {', '.join(compiled_targets()) or 'none (no C++ compiler found)'}")
    print(f"{'target':10s} {describe_choice()} (set NEUROATTN_TARGET or --target to change)")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():  # the summary line reports divergence already
            warnings.simplefilter("ignore", DivergenceWarning)
            return {"run": _run, "sweep": _sweep}.get(args.command, lambda _: _info())(args)
    except NeuroAttnError as err:
        print(f"neuroattn: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
