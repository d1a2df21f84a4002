"""Running networks: `run` (the engine's one entry point), and `simulate` / `simulate_batch` on top.

`run` takes any list of specs and returns one Dataset along ``point`` in their order. It groups the
specs by structure (each group one batched Brian2 network), chooses the target, reuses compiled
standalone networks through an explicit `NetworkCache`, pads a group to the cached batch size and
drops the padding, and builds provenance only when asked. Sweeps and paradigms call it; nothing
outside the engine reaches into its modules.
"""
from __future__ import annotations

import contextlib
import gc
import time as _time
import warnings
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Union

import brian2
import numpy as np
import xarray as xr

from neuroattn.engine.batch import batch_params, group_by_structure, per_unit_constant, structure_key
from neuroattn.engine.builder import build_network, couplings_of, rate_values, rate_writers
from neuroattn.engine.builder import recordable as recordable_in
from neuroattn.engine.collect import assemble, collect, learned
from neuroattn.engine.compiled import NetworkCache, standalone_capable
from neuroattn.engine.coupling import StepOperation
from neuroattn.engine.device import build_project, choose_target, use_target
from neuroattn.engine.noise import OUProcess
from neuroattn.exceptions import NeuroAttnError, NumericsWarning, SimulationError, SpecError
from neuroattn.results import squeeze_point
from neuroattn.spec import NetworkSpec, load_spec
from neuroattn.spec.quantities import parse_time

#: What `simulate` records by default.
DEFAULT_RECORD = ("u", "r", "I")
#: dt / (smallest time constant) above which a run warns, and above which it is refused unless allowed.
DT_WARN, DT_REFUSE = 0.1, 1.0
#: Most steps one run may take.
MAX_STEPS = 10**9


def _seconds(value, what: str) -> float:
    try:
        seconds = parse_time(value)
    except ValueError as err:
        raise SimulationError(f"{what}: {err} (got {value!r})") from None
    if seconds <= 0:
        raise SimulationError(f"{what}: must be a positive time (got {value!r})")
    return seconds


