"""`sweep`: one call from a spec and a parameter space to a labelled, resumable result."""
from __future__ import annotations

import json
import math
import subprocess
import uuid
import warnings
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import numpy as np
import xarray as xr

from neuroattn.exceptions import DivergenceWarning, NeuroAttnError, SweepError
from neuroattn.spec import NetworkSpec, load_spec, spec_hash, spec_text
from neuroattn.sweeps.paths import get_value, spec_data
from neuroattn.sweeps.plan import METRIC_SAMPLES, METRICS, NEEDS_TRACES, SweepPlan
from neuroattn.sweeps.runners import BACKENDS, concat_chunks, run_chunks
from neuroattn.sweeps.space import Space, as_space, describe_json
from neuroattn.sweeps.store import SweepStore

#: Default bound on the units of one chunk (points x units per point), which bounds its memory.
CHUNK_UNITS = 100_000
#: Default bound on the trace memory of one chunk.
CHUNK_TRACE_BYTES = 256 * 2**20


def _record(spec: NetworkSpec, record, record_every, variables) -> tuple[Optional[int], tuple]:
    """(trace interval as given, traced variables) from the user's options."""
    from neuroattn.engine import recordable

    if record not in ("final", "traces"):
        raise SweepError(f"record: must be 'final' (final state only) or 'traces' (got {record!r})")
    variables = (variables,) if isinstance(variables, str) else tuple(variables)
    known = recordable(spec)
    bad = [v for v in variables if v not in known]
    if bad:
        raise SweepError(f"variables: can trace {', '.join(known)} (got {bad[0]!r})")
    return (record_every if record == "traces" else None), variables


