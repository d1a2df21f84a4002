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


def _store_options(parser: argparse.ArgumentParser, what: str) -> None:
    """The options of a command that writes a resumable store of a `what` (sweep, fit) from a file."""
    parser.add_argument("--out", required=True, help=f"Zarr store (.zarr); rerunning the same {what} resumes it")
    parser.add_argument("--backend", choices=("batched", "processes", "dask"), default=None,
                        help="override the file's backend")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (processes, local dask)")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument("--overwrite", action="store_true", help=f"replace a store of a different {what}")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")


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
    run.add_argument("--plot", default=None, help="also save activity traces (.png, .pdf or .svg)")
    run.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    sw = sub.add_parser("sweep", help="run a parameter sweep file into a resumable Zarr store")
    sw.add_argument("sweep", help="sweep YAML file (model, space, duration, record, backend)")
    _store_options(sw, "sweep")
    sw.add_argument("--trust-scheduler-in-file", action="store_true",
                    help="let the sweep file name the scheduler address (off: a file cannot choose a host)")
    sw.add_argument("--chunk-size", type=int, default=None, help="points per chunk")
    sw.add_argument("--target", default=None, choices=("numpy", "cython", "cpp_standalone"),
                    help="Brian2 code-generation target")
    sw.add_argument("--netcdf", default=None, help="also export the finished sweep to this .nc file")
    ft = sub.add_parser("fit", help="fit a model's parameters to data (a fit file) into a resumable Zarr store")
    ft.add_argument("fit", help="fit YAML file (model, data, params, objective, optimiser)")
    _store_options(ft, "fit")
    pl = sub.add_parser("plot", help="draw a figure of a saved result or sweep store")
    pl.add_argument("result", help="result file (.nc or .zarr) or sweep store (.zarr)")
    pl.add_argument("--kind", choices=PLOT_KINDS, default="traces",
                    help="traces (one line per unit), heatmap (units by time), raster (spikes), weights "
                         "(a plastic connection), regime (a sweep's regime map), bifurcation (fixed-point "
                         "branches along the swept parameter); default traces")
    pl.add_argument("--out", required=True, help="figure file; .png, .pdf or .svg chooses the format")
    pl.add_argument("--areas", nargs="+", default=None, help="areas to show (default all)")
    pl.add_argument("--var", default="r", help="recorded variable for traces and heatmap (default r)")
    pl.add_argument("--point", type=int, default=None, help="which point of a batch or sweep to draw")
    pl.add_argument("--connection", default=None,
                    help="weights: the plastic connection, e.g. V1->parietal (default the only one)")
    pl.add_argument("--path", default=None,
                    help="bifurcation: the parameter path (default the sweep's swept path)")
    pl.add_argument("--quiet", action="store_true", help="no summary line")
    pl.add_argument("--values", nargs=3, type=float, default=None, metavar=("START", "STOP", "N"),
                    help="bifurcation: N values from START to STOP (default the sweep's values)")
    sub.add_parser("info", help="print versions and the active code-generation target")
    return parser


#: The figures `neuroattn plot` draws.
PLOT_KINDS = ("traces", "raster", "heatmap", "regime", "bifurcation", "weights")


def _record_every(text: str):
    return int(text) if text.strip().isdigit() else text


def _run(args) -> int:
    import neuroattn
    from neuroattn.results import result_format_check, save

    out = Path(args.out)
    result_format_check(out)
    if args.plot:
        from neuroattn.plotting.style import figure_format

        figure_format(args.plot, "plot")
    spec = neuroattn.load_spec(args.spec)
    result = neuroattn.simulate(spec, args.duration, dt=args.dt, seed=args.seed,
                                record_every=_record_every(args.record_every), target=args.target,
                                progress=False if args.quiet else None, allow_large_dt=args.allow_large_dt)
    save(result, out)
    if args.plot:
        from neuroattn.plotting import save_figure, traces

        save_figure(traces(result), args.plot, "plot")
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


def _fit(args) -> int:
    import neuroattn
    from neuroattn.fitting.config import load_fit

    if Path(args.out).suffix.lower() != ".zarr":
        raise NeuroAttnError(f"out: fit stores are Zarr folders ending in .zarr (got {args.out!r})")
    spec, data, kwargs = load_fit(args.fit)
    for option in ("backend", "workers", "scheduler"):
        if getattr(args, option) is not None:
            kwargs[option] = getattr(args, option)
    if args.scheduler is not None:
        kwargs["backend"] = "dask"
    result = neuroattn.fit(spec, data, store=args.out, overwrite=args.overwrite, progress=not args.quiet,
                           **kwargs)
    if not args.quiet:
        print(result)
        print(f"-> {args.out}")
    return 0


def _open_result(path: str):
    """A result file or sweep store, read into memory."""
    import neuroattn

    return neuroattn.open_result(path)