def _interval(value, what: str, dt: float, n_steps: int) -> Optional[int]:
    """A recording interval in steps, from steps or a time; None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        every = int(value)
    else:
        every = int(round(_seconds(value, what) / dt))
    if not 1 <= every <= n_steps:
        raise SimulationError(f"{what}: must be between 1 step and the duration (got {value!r})")
    return every


@dataclass(frozen=True)
class RunSettings:
    """How long and how finely to run, and what to record, in plain numbers (checked once).

    ``dt`` in seconds; ``n_steps`` Euler steps; ``record_every`` the trace interval in steps (None:
    final state only); ``record`` the traced variables; ``record_weights_every`` the snapshot interval
    of plastic weights in steps (None: final weights only).
    """

    dt: float
    n_steps: int
    record_every: Optional[int] = None
    record: tuple[str, ...] = ()
    record_weights_every: Optional[int] = None

    @classmethod
    def parse(cls, duration, dt="0.1 ms", record_every=1, record: Sequence[str] = DEFAULT_RECORD,
              record_weights_every=None) -> "RunSettings":
        """Settings from user values (``'2 s'``, ``'0.1 ms'``, steps or a time); `SimulationError` if bad."""
        T = _seconds(duration, "duration")
        dt_s = _seconds(dt, "dt")
        if T / dt_s > MAX_STEPS:
            raise SimulationError(f"dt: {duration!r} at dt={dt!r} would be {T / dt_s:.3g} steps (the limit is "
                                  f"{MAX_STEPS:.0e})")
        n_steps = int(round(T / dt_s))
        if n_steps < 1 or abs(n_steps * dt_s - T) > 1e-9 * max(T, 1.0):
            raise SimulationError(f"duration: must be a whole number of steps dt={dt_s!r} s (got {duration!r})")
        if isinstance(record, str):
            record = (record,)
        every = _interval(record_every, "record_every", dt_s, n_steps)
        weights = _interval(record_weights_every, "record_weights_every", dt_s, n_steps)
        return cls(dt_s, n_steps, every, tuple(dict.fromkeys(record)) if (record and every) else (), weights)

    @property
    def duration(self) -> float:
        return self.n_steps * self.dt

    def traced(self) -> tuple[str, ...]:
        """The variables recorded as traces (none without a record interval)."""
        return self.record if self.record_every else ()


def as_spec(spec) -> NetworkSpec:
    if isinstance(spec, NetworkSpec):
        return spec
    if isinstance(spec, (str, dict)) or hasattr(spec, "__fspath__"):
        return load_spec(spec)
    raise SpecError(f"spec: must be a NetworkSpec, a YAML path or a mapping (got {type(spec).__name__})")


def seed_list(seed, K: int) -> list[int]:
    """One seed per point: an int for all, a sequence of K, or None (a fresh one, stored in the result)."""
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    seeds = [seed] * K if np.ndim(seed) == 0 else list(seed)
    if len(seeds) != K:
        raise SimulationError(f"seed: needs one seed per point ({K}) (got {len(seeds)})")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 0 <= int(s) < 2**32:
            raise SimulationError(f"seed: must be a whole number from 0 to 2**32 - 1 (got {str(s)[:40]!r})")
    return [int(s) for s in seeds]


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


def recordable(spec) -> dict[str, tuple[str, str]]:
    """Every variable a run of `spec` can trace: name -> (units, long name).

    ``u``, ``r``, ``I`` and ``E`` everywhere, and the state variables of any area's own dynamics.
    """
    return recordable_in(batch_params([as_spec(spec)]))


def time_constants(spec) -> dict[str, float]:
    """Every time constant of `spec` (seconds), by where it is: area taus, time-valued parameters of
    custom dynamics and spiking neurons (not refractory periods), stimulus noise."""
    out = {}
    for name, area in spec.areas.items():
        if area.neuron is not None:
            for c, (value, unit) in area.neuron.constants().items():
                if unit == "second" and c != "t_ref" and value > 0:
                    out[f"areas.{name}.neuron.{c}"] = value
        elif area.dynamics is not None:
            values, units = area.dynamics.parameter_values(area.n)
            out.update({f"areas.{name}.dynamics.parameters.{p}": float(values[p].min())
                        for p, u in units.items() if u == "second" and values[p].min() > 0})
        else:
            out[f"areas.{name}.tau"] = area.tau
    for k, stim in enumerate(spec.stimuli):
        if stim.noise is not None:
            out[f"stimuli[{k}].noise.tau"] = stim.noise.tau
    return out


def _caller_level() -> int:
    """The stack level of the first caller outside neuroattn (where a warning should point)."""
    import inspect
    from pathlib import Path

    package = str(Path(__file__).resolve().parents[1])
    for level, frame in enumerate(inspect.stack()[1:], start=1):
        if not str(Path(frame.filename).resolve()).startswith(package):
            return level
    return 1


def check_numerics(specs, dt: float, allow_large_dt: bool = False,
                   constants: Optional[Mapping[str, tuple[np.ndarray, str]]] = None) -> None:
    """Warn (`NumericsWarning`) where dt is over a tenth of a time constant or times are not whole steps;
    refuse (`SimulationError`) where dt exceeds a time constant, unless `allow_large_dt`. Times are
    structure, so the first spec of each structure is checked for them; time constants of all, and
    those among the per-point `constants` (path -> (values, unit)) in place of the specs' values."""
    constants = constants or {}
    taus = {}
    for spec in {id(s): s for s in specs}.values():  # each spec object once (sweep rows repeat them)
        for where, tau in time_constants(spec).items():
            if where not in constants:
                taus[where] = min(tau, taus.get(where, tau))
    for where, (values, unit) in constants.items():
        positive = values[values > 0]
        if unit == "second" and len(positive):
            taus[where] = float(positive.min())
    if taus:
        where, tau = min(taus.items(), key=lambda kv: kv[1])
        ratio = dt / tau
        if ratio > DT_REFUSE and not allow_large_dt:
            raise SimulationError(f"dt: {dt * 1e3:g} ms is larger than the time constant {where} = "
                                  f"{tau * 1e3:g} ms: Euler steps would be wrong; use a smaller dt (or "
                                  "allow_large_dt=True / --allow-large-dt)")
        if ratio > DT_WARN:
            warnings.warn(f"dt is {ratio:.2g} of the time constant {where} = {tau * 1e3:g} ms; Euler's error "
                          "grows with dt/tau (keep it below 0.1 for accurate numbers)", NumericsWarning,
                          stacklevel=_caller_level())
    spec = specs[0]
    times = [(f"stimuli[{k}].{f}", getattr(s, f)) for k, s in enumerate(spec.stimuli)
             for f in ("onset", "offset", "ramp", "ramp_off") if getattr(s, f)]
    times += [(f"stimuli[{k}].presentation.{f}", getattr(s.presentation, f)) for k, s in enumerate(spec.stimuli)
              if s.presentation is not None for f in ("duration", "gap") if getattr(s.presentation, f)]
    times += [(f"projections[{p.name}].delay", p.delay) for p in spec.projections if p.delay]
    for where, value in times:
        if abs(value / dt - round(value / dt)) > 1e-6:
            warnings.warn(f"{where}: {value * 1e3:g} ms is not a whole number of steps of {dt * 1e3:g} ms; it is "
                          f"rounded to {round(value / dt) * dt * 1e3:g} ms", NumericsWarning,
                          stacklevel=_caller_level())


