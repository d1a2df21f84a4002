"""`simulate` and `simulate_batch`: spec(s) → Brian2 run → labelled `xarray.Dataset`."""
from __future__ import annotations

import time as _time
import warnings
from typing import Mapping, Optional, Sequence, Union

import brian2
import numpy as np
import xarray as xr

from neuroattn.engine.batch import batch_params
from neuroattn.engine.builder import build_network
from neuroattn.engine.device import resolve_target, use_target
from neuroattn.exceptions import DivergenceWarning, NeuroAttnError, SimulationError, SpecError
from neuroattn.results import make_dataset, provenance, squeeze_point
from neuroattn.spec import NetworkSpec, load_spec
from neuroattn.spec.quantities import parse_time

#: |u| above this counts as a run-away (diverged) run.
DIVERGENCE_LIMIT = 1e6
RECORDABLE = ("u", "r", "I")


def _seconds(value, what: str, *, positive: bool = True) -> float:
    try:
        seconds = parse_time(value)
    except ValueError as err:
        raise SimulationError(f"{what}: {err} (got {value!r})") from None
    if positive and seconds <= 0:
        raise SimulationError(f"{what}: must be a positive time (got {value!r})")
    return seconds


def run_settings(duration, dt, record_every) -> tuple[float, int, Optional[int]]:
    """(dt in seconds, number of steps, record interval in steps) from user values, checked."""
    T = _seconds(duration, "duration")
    dt_s = _seconds(dt, "dt")
    n_steps = int(round(T / dt_s))
    if n_steps < 1 or abs(n_steps * dt_s - T) > 1e-9 * max(T, 1.0):
        raise SimulationError(f"duration: must be a whole number of steps dt={dt_s!r} s (got {duration!r})")
    if record_every is None:
        return dt_s, n_steps, None
    if isinstance(record_every, (int, np.integer)) and not isinstance(record_every, bool):
        every = int(record_every)
    else:
        every = int(round(_seconds(record_every, "record_every") / dt_s))
    if not 1 <= every <= n_steps:
        raise SimulationError(f"record_every: must be between 1 step and the duration (got {record_every!r})")
    return dt_s, n_steps, every


def _as_spec(spec) -> NetworkSpec:
    if isinstance(spec, NetworkSpec):
        return spec
    if isinstance(spec, (str, dict)) or hasattr(spec, "__fspath__"):
        return load_spec(spec)
    raise SpecError(f"spec: must be a NetworkSpec, a YAML path or a mapping (got {type(spec).__name__})")


def _progress(enabled: Optional[bool]):
    """A Brian2 report callback showing a tqdm bar; with ``None`` it appears only after 2 s of wall time."""
    if enabled is False:
        return None
    state = {"bar": None}

    def report(elapsed, completed, start, duration):
        if state["bar"] is None:
            if not enabled and (float(elapsed) < 2.0 or completed >= 1):
                return
            from tqdm.auto import tqdm
            state["bar"] = tqdm(total=100, unit="%", desc="simulating", leave=False)
        bar = state["bar"]
        bar.update(round(100 * float(completed)) - bar.n)
        if completed >= 1:
            bar.close()
    return report


def simulate_batch(specs: Sequence[Union[NetworkSpec, str]], duration, *, dt="0.1 ms",
                   seed: Union[int, Sequence[int], None] = None, record_every=1,
                   record: Sequence[str] = RECORDABLE, target: Optional[str] = None,
                   coupling: str = "auto", progress: Optional[bool] = None,
                   point_coords: Optional[Mapping[str, Sequence]] = None) -> xr.Dataset:
    """Run K specs of one structure as one Brian2 network; the result has a leading ``point`` dim.

    Parameters
    ----------
    specs : sequence of NetworkSpec
        Points that differ only in numbers (beta, weights, amplitudes, time constants, …).
    duration, dt : time
        ``'2 s'`` or ``2*second``; the run takes ``duration/dt`` forward-Euler steps.
    seed : int or sequence of int, optional
        Noise seed(s). One int gives every point the same noise (common random numbers, so points
        differ only by their parameters); a sequence gives one seed per point. None draws one, which
        is stored in the result.
    record_every : int (steps) or time, or None
        Sampling interval of the traces; None records only the final state.
    record : variables to trace, from ``('u', 'r', 'I')``.
    target : {'numpy', 'cython', 'cpp_standalone'}, optional
        Brian2 code-generation target (default ``numpy``, or ``$NEUROATTN_TARGET``).
    coupling : {'auto', 'matmul', 'synapses'}
        How couplings are computed; 'auto' is BLAS on runtime targets and Synapses on standalone.
    progress : bool, optional
        Show a progress bar; None shows one only for runs that take longer than 2 s.
    point_coords : mapping, optional
        Extra coordinates along ``point`` (for example the swept parameter values).
    """
    specs, dt_s, n_steps, every, seeds = prepare(specs, duration, dt, record_every, record, seed)
    K = len(specs)
    target = resolve_target(target)
    params = batch_params(specs)
    started = _time.perf_counter()
    with use_target(target) as directory, np.errstate(all="ignore"):
        built = build_network(params, dt=dt_s, n_steps=n_steps, seeds=seeds, target=target,
                              coupling=coupling, record=record, record_every=every)
        try:
            built.network.run(n_steps * dt_s * brian2.second, namespace={},
                              report=_progress(progress) if target != "cpp_standalone" else
                              ("stderr" if progress else None))
            if directory is not None:
                brian2.device.build(directory=directory, compile=True, run=True, with_output=False)
        except NeuroAttnError:
            raise
        except Exception as err:
            raise SimulationError(f"Brian2 failed to run the network ({type(err).__name__}: {err})") from err
        traces, finals, times = _collect(built, record, K)
    wall = _time.perf_counter() - started
    return assemble(params, seeds, traces, finals, times, dt=dt_s, n_steps=n_steps, every=every,
                    target=target, coupling=built.coupling, wall=wall, point_coords=point_coords)