def _one_point(result, point: Optional[int]):
    """The result at `point` (required when it has several)."""
    if "point" not in result.dims:
        if point not in (None, 0):
            raise NeuroAttnError(f"point: the result has one point (got --point {point})")
        return result
    n = result.sizes["point"]
    if point is None and n > 1:
        raise NeuroAttnError(f"point: the result has {n} points; choose one with --point 0..{n - 1}")
    point = 0 if point is None else point
    if not 0 <= point < n:
        raise NeuroAttnError(f"point: must be from 0 to {n - 1} (got {point})")
    one = result.isel(point=point)
    return _point_spec(one) if "swept_paths" in one.attrs else one


def _point_spec(one):
    """A sweep point with the spec of that point in its attrs (stimulus epochs, title), not the base spec."""
    import json

    import neuroattn

    from neuroattn.spec.paths import get_value, spec_data
    from neuroattn.spec.quantities import parse_quantity

    values = {p: one[p].values.item() for p in json.loads(one.attrs["swept_paths"]) if p in one.coords}
    if not values or "spec" not in one.attrs:
        return one
    base = neuroattn.load_spec(one.attrs["spec"])
    data = spec_data(base)
    symbols = {"second": "s", "volt": "V", "hertz": "Hz"}
    for path, value in values.items():  # sweeps store quantities in SI units, specs read them with a unit
        unit = parse_quantity(get_value(data, path))[1] if isinstance(get_value(data, path), str) else "1"
        if unit in symbols and isinstance(value, float):
            values[path] = f"{value!r} {symbols[unit]}"
    spec = base.replace(values)
    label = ", ".join(f"{p.rsplit('.', 1)[-1]} = {v:.4g}" if isinstance(v, float) else f"{p} = {v}"
                      for p, v in values.items())  # e.g. 'beta = 0.7', 'stimuli[0].onset = 0.06 s'
    return one.assign_attrs(spec=neuroattn.dump_spec(spec), title=f"{spec.name}: {label}")


def _plastic_connection(result, connection: Optional[str]) -> str:
    if connection is not None:
        return connection
    known = sorted(str(v)[2:-6] for v in result.data_vars if str(v).startswith("w_") and str(v).endswith("_final"))
    if len(known) != 1:
        raise NeuroAttnError(f"connection: name the plastic connection with --connection "
                             f"(the result has {', '.join(known) if known else 'none'})")
    return known[0]


def _bifurcation_figure(result, args):
    import json

    import numpy as np

    import neuroattn
    from neuroattn import analysis, plotting

    if "spec" not in result.attrs:
        raise NeuroAttnError("result: it stores no spec (attrs['spec']) to continue fixed points of")
    swept = json.loads(result.attrs.get("swept_paths", "[]"))
    path = args.path or (swept[0] if len(swept) == 1 else None)
    if path is None:
        raise NeuroAttnError("path: name the parameter to continue along with --path "
                             f"(swept paths: {', '.join(swept) or 'none'})")
    if args.values is not None:
        start, stop, n = args.values
        if n < 2 or n != int(n):
            raise NeuroAttnError(f"values: N must be a whole number of at least 2 (got {n:g})")
        values = np.linspace(start, stop, int(n))
    elif path in result.coords:
        values = np.unique(np.asarray(result[path].values, float))
    else:
        raise NeuroAttnError(f"values: the result has no coordinate {path!r}; give --values START STOP N")
    spec = neuroattn.load_spec(result.attrs["spec"])
    return plotting.bifurcation(analysis.bifurcation(spec, path, values))


def _plot(args) -> int:
    from neuroattn import plotting
    from neuroattn.plotting.style import figure_format, save_figure

    figure_format(args.out, "out")
    result = _open_result(args.result)
    if args.kind in ("traces", "heatmap"):
        drawn = getattr(plotting, args.kind)(_one_point(result, args.point), args.areas, var=args.var)
    elif args.kind == "raster":
        drawn = plotting.raster(result, args.areas, point=args.point)
    elif args.kind == "weights":
        one = _one_point(result, args.point)
        drawn = plotting.weights(one, _plastic_connection(one, args.connection))
    elif args.kind == "regime":
        import json

        swept = json.loads(result.attrs.get("swept_paths", "[]"))
        if not 1 <= len(swept) <= 2:
            raise NeuroAttnError(f"result: a regime map needs a sweep over one or two paths (swept: "
                                 f"{', '.join(swept) or 'none'})")
        drawn = plotting.regime(result, *swept)
    else:
        drawn = _bifurcation_figure(result, args)
    fig = getattr(drawn, "figure", drawn)
    save_figure(fig, args.out, "out")
    if not args.quiet:
        print(f"{args.kind} of {args.result} -> {args.out}")
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
            commands = {"run": _run, "sweep": _sweep, "plot": _plot, "fit": _fit}
            return commands.get(args.command, lambda _: _info())(args)
    except NeuroAttnError as err:
        print(f"neuroattn: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