def _default_chunk(n_points: int, n_units: int, trace_bytes: int) -> int:
    """Points per chunk from the sweep alone (bounded memory, and at least 8 chunks of 64 points or more
    for parallel backends), never from the backend or worker count: a sweep started on a laptop
    resumes on a cluster with the same chunks."""
    size = max(1, CHUNK_UNITS // max(n_units, 1))
    if trace_bytes:
        size = min(size, max(1, CHUNK_TRACE_BYTES // trace_bytes))
    size = min(size, max(64, math.ceil(n_points / 8)))
    return max(1, min(size, n_points))


def _git_revision() -> Optional[str]:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _constant_paths(spec: NetworkSpec, columns: Mapping[str, list]) -> tuple[str, ...]:
    """The swept paths that the engine takes as per-point arrays (`neuroattn.engine.per_unit_constant`)
    rather than one validated spec per point: every value a finite number in the unit of the spec's
    value (anything else goes through the spec, and fails there with its message), and no other swept
    path above it or elsewhere in its area's dynamics."""
    from neuroattn.engine import per_unit_constant
    from neuroattn.spec.paths import parse_path
    from neuroattn.spec.quantities import parse_quantity

    tokens = {p: parse_path(p) for p in columns}
    out = []
    for path, values in columns.items():
        where = per_unit_constant(spec, path)
        if where is None:
            continue
        mine = tokens[path]
        clash = any(t == mine[:len(t)] or (t[:3] == mine[:3] and not (len(t) == 5 and t[3] == "parameters"))
                    for q, t in tokens.items() if q != path)
        if clash:
            continue
        try:
            units = {parse_quantity(v)[1] for v in set(values)}
        except (ValueError, TypeError):  # a list among the values, or no number
            continue
        if units == {where[2]}:
            out.append(path)
    return tuple(out)


def make_plan(spec: NetworkSpec, space: Space, duration, *, dt="0.1 ms", seeds: Union[int, Sequence[int]] = 0,
              record: str = "final", record_every=1, variables: Sequence[str] = ("u", "r"),
              final: bool = True, metrics: Sequence[str] = (), metric_areas: Optional[Sequence[str]] = None,
              chunk_size: Optional[int] = None, target: Optional[str] = None, summary=None) -> SweepPlan:
    """Check every option and every point, and lay out the sweep's points and chunks.

    `summary` (optional) reduces each point's traces to per-point numbers that the store keeps
    instead of the traces: an object with ``record`` (variables), ``record_every`` (seconds),
    ``variables(spec)`` (name -> (extra dims ((dim, size), ...), dtype, fill, attrs)),
    ``summarise(result)`` (name -> DataArray over ``point`` and those dims) and ``identity()`` (text
    that changes whenever its numbers would).
    """
    from neuroattn.engine import RunSettings

    base = spec_data(spec)
    columns = space.columns()
    for path in columns:
        get_value(base, path)  # unknown paths fail here, naming the closest valid ones
    every, variables = _record(spec, record, record_every, variables)
    if not final and every is None and not metrics and summary is None:
        raise SweepError("record: keeps nothing (final=False, no traces, no metrics)")
    try:
        settings = RunSettings.parse(duration, dt, every)
        dt_s, n_steps, every = settings.dt, settings.n_steps, settings.record_every
    except NeuroAttnError as err:
        raise SweepError(str(err)) from None
    seed_list = [int(seeds)] if np.ndim(seeds) == 0 else [int(s) for s in seeds]
    if not seed_list:
        raise SweepError("seeds: give at least one seed")
    n_space = space.n_points
    point_columns = {p: [v for v in vals for _ in seed_list] for p, vals in columns.items()}
    point_seeds = seed_list * n_space
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise SweepError(f"metrics: unknown metric {unknown[0]!r} (known: {', '.join(METRICS)})")
    areas = list(spec.areas) if metric_areas is None else list(metric_areas)
    missing = [a for a in areas if a not in spec.areas]
    if missing:
        raise SweepError(f"metric_areas: no area named {missing[0]!r} (areas: {', '.join(spec.areas)})")
    if "selection_latency" in metrics and any(spec.areas[a].n < 2 for a in areas):
        raise SweepError("metrics: selection_latency needs areas of at least two units")
    n_trace = (n_steps // every + (n_steps % every > 0)) if every else 0
    trace_bytes = n_trace * spec.n_units * 8 * max(len(variables), 1)
    if not every and any(m in NEEDS_TRACES for m in metrics):  # traces kept only while metrics are computed
        trace_bytes = METRIC_SAMPLES * spec.n_units * 8 * 2
    if not every and summary is not None and summary.record:
        trace_bytes = max(trace_bytes, int(n_steps * dt_s / summary.record_every) * spec.n_units * 8
                          * len(summary.record))
    if chunk_size is None:
        chunk_size = _default_chunk(len(point_seeds), spec.n_units, trace_bytes)
    elif not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise SweepError(f"chunk_size: must be a positive number of points (got {chunk_size!r})")
    plan = SweepPlan(base=base, columns=point_columns, seeds=point_seeds, duration=n_steps * dt_s, dt=dt_s,
                     n_steps=n_steps, record_every=every, variables=variables if every else (), final=final,
                     metrics=tuple(metrics), metric_areas=tuple(areas) if metrics else (),
                     chunk_size=int(min(chunk_size, len(point_seeds))), target=target,
                     describe=space.describe(), learned=tuple(spec.learned_variables()), summary=summary,
                     constants=_constant_paths(spec, columns))
    for k in range(plan.n_points):  # every point must give a valid spec before anything is created
        plan.spec(k)
    return plan


def sweep(spec: Union[NetworkSpec, str], space: Union[Space, Mapping, Sequence], duration, *,
          dt="0.1 ms", seeds: Union[int, Sequence[int]] = 0, record: str = "final", record_every=1,
          variables: Sequence[str] = ("u", "r"), final: bool = True, metrics: Sequence[str] = (),
          metric_areas: Optional[Sequence[str]] = None, store=None, backend: str = "batched",
          chunk_size: Optional[int] = None, workers: Optional[int] = None, scheduler: Optional[str] = None,
          target: Optional[str] = None, progress: Optional[bool] = True, overwrite: bool = False,
          summary=None) -> xr.Dataset:
    """Run `spec` at every point of `space`; returns a Dataset along ``point``.

    Parameters
    ----------
    spec : NetworkSpec or YAML path
    space : Space, or ``{path: values}`` (a grid), or a list of ``{path: value}`` rows
        Paths are dotted paths into the spec: ``areas.V1.competition.beta``,
        ``projections[PFC->V1].scale``, ``stimuli[0].amplitude``, ``areas.PFC.tau``.
    duration, dt : times, as for `neuroattn.simulate`.
    seeds : int or list of int
        Noise seeds. A list is its own axis: every point runs once per seed. Every point's noise
        depends only on its seed, never on its chunk or backend.
    record : 'final' (final state only) or 'traces' (also ``variables`` every `record_every`
        steps, or a time such as ``'1 ms'``).
    final : keep ``u_final`` and ``r_final`` (set False to keep only traces and/or metrics).
    metrics : per-point metrics from `neuroattn.analysis` to store per area of `metric_areas`
        (default every area): ``wta_index``, ``winner``, ``regime`` (codes into
        `neuroattn.analysis.REGIMES`), ``selection_latency``, ``mean_rate``, ``max_rate``.
    store : path ending in .zarr, optional
        Write chunks to this Zarr store as they finish and return it opened lazily. Rerunning the same
        sweep on an existing store computes only the missing chunks; a store of another sweep is refused
        unless ``overwrite=True``. Without a store the sweep runs in memory and cannot resume.
    backend : 'batched' (default), 'processes' or 'dask'; all give identical numbers.
    chunk_size : points per chunk (default: bounded memory and up to 8 chunks of at least 64 points; it
        does not depend on the backend, so a sweep resumes on any backend).
    workers : worker processes for 'processes' and a local Dask cluster (default: the CPU count).
    scheduler : address of a running Dask scheduler (``tcp://host:8786``) for 'dask'.
    target : Brian2 code-generation target, as for `neuroattn.simulate`. With ``'cpp_standalone'``
        each process compiles one C++ program per structure (for `chunk_size` points, every synapse
        connected) and runs every chunk through it with Brian2's ``run_args``, never recompiling.
    progress : show a progress bar with points/s and the time left.
    summary : per-point numbers reduced from traces that are not kept (see `make_plan`); fits use it
        to keep, say, each trial's decision time instead of its traces.

    Examples
    --------
    >>> import numpy as np, neuroattn as na
    >>> spec = na.models.seed_competition()
    >>> ds = na.sweep(spec, {"areas.V1.competition.beta": np.linspace(0, 4, 200)}, "2 s",
    ...               metrics=["wta_index"], progress=False)          # doctest: +SKIP
    >>> ds.wta_index_V1.plot(x="areas.V1.competition.beta")          # doctest: +SKIP
    """
    if not isinstance(spec, NetworkSpec):
        spec = load_spec(spec)
    space = as_space(space)
    if backend not in BACKENDS:
        raise SweepError(f"backend: must be one of {', '.join(BACKENDS)} (got {backend!r})")
    if scheduler is not None and backend != "dask":
        raise SweepError("scheduler: only the 'dask' backend uses a scheduler address")
    from neuroattn.engine import choose_target

    target, choice = choose_target(target) if target else (None, None)
    plan = make_plan(spec, space, duration, dt=dt, seeds=seeds, record=record, record_every=record_every,
                     variables=variables, final=final, metrics=metrics, metric_areas=metric_areas,
                     chunk_size=chunk_size, target=target, summary=summary)
    if target is None:  # chosen for the whole sweep: every chunk runs on the same target
        target, choice = _automatic_target(spec, plan)
        plan.target = target
    plan.run = uuid.uuid4().hex  # this invocation: its own workers may take over each other's leases
    attrs = _attrs(spec, space, plan, target, choice)
    if backend == "dask" and scheduler is not None:
        _reachable(scheduler)  # before the store exists: an unreachable cluster leaves nothing behind
    chunks: dict[int, xr.Dataset] = {}
    stats = {"diverged": 0}
    sweep_store = None
    todo = list(range(plan.n_chunks))
    if store is not None:
        if Path(store).suffix.lower() != ".zarr":
            raise SweepError(f"store: sweep stores are Zarr folders ending in .zarr (got {str(store)!r})")
        sweep_store = SweepStore(store, plan).open(spec, attrs, overwrite=overwrite)
        done = sweep_store.done()
        todo = [i for i in todo if not done[i]]
    bar = _bar(plan, todo, progress)

    def on_done(index, result):
        if sweep_store is None:
            chunks[index] = result
            n, bad = result.sizes["point"], int(result["diverged"].sum())
        else:
            n, bad = result["points"], result["diverged"]
        stats["diverged"] += bad
        if bar is not None:
            bar.update(n)

    try:
        run_chunks(plan, todo, str(store) if store is not None else None, backend=backend,
                   workers=workers, scheduler=scheduler, on_done=on_done)
        if sweep_store is not None:
            _finish_shared(plan, sweep_store, str(store), on_done)
    finally:
        if bar is not None:
            bar.close()
    if stats["diverged"]:
        warnings.warn(f"{stats['diverged']} point(s) diverged; they hold NaN and are flagged in 'diverged'",
                      DivergenceWarning, stacklevel=2)
    if sweep_store is not None:
        ds = sweep_store.dataset()
        if not ds["chunk_done"].values.all():
            raise SweepError("store: some chunks are still missing after the run; rerun to complete them")
        return ds
    return _in_memory(spec, plan, chunks, attrs)


def _automatic_target(spec: NetworkSpec, plan: SweepPlan) -> tuple[str, str]:
    """The target for every chunk of `plan` from the sweep's whole size, and why."""
    from neuroattn.engine import choose_target, run_size, standalone_capable

    return choose_target(None, work=run_size([spec], plan.n_steps) * plan.n_points,
                         standalone=standalone_capable(spec))


def run_plan(plan: SweepPlan, spec: NetworkSpec, cache=None) -> xr.Dataset:
    """Every chunk of `plan` computed here, in order, as one Dataset along ``point``.

    The lean form of an in-memory `sweep` for callers that run many small sweeps of one structure
    (a fit's batches): no store, no progress bar, no provenance or coordinates beyond ``point``, and
    the caller's `neuroattn.engine.NetworkCache` kept from one call to the next. The numbers are
    those `sweep` computes (the same `SweepPlan.run_chunk`).
    """
    if plan.target is None:
        plan.target = _automatic_target(spec, plan)[0]
    return concat_chunks({i: plan.run_chunk(i, cache=cache) for i in range(plan.n_chunks)})


def _reachable(address: str, timeout: float = 10.0) -> None:
    """A one-line `SweepError` unless something listens at the scheduler `address` (``tcp://host:port``)."""
    import re
    import socket

    m = re.fullmatch(r"(?:tcp://)?\[?([^\]]+?)\]?:(\d+)", address.strip())
    if m is None:
        raise SweepError(f"scheduler: write the address as tcp://host:port (got {address[:80]!r})")
    try:
        socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout).close()
    except OSError as err:
        raise SweepError(f"scheduler: cannot reach {address[:80]!r} ({err.strerror or err})") from None


def _finish_shared(plan: SweepPlan, sweep_store: SweepStore, store: str, on_done, poll: float = 0.5) -> None:
    """Chunks that other runs on the same store held: wait for them, and compute any whose owner died
    (its lease expired) here."""
    import time

    while True:
        missing = [i for i, done in enumerate(sweep_store.done()) if not done]
        if not missing:
            return
        mine = [i for i in missing if sweep_store.claim(i)]
        for i in mine:
            sweep_store.release(i)  # compute_chunk claims it again
        if mine:
            run_chunks(plan, mine, store, backend="batched", on_done=on_done)
        else:
            time.sleep(poll)


def _in_memory(spec, plan: SweepPlan, chunks, attrs) -> xr.Dataset:
    from neuroattn.sweeps.store import template

    layout, _ = template(plan, spec, attrs)
    data = concat_chunks(chunks)
    out = data.assign_coords({c: layout[c] for c in layout.coords if c not in ("time", "chunk")})
    if "time" in layout.coords:
        out = out.assign_coords(time=layout["time"])
    for var in out.data_vars:
        if var in layout:
            out[var].attrs = {**out[var].attrs, **layout[var].attrs}
    out.attrs = dict(attrs)
    return out


def _bar(plan: SweepPlan, todo, progress):
    if progress is False:
        return None
    from tqdm.auto import tqdm

    remaining = sum(plan.chunk_slice(i).stop - plan.chunk_slice(i).start for i in todo)
    return tqdm(total=plan.n_points, initial=plan.n_points - remaining, unit="pt", desc="sweep",
                dynamic_ncols=True, smoothing=0.1)


def _attrs(spec: NetworkSpec, space: Space, plan: SweepPlan, target: str, target_choice: Optional[str] = None) -> dict:
    from neuroattn.results.provenance import provenance

    attrs = provenance(spec, dt=plan.dt, duration=plan.duration, record_every=plan.record_every or 0,
                       target=target, target_choice=target_choice, n_points=plan.n_points, chunk_size=plan.chunk_size,
                       n_chunks=plan.n_chunks)
    attrs.update({"title": f"neuroattn sweep of {spec.name}", "sweep_id": plan.identity(),
                  "space": describe_json(space.describe()), "swept_paths": json.dumps(list(plan.columns)),
                  "seeds": json.dumps(sorted(set(plan.seeds))), "metrics": json.dumps(list(plan.metrics)),
                  "git_revision": _git_revision() or "none"})
    attrs["spec"], attrs["spec_hash"] = spec_text(spec), spec_hash(spec)
    return attrs



__all__ = ["sweep", "make_plan", "run_plan"]