def prepare(specs, duration, dt, record_every, record, seed):
    """Checked run settings shared by every way of running a batch."""
    specs = [_as_spec(s) for s in specs]
    dt_s, n_steps, every = run_settings(duration, dt, record_every)
    bad = [v for v in record if v not in RECORDABLE]
    if bad:
        raise SimulationError(f"record: can trace {', '.join(RECORDABLE)} (got {bad[0]!r})")
    K = len(specs)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    seeds = [int(seed)] * K if np.ndim(seed) == 0 else [int(s) for s in seed]
    if len(seeds) != K:
        raise SimulationError(f"seed: needs one seed per point ({K}) (got {len(seeds)})")
    return specs, dt_s, n_steps, every, seeds


def assemble(params, seeds, traces, finals, times, *, dt, n_steps, every, target, coupling, wall,
             point_coords=None) -> xr.Dataset:
    """The batch result: divergence flags (and their warning), provenance, coordinates."""
    K, spec = params.n_points, params.spec
    diverged = _diverged(traces, finals, K)
    if diverged.any():
        warnings.warn(f"{int(diverged.sum())} of {K} point(s) diverged (|u| > {DIVERGENCE_LIMIT:g} or "
                      "non-finite); they are flagged in result['diverged']", DivergenceWarning, stacklevel=4)
    attrs = provenance(spec, seed=seeds[0] if len(set(seeds)) == 1 else None, dt=dt,
                       duration=n_steps * dt, record_every=every if every else 0, target=target,
                       coupling=coupling, wall_time=wall, n_points=K)
    coords = dict(point_coords or {})
    if len(set(seeds)) > 1:
        coords.setdefault("seed", seeds)
    return make_dataset(spec, times=times, traces=traces, finals=finals, diverged=diverged,
                        attrs=attrs, point_coords=coords)


def simulate(spec: Union[NetworkSpec, str], duration, *, dt="0.1 ms", seed: Optional[int] = None,
             record_every=1, record: Sequence[str] = RECORDABLE, target: Optional[str] = None,
             coupling: str = "auto", progress: Optional[bool] = None) -> xr.Dataset:
    """Simulate one network; returns a Dataset with dims ``time`` and ``unit``.

    See `simulate_batch` for the parameters. A run that diverges warns (`DivergenceWarning`) and is
    flagged with ``attrs['diverged'] = 1``.

    Examples
    --------
    >>> import neuroattn as na
    >>> spec = na.load_spec("models/seed_competition.yaml")            # doctest: +SKIP
    >>> res = na.simulate(spec, "200 ms", dt="0.1 ms", record_every=10)  # doctest: +SKIP
    >>> res.r.sizes                                                      # doctest: +SKIP
    Frozen({'time': 200, 'unit': 4})
    """
    ds = simulate_batch([spec], duration, dt=dt, seed=seed, record_every=record_every, record=record,
                        target=target, coupling=coupling, progress=progress)
    return squeeze_point(ds)


def _collect(built, record, K):
    """Traces (K, T, N) and finals (K, N) over all areas, in the spec's area order."""
    groups = built.groups
    traces, times = {}, None
    if built.monitors:
        for var in record:
            parts = []
            for name, mon in built.monitors.items():
                values = np.asarray(getattr(mon, var))  # (K*n, T)
                parts.append(values.reshape(K, built.params.areas[name].n, -1).transpose(0, 2, 1))
            traces[var] = np.concatenate(parts, axis=2)
        times = np.asarray(next(iter(built.monitors.values())).t / brian2.second)
    u_final = np.concatenate([np.asarray(g.u[:]).reshape(K, -1) for g in groups.values()], axis=1)
    r_final = np.empty_like(u_final)
    start = 0
    for name, area in built.params.spec.areas.items():
        n = area.n
        for k, spec in enumerate(built.params.specs):
            r_final[k, start:start + n] = spec.areas[name].transfer.value(u_final[k, start:start + n])
        start += n
    return traces, {"u_final": u_final, "r_final": r_final}, times


def _diverged(traces, finals, K) -> np.ndarray:
    flags = np.zeros(K, bool)
    for arr in [traces.get("u"), finals["u_final"]]:
        if arr is not None:
            a = arr.reshape(K, -1)
            flags |= ~np.all(np.isfinite(a), axis=1) | np.any(np.abs(np.nan_to_num(a)) > DIVERGENCE_LIMIT, axis=1)
    return flags