def _check_record(params, settings: RunSettings) -> dict:
    variables = recordable_in(params)
    bad = [v for v in settings.traced() if v not in variables]
    if bad:
        raise SimulationError(f"record: can trace {', '.join(variables)} (got {bad[0]!r})")
    return variables


@contextlib.contextmanager
def _frozen_heap():
    """Brian2 calls ``gc.collect()`` at the start of every run, which walks every object of the
    process (~0.1 s with numpy, xarray and scipy loaded: most of a short run's time). Freezing the heap
    first (`gc.freeze`) leaves the collector only what was made since; a heap the caller froze is
    left as it is. During the run the automatic collector is off: Brian2's per-step calls allocate
    small objects that reference counting frees, and generation-0/1 passes over them cost ~10% of a
    compiled run; what a run leaves behind is collected at the next automatic pass."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        if gc.get_freeze_count():
            yield
            return
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
    finally:
        if enabled:
            gc.enable()


#: Largest weight matrix (entries) whose products run on one BLAS thread.
ONE_THREAD_UP_TO = 512 * 512


def blas_threads(params) -> Optional[int]:
    """BLAS threads for a run's step products: 1 where every weight matrix is small (up to 512x512),
    so that a product is too little work to split (on a busy 2-core machine, 1,000-point chunks of
    the N=50 seed sweep took 1.4-12 s with two threads and a steady time with one); None (BLAS's own
    choice) with a larger matrix, where a second thread splits real work (200 points of N=800 ran
    1.8x slower than the numpy loop on one thread)."""
    largest = max([np.prod(np.shape(w)[-2:]) for w in params.projections] +
                  [np.prod(np.shape(a.coupling)[-2:]) for a in params.areas.values() if a.coupling is not None],
                  default=0)
    return 1 if largest <= ONE_THREAD_UP_TO else None


@contextlib.contextmanager
def _blas_limited(threads: Optional[int], controller=None):
    """BLAS limited to `threads` in the body; `controller` (a `threadpoolctl.ThreadpoolController`)
    spares the search for the loaded libraries (a few ms) when one runner limits them again and again."""
    if threads is None:
        yield
        return
    if controller is None:
        from threadpoolctl import ThreadpoolController

        controller = ThreadpoolController()
    with controller.limit(limits=threads, user_api="blas"):
        yield


def _run_fresh(params, settings: RunSettings, seeds, target, coupling, progress):
    """Build and run one network for `params` (standalone: generate, compile and run a project)."""
    with use_target(target) as directory, np.errstate(all="ignore"):
        built = build_network(params, dt=settings.dt, n_steps=settings.n_steps, seeds=seeds, target=target,
                              coupling=coupling, record=settings.traced(), record_every=settings.record_every,
                              record_weights_every=settings.record_weights_every)
        spiking = any(a.spiking for a in params.areas.values())
        state = np.random.get_state() if spiking else None
        if spiking:  # Brian2's generator (numpy's global one on the numpy target): seeded, then put back
            brian2.seed(seeds[0])
        try:
            with _frozen_heap(), _blas_limited(blas_threads(params)):
                built.network.run(settings.duration * brian2.second, namespace={},
                                  report=_progress(progress) if target != "cpp_standalone" else
                                  ("stderr" if progress else None))
            if directory is not None:
                build_project(directory, run=True)
                built.run_seconds = getattr(brian2.device, "_last_run_time", None)
        except NeuroAttnError:
            raise
        except Exception as err:
            raise SimulationError(f"Brian2 failed to run the network ({type(err).__name__}: {err})") from err
        finally:
            if state is not None:
                np.random.set_state(state)
        collected = collect(built, settings.traced(), params.n_points)  # before `learned`: it reads the spikes
        extra = learned(built, params.n_points)
        if built.run_seconds is not None:  # standalone: the compiled program's own run time
            extra[0]["standalone_run_time"] = ((), built.run_seconds, {"units": "s", "long_name":
                                                "run time of the compiled program (no code generation or compile)"})
        return (*collected, built.coupling, extra)


def reusable(params, target: str, coupling: str) -> bool:
    """Whether a runtime network of `params` can be run again for other numbers (`RuntimeNetwork`):
    rate areas coupled by BLAS products, and no per-run Python state beyond rates, couplings and noise
    (no plasticity, reserve units, tasks, pattern presentations or spiking areas)."""
    spec = params.spec
    if target == "cpp_standalone" or coupling not in ("auto", "matmul") or spec.tasks:
        return False
    if any(st.patterns is not None for st in spec.stimuli) or any(r is not None for r in params.projection_rules):
        return False
    return not any(a.spiking or a.plastic is not None or a.reserve is not None for a in params.areas.values())


class RuntimeNetwork:
    """A network of a runtime target (numpy, cython) built once for K points of one structure and run
    again with the numbers of other K points of that structure.

    Before each run Brian2's state goes back to the start (`brian2.Network.store` after building,
    `restore` before running), the per-unit constants are set anew, and the step operation (rates,
    couplings, noise) is made again from the new numbers and seeds, so a run equals a fresh network's
    number for number. Building the network and finding the BLAS libraries to limit are paid once per
    structure, not once per batch (a fit's generations, a sweep's chunks). `NetworkCache.runtime`
    keeps one.
    """

    def __init__(self, params, settings: RunSettings, target: str, coupling: str):
        self.key = self.key_of(params, settings, target, coupling)
        self.settings, self.target, self.K = settings, target, params.n_points
        with use_target(target), np.errstate(all="ignore"):
            self.built = build_network(params, dt=settings.dt, n_steps=settings.n_steps, seeds=[0] * self.K,
                                       target=target, coupling=coupling, record=settings.traced(),
                                       record_every=settings.record_every,
                                       record_weights_every=settings.record_weights_every)
        self._step = next((obj for obj in self.built.network.objects if isinstance(obj, brian2.NetworkOperation)),
                          None)
        self.built.network.store("start")
        self._threads = blas_threads(params)
        self._controller = None
        if self._threads is not None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()

    @staticmethod
    def key_of(params, settings: RunSettings, target: str, coupling: str) -> tuple:
        """What a built network fixes: structure, K, run settings, target and coupling."""
        return (structure_key(params.spec), params.n_points, settings, target, coupling)

    def run(self, params, seeds: Sequence[int], progress):
        """(traces, finals, times, coupling used, learned) of `params` (same key), as `_run_fresh`."""
        built, settings = self.built, self.settings
        with use_target(self.target), np.errstate(all="ignore"):
            built.network.restore("start")
            for group, var, value in rate_values(params, built.rate_groups):
                setattr(group, var, value)
            built.params, built.couplings = params, couplings_of(params, settings.dt)
            if self._step is not None:
                noises = [(OUProcess.of(params, s, seeds, settings.dt, settings.n_steps),
                           built.groups[st.area].variables[f"eta_{s}"].get_value())
                          for s, st in enumerate(params.spec.stimuli) if st.noise is not None]
                self._step.function = StepOperation(built.couplings, built.groups, self.K, noises,
                                                    rate_writers(params, built.rate_groups))
            try:
                with _frozen_heap(), _blas_limited(self._threads, self._controller):
                    built.network.run(settings.duration * brian2.second, namespace={}, report=_progress(progress))
            except NeuroAttnError:
                raise
            except Exception as err:
                raise SimulationError(f"Brian2 failed to run the network ({type(err).__name__}: {err})") from err
            collected = collect(built, settings.traced(), self.K)
            return (*collected, built.coupling, learned(built, self.K))


def _batch(specs, constants: dict, points: slice):
    """`batch_params` of `specs[points]`, with the per-point `constants` of those points."""
    params = batch_params(specs[points])
    return params.with_constants({k: v[points] for k, v in constants.items()}) if constants else params


def _run_group(specs, settings, seeds, *, target, coupling, cache, pad_to, progress, with_provenance,
               point_coords, target_choice=None, constants=None) -> xr.Dataset:
    started = _time.perf_counter()
    n = len(specs)
    constants = constants or {}
    split = None
    if cache is not None and target == "cpp_standalone":
        batch = max(pad_to or n, n)  # the points a compiled network is made for
        size = -(-batch // cache.parts(batch, specs[0]))  # the points of one program (copies run at once)
        pad = -(-n // size) * size - n  # a compiled network fits one batch size: pad, then drop
        specs, seeds = specs + specs[-1:] * pad, seeds + seeds[-1:] * pad
        constants = {k: np.concatenate([v, np.repeat(v[-1:], pad)]) for k, v in constants.items()}
        split = [(_batch(specs, constants, slice(i, i + size)), seeds[i:i + size])
                 for i in range(0, len(specs), size)]
        params = split[0][0]
    else:
        params = _batch(specs, constants, slice(0, n))
    variables = _check_record(params, settings)
    if cache is not None and target == "cpp_standalone":
        network = cache.compiled(params, settings)
        with np.errstate(all="ignore"):
            traces, finals, times, extra = network.run(*split[0], keep=n, more=split[1:])
        used = network.built.coupling
    elif cache is not None and reusable(params, target, coupling):
        network = cache.runtime(RuntimeNetwork.key_of(params, settings, target, coupling),
                                lambda: RuntimeNetwork(params, settings, target, coupling))
        traces, finals, times, used, extra = network.run(params, seeds, progress)
    else:
        traces, finals, times, used, extra = _run_fresh(params, settings, seeds, target, coupling, progress)
    if len(specs) > n or (split and len(split) > 1):  # padded, or run in parts: the points asked for
        params = _batch(specs, constants, slice(0, n))
        traces = {k: v[:n] for k, v in traces.items()}
        finals = {k: v[:n] for k, v in finals.items()}
        seeds = seeds[:n]
    return assemble(params, seeds, traces, finals, times, variables=variables, dt=settings.dt,
                    n_steps=settings.n_steps, every=settings.record_every, target=target, coupling=used,
                    wall=_time.perf_counter() - started, point_coords=point_coords,
                    with_provenance=with_provenance, extra=extra, target_choice=target_choice)


def run_size(specs: Sequence[NetworkSpec], n_steps: int) -> float:
    """A run's size in unit-steps: points x units x steps (what the automatic target choice weighs)."""
    return float(sum(sum(a.n for a in s.areas.values()) for s in specs)) * n_steps


def run(specs: Sequence[NetworkSpec], settings: RunSettings, *, seeds: Sequence[int], target: Optional[str] = None,
        coupling: str = "auto", cache: Optional[NetworkCache] = None, pad_to: Optional[int] = None,
        progress: Optional[bool] = None, provenance: bool = True,
        point_coords: Optional[Mapping[str, Sequence]] = None, allow_large_dt: bool = False,
        constants: Optional[Mapping[str, Sequence[float]]] = None) -> xr.Dataset:
    """Run `specs` (any structures) with one seed each; a Dataset along ``point`` in their order.

    Parameters
    ----------
    settings : `RunSettings` (``RunSettings.parse('2 s', dt='0.1 ms', record_every=10)``).
    constants : per-point values (SI, one per spec) of paths that are per-unit constants
        (`per_unit_constant`), in place of the specs' own values: points that differ only there can
        all be one spec object, computed once (a fit's candidates, say).
    target : Brian2 target; None means ``$NEUROATTN_TARGET`` or the automatic choice from what is
        installed and the run's size (`engine.device.choose_target`; the reason is in ``attrs``).
    cache : a `NetworkCache`; with ``target='cpp_standalone'`` each structure is compiled once for
        `pad_to` points and every later call with that structure only sets numbers. On numpy and
        cython a network of rate areas (`reusable`) is built once per structure and batch size and
        run again for later calls (`RuntimeNetwork`).
    provenance : put the spec, versions and run settings into ``attrs`` (chunks of a sweep skip it).
    allow_large_dt : run even where dt exceeds a time constant (`check_numerics` refuses otherwise).
    point_coords : extra coordinates along ``point``.
    """
    target, choice = choose_target(target) if target else (None, None)
    specs = [as_spec(s) for s in specs]
    seeds = [int(s) for s in seeds]
    if len(seeds) != len(specs):
        raise SimulationError(f"seed: needs one seed per point ({len(specs)}) (got {len(seeds)})")
    groups = group_by_structure(specs)
    if target is None:
        target, choice = choose_target(None, work=run_size(specs, settings.n_steps),
                                       standalone=all(standalone_capable(specs[g[0]]) for g in groups))
    resolved = _constants(specs, constants)
    for positions in groups:
        check_numerics([specs[p] for p in positions], settings.dt, allow_large_dt,
                       {f"areas.{a}.dynamics.parameters.{c}": (v[positions], unit)
                        for (a, c), (v, unit) in resolved.items()})
    parts = []
    for positions in groups:
        coords = {k: [np.asarray(v)[p] for p in positions] for k, v in (point_coords or {}).items()}
        part = _run_group([specs[p] for p in positions], settings, [seeds[p] for p in positions], target=target,
                          coupling=coupling, cache=cache, pad_to=pad_to, progress=progress,
                          with_provenance=provenance and len(groups) == 1, point_coords=coords,
                          target_choice=choice, constants={k: v[positions] for k, (v, _) in resolved.items()})
        parts.append(part.assign_coords(point=positions) if len(groups) > 1 else part)
    if len(parts) == 1:
        return parts[0]
    out = xr.concat(parts, dim="point", data_vars="all", coords="minimal", compat="override", join="outer")
    return out.sortby("point").assign_coords(point=np.arange(len(specs)))


def _constants(specs, constants) -> dict[tuple[str, str], tuple[np.ndarray, str]]:
    """``(area, constant) -> ((K,) SI values, unit)`` of `run`'s `constants`, checked."""
    out = {}
    for path, values in (constants or {}).items():
        where = per_unit_constant(specs[0], path)
        if where is None:
            raise SimulationError(f"constants: {path!r} is not a scalar parameter of an area's own dynamics "
                                  "(areas.<area>.dynamics.parameters.<name>)")
        values = np.asarray(values, float)
        if values.shape != (len(specs),) or not np.all(np.isfinite(values)):
            raise SimulationError(f"constants: {path!r} needs one finite value per point ({len(specs)})")
        out[where[:2]] = (values, where[2])
    return out


def simulate_batch(specs: Sequence[Union[NetworkSpec, str]], duration, *, dt="0.1 ms",
                   seed: Union[int, Sequence[int], None] = None, record_every=1,
                   record: Sequence[str] = DEFAULT_RECORD, target: Optional[str] = None,
                   coupling: str = "auto", progress: Optional[bool] = None,
                   point_coords: Optional[Mapping[str, Sequence]] = None,
                   record_weights_every=None, allow_large_dt: bool = False) -> xr.Dataset:
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
    record : variables to trace: ``u``, ``r``, ``I`` (stimulus input), ``E`` (the drive), and any
        state variable of an area's own dynamics.
    target : {'numpy', 'cython', 'cpp_standalone'}, optional
        Brian2 code-generation target. None: ``$NEUROATTN_TARGET``, else chosen from what is installed
        and the run's size (numpy for small runs; ``attrs['target_choice']`` says why).
    coupling : {'auto', 'matmul', 'kernel', 'synapses'}
        How couplings are computed; 'auto' is BLAS in a numpy step operation on the runtime targets
        and compiled dense products ('kernel', also available on cython) on cpp_standalone.
    progress : bool, optional
        Show a progress bar; None shows one only for runs that take longer than 2 s.
    point_coords : mapping, optional
        Extra coordinates along ``point`` (for example the swept parameter values).
    record_weights_every : int (steps) or time, optional
        Snapshot interval of plastic weights (``w_<connection>`` over ``weight_time``); the final
        weights (``w_<connection>_final``) are always in the result.
    allow_large_dt : bool
        Run even where dt exceeds the smallest time constant (refused otherwise; above a tenth of
        it a `NumericsWarning` says the numbers lose accuracy).
    """
    specs = [as_spec(s) for s in specs]
    settings = RunSettings.parse(duration, dt, record_every, record, record_weights_every)
    if not specs or len(group_by_structure(specs)) > 1:
        batch_params(specs)  # raises the BuildError that says which point differs and how
    return run(specs, settings, seeds=seed_list(seed, len(specs)), target=target, coupling=coupling,
               progress=progress, point_coords=point_coords, allow_large_dt=allow_large_dt)


def simulate(spec: Union[NetworkSpec, str], duration, *, dt="0.1 ms", seed: Optional[int] = None,
             record_every=1, record: Sequence[str] = DEFAULT_RECORD, target: Optional[str] = None,
             coupling: str = "auto", progress: Optional[bool] = None, record_weights_every=None,
             allow_large_dt: bool = False) -> xr.Dataset:
    """Simulate one network; returns a Dataset with dims ``time`` and ``unit``.

    See `simulate_batch` for the parameters. A run that diverges warns (`DivergenceWarning`) and is
    flagged with ``attrs['diverged'] = 1``.

    Examples
    --------
    >>> import neuroattn as na
    >>> spec = na.load_spec("seed_competition")            # doctest: +SKIP
    >>> res = na.simulate(spec, "200 ms", dt="0.1 ms", record_every=10)  # doctest: +SKIP
    >>> res.r.sizes                                                      # doctest: +SKIP
    Frozen({'time': 200, 'unit': 4})
    """
    ds = simulate_batch([spec], duration, dt=dt, seed=seed, record_every=record_every, record=record,
                        target=target, coupling=coupling, progress=progress,
                        record_weights_every=record_weights_every, allow_large_dt=allow_large_dt)
    return squeeze_point(ds)


__all__ = ["run", "run_size", "standalone_capable", "RunSettings", "recordable", "simulate", "simulate_batch", "as_spec",
           "seed_list", "DEFAULT_RECORD"]
