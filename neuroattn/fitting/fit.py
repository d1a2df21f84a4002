"""`fit`: parameters of a spec fitted to data by an optimiser whose every batch of candidates is one sweep.

Each call of the objective by the optimiser is one batch of candidates: every candidate runs every
experimental condition (a distinct row of the data's condition columns) for `trials` noise seeds.
The batch is one `neuroattn.sweep` (one batched Brian2 network per chunk), and the seeds are the
same for every candidate (common random numbers), so two candidates differ only by their parameters
and the objective is smooth enough for a local method to finish what differential evolution found.

With a `store`, each batch is a sweep store ``<store>/evaluations/<batch>.zarr`` and the history,
the profile and the best candidate's predictions are groups of ``<store>``. The optimisers are seeded
and deterministic, so a fit that is killed and rerun replays every finished batch from its store and
computes only what is missing: the resumed fit equals an uninterrupted one number for number.

Without a store, on the ``batched`` backend, a batch is the same sweep plan run in this process
(`neuroattn.sweeps.run_plan`) with one `neuroattn.engine.NetworkCache` for the whole fit: the batched
network is built once per batch size and run again for every generation, swept parameters of an
area's own dynamics reach it as per-point arrays of one spec, and registered objectives score the
whole batch at once (`Objective.losses`). The numbers are those of the store's route (tested).
"""
from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import numpy as np
import pandas as pd
import xarray as xr

from neuroattn.exceptions import DivergenceWarning, FitError, NeuroAttnError, SpecError
from neuroattn.fitting.objectives import OBJECTIVES, Objective
from neuroattn.fitting.parameters import Parameter, parse_params, start_point

METHODS = ("differential_evolution", "l-bfgs-b", "nelder-mead")
LOCAL = ("l-bfgs-b", "nelder-mead")
#: Most profiles around successive optima (a profile point better than the optimum moves it).
PROFILE_ROUNDS = 3
#: Loss given to candidates whose simulation or score is not finite (diverged, say).
PENALTY = 1e30
#: Most units of one chunk of a batch (bounds its memory); a batch is one chunk up to this size.
CHUNK_UNITS = 200_000
#: Bound on the memory of the traces one chunk records internally for the objective.
CHUNK_TRACE_BYTES = 512 * 2**20


class UserObjective:
    """A user function ``f(result, data) -> losses``: `result` is a batch's points (final state of every
    trial, with ``candidate``, ``condition``, ``trial`` and the condition columns as coordinates on
    ``point``), `data` the data as given; it returns one loss per candidate."""

    kind = "user"
    fittable: tuple = ()
    record: tuple = ()
    record_every = 1e-3

    def __init__(self, function: Callable, conditions: Optional[Mapping[str, str]] = None):
        self.function = function
        self.conditions = dict(conditions or {})

    def columns(self):
        return list(self.conditions)

    def check_data(self, data):
        return Objective.check_data(self, data) if self.conditions else data

    def n_data(self, data) -> int:
        return len(data)

    def profile_delta(self, value, n_data, n_params) -> float:
        return 0.0

    def identity(self) -> str:
        f = self.function
        return json.dumps({"user": f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', repr(f))}",
                           "conditions": self.conditions})


def as_objective(objective) -> Any:
    """A registered objective from its name, a mapping ``{kind: ..., ...}``, an instance, or a function."""
    if isinstance(objective, (Objective, UserObjective)):
        return objective
    if callable(objective) and not isinstance(objective, type):
        return UserObjective(objective)
    if isinstance(objective, str):
        objective = {"kind": objective}
    if not isinstance(objective, Mapping):
        raise FitError(f"objective: give a name ({', '.join(OBJECTIVES.names())}), a mapping with 'kind', an "
                       f"Objective or a function (got {type(objective).__name__})")
    kind = objective.get("kind")
    if kind not in OBJECTIVES:
        import difflib

        close = difflib.get_close_matches(str(kind), OBJECTIVES.names(), n=1)
        raise FitError(f"objective.kind: unknown objective {kind!r} (choose {', '.join(OBJECTIVES.names())})"
                       + (f"; did you mean {close[0]!r}?" if close else ""))
    try:
        return OBJECTIVES[kind].from_dict(dict(objective), where="objective")
    except SpecError as err:
        raise FitError(str(err)) from None


@dataclass
class FitResult:
    """What `fit` found.

    Attributes
    ----------
    params : the best parameters, path -> value (SI units).
    value : the objective at `params` (lower is better).
    spec : the spec with the fitted values set.
    objective : the objective with fitted readout fields (``objective.<field>``) set.
    history : every evaluated candidate (dim ``evaluation``): its parameters, ``loss``, ``batch`` and
        ``stage`` (``differential_evolution``, ``l-bfgs-b``, ``nelder-mead``, ``profile``).
    profile : the loss along each parameter around the optimum, the others held at their best values
        (dims ``parameter``, ``step``), with ``lower``/``upper``: where a parabola fitted to it rises by
        the objective's `profile_delta` (a 95 % interval; NaN where the profile does not curve upward).
    predictions : the model's prediction per condition at the optimum (`Objective.predict`).
    trials : the best candidate's simulated trials (one row each).
    """

    params: dict
    value: float
    spec: Any
    objective: Any
    history: xr.Dataset
    profile: Optional[xr.Dataset] = None
    predictions: Optional[pd.DataFrame] = None
    trials: Optional[pd.DataFrame] = None
    n_data: int = 0
    info: dict = field(default_factory=dict)

    def intervals(self) -> dict:
        """path -> (lower, upper) of the 95 % profile interval (NaN where it is open)."""
        if self.profile is None:
            return {}
        return {p: (float(self.profile.lower.sel(parameter=p)), float(self.profile.upper.sel(parameter=p)))
                for p in self.profile.parameter.values}

    def table(self) -> pd.DataFrame:
        """The parameters with their intervals and a standard error (interval width / 3.92)."""
        rows = []
        for path, value in self.params.items():
            lo, hi = self.intervals().get(path, (np.nan, np.nan))
            rows.append({"parameter": path, "value": value, "lower": lo, "upper": hi, "se": (hi - lo) / 3.92})
        return pd.DataFrame(rows).set_index("parameter")

    def __str__(self) -> str:
        lines = [f"fit of {len(self.params)} parameter(s): loss {self.value:.6g} after "
                 f"{self.history.sizes['evaluation']} evaluations"]
        for path, row in self.table().iterrows():
            ci = "" if not np.isfinite(row.se) else f" ± {row.se:.3g}  (95 %: {row.lower:.4g} .. {row.upper:.4g})"
            lines.append(f"  {path} = {row.value:.4g}{ci}")
        return "\n".join(lines)


class _Evaluator:
    """Evaluates batches of candidates (rows of z in the unit cube) as sweeps; keeps the history."""

    def __init__(self, spec, data, parameters: list[Parameter], objective, *, duration, dt, trials, seed, store,
                 backend, workers, scheduler, chunk_size, target):
        self.spec, self.parameters, self.objective = spec, parameters, objective
        self.raw = data
        self.data = objective.check_data(data).copy()
        cond = list(objective.conditions)
        if cond:
            self.table = self.data[cond].drop_duplicates().sort_values(cond).reset_index(drop=True)
            index = pd.MultiIndex.from_frame(self.table)
            self.data["condition"] = index.get_indexer(pd.MultiIndex.from_frame(self.data[cond]))
        else:
            self.table = pd.DataFrame(index=[0])
            self.data["condition"] = 0
        self.duration, self.dt, self.target = duration, dt, target
        self.seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(trials)]  # common to all candidates
        self.store, self.backend, self.workers, self.scheduler = store, backend, workers, scheduler
        self.chunk_size = chunk_size
        self.batches = 0
        self.rows: list[dict] = []
        self.best: Optional[tuple] = None  # (loss, x, trials frame)
        self.on_batch: Optional[Callable[[float], None]] = None
        self._cache = None  # the engine's NetworkCache, kept for every batch run here (`close` ends it)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def n_conditions(self) -> int:
        return len(self.table)

    def _space(self, X: np.ndarray):
        from neuroattn.sweeps import Table

        n_c = self.n_conditions  # rows: candidate-major, then condition
        cols: dict[str, list] = {p.path: [p.spec_value(v) for v in np.repeat(X[:, i], n_c)]
                                 for i, p in enumerate(self.parameters) if not p.on_objective}
        for column, path in self.objective.conditions.items():
            cols[path] = [float(v) for v in np.tile(self.table[column].to_numpy(float), len(X))]
        if not cols:  # only readout parameters: every candidate runs the spec as it is
            name, area = next(iter(self.spec.areas.items()))
            cols = {f"areas.{name}.n": [area.n] * (len(X) * self.n_conditions)}
        return Table(cols)

    def _chunk(self, n_points: int) -> int:
        n_units = self.spec.n_units
        size = max(1, CHUNK_UNITS // max(n_units, 1))
        if self.objective.record:
            samples = self.duration_s / self.objective.record_every + 1
            size = min(size, max(1, int(CHUNK_TRACE_BYTES // (samples * n_units * 8 * len(self.objective.record)))))
        return max(1, min(n_points, self.chunk_size or size))

    @property
    def duration_s(self) -> float:
        from neuroattn.spec.quantities import parse_time

        return parse_time(self.duration)

    def simulate(self, X: np.ndarray) -> xr.Dataset:
        """One batch: every candidate x condition x trial as a point of one sweep.

        With a store (or another backend) the batch is a `neuroattn.sweep` into its own store, so a
        killed fit resumes; in memory on this process it is the same sweep plan run by
        `neuroattn.sweeps.run_plan`, which skips what only stores and users need (layout,
        provenance, progress) and keeps one engine cache for the whole fit.
        """
        from neuroattn.sweeps import make_plan, run_plan, sweep

        n_points = len(X) * self.n_conditions * len(self.seeds)
        summary = self.objective if not isinstance(self.objective, UserObjective) else None
        options = dict(dt=self.dt, seeds=self.seeds, final=summary is None, summary=summary,
                       chunk_size=self._chunk(n_points), target=self.target)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            if self.store is None and self.backend == "batched" and summary is not None:
                if self._cache is None:
                    from neuroattn.engine import NetworkCache

                    self._cache = NetworkCache()
                plan = make_plan(self.spec, self._space(X), self.duration, **options)
                ds = run_plan(plan, self.spec, cache=self._cache)
            else:
                store = None
                if self.store is not None:
                    store = Path(self.store) / "evaluations" / f"{self.batches:05d}.zarr"
                    store.parent.mkdir(parents=True, exist_ok=True)
                ds = sweep(self.spec, self._space(X), self.duration, store=store, backend=self.backend,
                           workers=self.workers, scheduler=self.scheduler, progress=False, **options)
        ds = ds.load()
        n_c, n_t = self.n_conditions, len(self.seeds)
        k = np.arange(n_points)
        coords = {"candidate": ("point", k // (n_c * n_t)), "condition": ("point", (k // n_t) % n_c),
                  "trial": ("point", k % n_t)}
        for column in self.objective.conditions:
            coords[column] = ("point", self.table[column].to_numpy()[(k // n_t) % n_c])
        return ds.assign_coords(coords)

    def _trials(self, ds: xr.Dataset, s: int) -> pd.DataFrame:
        """Candidate `s`'s trials, one row each (its points are contiguous: candidate-major order)."""
        per = self.n_conditions * len(self.seeds)
        rows = slice(s * per, (s + 1) * per)
        frame = pd.DataFrame({"condition": ds.condition.values[rows], "trial": ds.trial.values[rows],
                              "diverged": ds.diverged.values[rows]})
        for name in getattr(self.objective, "variables", lambda spec: {})(self.spec):
            values = ds[name].values[rows]
            frame[name] = list(values) if values.ndim > 1 else values
        frame.attrs["table"] = self.table
        return frame

    def readout(self, x: np.ndarray):
        changes = {p.field: float(p.value(z)) for p, z in zip(self.parameters, x) if p.on_objective}
        return self.objective.replace(**changes) if changes else self.objective

    def __call__(self, Z: np.ndarray, stage: str) -> np.ndarray:
        """Losses of candidates `Z` (S, P) in the unit cube."""
        Z = np.atleast_2d(np.clip(np.asarray(Z, float), 0.0, 1.0))
        X = np.column_stack([p.value(Z[:, i]) for i, p in enumerate(self.parameters)])
        ds = self.simulate(X)
        if isinstance(self.objective, UserObjective):
            losses = np.asarray(self.objective.function(ds, self.raw), float).reshape(-1)
            if losses.shape != (len(X),):
                raise FitError(f"objective: the function must return one loss per candidate ({len(X)}) "
                               f"(got shape {losses.shape})")
            frames = [None] * len(X)
        else:
            frames = None
            losses = self._losses(ds, Z)
        losses = np.where(np.isfinite(losses), losses, PENALTY)
        for s in range(len(X)):
            self.rows.append({"batch": self.batches, "stage": stage, "loss": float(losses[s]),
                              **{p.path: float(X[s, i]) for i, p in enumerate(self.parameters)},
                              **{f"z:{p.path}": float(Z[s, i]) for i, p in enumerate(self.parameters)}})
            if self.best is None or losses[s] < self.best[0]:
                self.best = (float(losses[s]), Z[s].copy(), None if frames is None else frames[s])
        if frames is None and self.best[2] is None:  # a new best of this batch: its trials, one row each
            s = int(np.flatnonzero(losses == self.best[0])[0])
            self.best = (self.best[0], self.best[1], self._trials(ds, s))
        self.batches += 1
        if self.on_batch is not None:
            self.on_batch(self.best[0])
        return losses

    def _losses(self, ds: xr.Dataset, Z: np.ndarray) -> np.ndarray:
        """Every candidate's loss (`PENALTY` where a trial diverged); all at once with `Objective.losses`
        unless fitted readout fields make each candidate's objective its own."""
        S, per = len(Z), self.n_conditions * len(self.seeds)
        diverged = ds["diverged"].values.reshape(S, per).any(axis=1)
        values = {name: ds[name].values.reshape((S, per) + ds[name].shape[1:])
                  for name in self.objective.variables(self.spec)}
        condition = ds["condition"].values[:per]
        with np.errstate(all="ignore"):
            if any(p.on_objective for p in self.parameters):
                losses = np.array([self.readout(z).losses({k: v[s:s + 1] for k, v in values.items()}, condition,
                                                          self.data, self.table)[0] for s, z in enumerate(Z)])
            else:
                losses = np.asarray(self.objective.losses(values, condition, self.data, self.table), float)
        return np.where(diverged, PENALTY, losses)

    def history(self) -> xr.Dataset:
        frame = pd.DataFrame(self.rows)
        ds = xr.Dataset({c: ("evaluation", frame[c].to_numpy()) for c in frame.columns},
                        coords={"evaluation": np.arange(len(frame))})
        for p in self.parameters:
            ds[p.path].attrs = {"units": p.unit, "long_name": f"candidate value of {p.path}"}
        ds["loss"].attrs = {"units": "1", "long_name": f"{self.objective.kind} loss (lower is better)"}
        return ds


def _identity(spec, data, parameters, objective, options: dict) -> str:
    from neuroattn.spec import spec_hash

    key = {"spec": spec_hash(spec), "data": hashlib.sha256(pd.util.hash_pandas_object(data, index=False)
                                                            .to_numpy().tobytes()).hexdigest(),
           "params": [(p.path, p.lo, p.hi, p.log) for p in parameters], "objective": objective.identity(),
           "options": options}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def _open_store(path, identity: str, overwrite: bool) -> Path:
    import shutil

    import zarr

    path = Path(path)
    if path.suffix.lower() != ".zarr":
        raise FitError(f"store: fit stores are Zarr folders ending in .zarr (got {str(path)!r})")
    if path.exists() and overwrite:
        shutil.rmtree(path)
    if path.exists():
        try:
            stored = dict(zarr.open_group(str(path), mode="r").attrs)
        except Exception:  # noqa: BLE001 - anything unreadable is not a fit store
            stored = {}
        if stored.get("fit_id") != identity:
            what = "was not written by a neuroattn fit" if "fit_id" not in stored else "holds a different fit"
            raise FitError(f"store: {str(path)!r} {what}; use a new path, or overwrite=True (--overwrite) to "
                           "start over")
        return path
    if not path.resolve().parent.is_dir():
        raise FitError(f"store: the folder {str(path.resolve().parent)!r} does not exist")
    group = zarr.open_group(str(path), mode="w", zarr_format=2)
    group.attrs.update({"fit_id": identity, "title": "neuroattn fit"})
    return path


def _profile(evaluate: _Evaluator, z_best: np.ndarray, parameters, value: float, points: int, width: float):
    """The loss along each parameter around the optimum (the others held), in one batch, and 95 %
    intervals from its curvature."""
    steps = np.linspace(-width, width, points)
    Z = []
    for i in range(len(parameters)):
        for s in steps:
            z = z_best.copy()
            z[i] = np.clip(z[i] + s, 0.0, 1.0)
            Z.append(z)
    Z = np.array(Z)
    losses = evaluate(Z, "profile").reshape(len(parameters), points)
    zs = Z[:, :].reshape(len(parameters), points, -1)
    delta = evaluate.objective.profile_delta(value, evaluate.objective.n_data(evaluate.data), len(parameters))
    values, lower, upper, curvature = [], [], [], []
    for i, p in enumerate(parameters):
        z = zs[i, :, i]
        values.append(p.value(z))
        lo, hi, c = _interval(z, losses[i], z_best[i], delta)
        lower.append(float(p.value(lo)) if np.isfinite(lo) else np.nan)
        upper.append(float(p.value(hi)) if np.isfinite(hi) else np.nan)
        curvature.append(c)
    return xr.Dataset({"value": (("parameter", "step"), np.array(values), {"long_name": "parameter value"}),
                       "loss": (("parameter", "step"), losses, {"long_name": "loss, other parameters at the optimum"}),
                       "lower": ("parameter", np.array(lower), {"long_name": "lower end of the 95 % interval"}),
                       "upper": ("parameter", np.array(upper), {"long_name": "upper end of the 95 % interval"}),
                       "curvature": ("parameter", np.array(curvature),
                                     {"long_name": "second derivative of the loss in the unit cube"})},
                      coords={"parameter": [p.path for p in parameters], "step": np.arange(points)},
                      attrs={"delta": delta, "held": "the other parameters at their best values"})


def _interval(z: np.ndarray, loss: np.ndarray, z0: float, delta: float) -> tuple[float, float, float]:
    """Where a parabola fitted to the profile (loss against z) rises `delta` above its value at `z0`:
    ``z0 -+ sqrt(delta / c)`` for curvature ``loss = ... + c (z - z0)**2``; NaN where it does not curve
    upward. A parabola rather than the raw points, so that a coarse grid or the trial noise of
    simulated losses does not set the width."""
    z, index = np.unique(z, return_index=True)
    loss = loss[index]
    ok = loss < PENALTY
    if ok.sum() < 3 or delta <= 0:
        return np.nan, np.nan, np.nan
    c = np.polyfit(z[ok] - z0, loss[ok], 2)[0]
    if not c > 0:
        return np.nan, np.nan, float(c)
    half = np.sqrt(delta / c)
    return z0 - half, z0 + half, float(c)


def fit(spec, data, params: Mapping[str, Any], objective="squared_error", method: str = "differential_evolution", *,
        duration="1 s", dt="0.1 ms", trials: int = 1, seed: int = 0, population: Optional[int] = None,
        generations: int = 40, tol: float = 0.01, local: Optional[str] = "l-bfgs-b", local_iterations: int = 20,
        step: float = 0.02, profile: bool = True, profile_points: int = 9, profile_width: float = 0.05,
        store=None, overwrite: bool = False, backend: str = "batched", workers: Optional[int] = None,
        scheduler: Optional[str] = None, chunk_size: Optional[int] = None, target: Optional[str] = None,
        progress: Optional[bool] = True) -> FitResult:
    """Fit parameters of `spec` to `data`; every batch of candidates runs as one batched simulation.

    Parameters
    ----------
    spec : NetworkSpec or YAML path.
    data : pandas DataFrame (one row per trial, or per unit and condition for rates).
    params : ``{path: (lo, hi)}``, ``(lo, hi, 'log')`` or ``{bounds: [lo, hi], log: true}``. Paths are
        sweep paths (``areas.LIP.dynamics.parameters.J``) or fittable objective fields
        (``objective.non_decision_time``); bounds in SI units, or text with a unit (``'50 ms'``).
    objective : ``'squared_error'``, ``'binomial'``, ``'rt_likelihood'`` (a name, a mapping with
        ``kind`` and options, or an `Objective`), or a function ``f(batch_result, data) -> losses``.
    method : ``'differential_evolution'`` (scipy's, ``vectorized=True``: each generation one batch,
        then `local` refinement), or ``'l-bfgs-b'`` / ``'nelder-mead'`` alone from the spec's values.
    duration, dt : of every simulated trial.
    trials : noise seeds per candidate and condition, the same for every candidate.
    seed : seeds the optimiser and the trials' noise; the same seed gives the same fit.
    population : candidates per generation (default 15 per parameter); a Latin hypercube starts them.
    generations : most generations of differential evolution.
    tol : scipy's relative convergence tolerance.
    local : refinement after differential evolution: ``'l-bfgs-b'`` (gradients by forward differences
        of size `step` in the unit cube, all in one batch per iteration), ``'nelder-mead'`` or None.
    step : forward-difference step of L-BFGS-B, as a share of each parameter's range.
    profile, profile_points, profile_width : evaluate the loss at `profile_points` values of each
        parameter within ``± profile_width`` of its range around the optimum (the others held; one
        batch) and give 95 % intervals from the curvature.
    store : a ``.zarr`` folder for the history; rerunning the same fit resumes from it, and a store of
        another fit is refused unless `overwrite`.
    backend, workers, scheduler, chunk_size, target : how batches run (as for `neuroattn.sweep`). By
        default a batch is one chunk (bounded by memory), whatever the backend, so a fit resumes on any
        backend; give `chunk_size` to share a batch among the workers of ``processes`` or ``dask``.
    progress : show a progress bar per generation.

    Examples
    --------
    >>> res = na.fit(spec, data, params={"areas.LIP.dynamics.parameters.mu": (0.005, 0.05, "log")},
    ...              objective={"kind": "rt_likelihood", "area": "LIP", "threshold": 0.5, "var": "u",
    ...                         "conditions": {"coh": "areas.LIP.dynamics.parameters.coh"}},
    ...              duration="2 s", dt="1 ms", trials=100)                        # doctest: +SKIP
    >>> print(res)                                                                 # doctest: +SKIP
    """
    from scipy.optimize import differential_evolution, minimize
    from scipy.stats import qmc

    from neuroattn.spec import NetworkSpec, load_spec

    if not isinstance(spec, NetworkSpec):
        spec = load_spec(spec)
    objective = as_objective(objective)
    if method not in METHODS:
        raise FitError(f"method: must be one of {', '.join(METHODS)} (got {method!r})")
    if local is not None and local not in LOCAL:
        raise FitError(f"local: must be one of {', '.join(LOCAL)} or None (got {local!r})")
    for name, value, least in (("trials", trials, 1), ("generations", generations, 0),
                               ("local_iterations", local_iterations, 0), ("profile_points", profile_points, 3)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise FitError(f"{name}: must be a whole number >= {least} (got {value!r})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise FitError(f"seed: must be a whole number from 0 to 2**32 - 1 (got {seed!r})")
    if not (isinstance(tol, (int, float)) and tol >= 0):
        raise FitError(f"tol: must be a number >= 0 (got {tol!r})")
    try:
        from neuroattn.engine import RunSettings

        RunSettings.parse(duration, dt, None)
    except NeuroAttnError as err:
        raise FitError(str(err)) from None
    if not 0 < step < 0.5:
        raise FitError(f"step: must be between 0 and 0.5 of each parameter's range (got {step!r})")
    parameters = parse_params(params, spec, objective)
    objective = _with_levels(objective, parameters)
    for path in objective.conditions.values():
        parse_params({path: (0, 1)}, spec, objective)  # a condition path must exist too
    n_par = len(parameters)
    population = 15 * n_par if population is None else population
    if isinstance(population, bool) or not isinstance(population, (int, np.integer)) or population < 5:
        raise FitError(f"population: must be a whole number >= 5 (got {population!r})")
    if hasattr(objective, "variables"):
        objective.variables(spec)  # checks the objective's area against the spec
    if not isinstance(data, pd.DataFrame):
        raise FitError(f"data: must be a pandas DataFrame (got {type(data).__name__})")
    options = {"method": method, "duration": str(duration), "dt": str(dt), "trials": trials, "seed": seed,
               "population": population, "generations": generations, "tol": tol, "local": local,
               "local_iterations": local_iterations, "step": step, "profile": profile,
               "profile_points": profile_points, "profile_width": profile_width}
    evaluate = _Evaluator(spec, data, parameters, objective, duration=duration, dt=dt, trials=trials, seed=seed,
                          store=None, backend=backend, workers=workers, scheduler=scheduler,
                          chunk_size=chunk_size, target=target)
    if store is not None:
        evaluate.store = _open_store(store, _identity(spec, evaluate.data, parameters, objective, options), overwrite)
    bar = _Bar(progress)
    evaluate.on_batch = bar.update
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    try:
        if method == "differential_evolution":
            bar.stage("differential evolution", generations + 1)
            init = qmc.LatinHypercube(d=n_par, rng=rng).random(population)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*workers.*", category=UserWarning)
                differential_evolution(lambda Z: evaluate(Z.T, "differential_evolution"), [(0.0, 1.0)] * n_par,
                                       vectorized=True, updating="deferred", init=init, maxiter=generations,
                                       tol=tol, polish=False, rng=rng)
            start = evaluate.best[1]
        else:
            start = start_point(parameters, spec, objective)
            local = method
        if local == "l-bfgs-b":
            bar.stage("l-bfgs-b", local_iterations + 1)

            def value_and_gradient(z):
                Z = [z] + [z + _direction(z, i, step) for i in range(n_par)]
                losses = evaluate(np.array(Z), "l-bfgs-b")
                return losses[0], np.array([(losses[i + 1] - losses[0]) / _direction(z, i, step)[i]
                                            for i in range(n_par)])

            minimize(value_and_gradient, start, jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * n_par,
                     options={"maxiter": local_iterations, "maxfun": 2 * local_iterations})
        elif local == "nelder-mead":
            bar.stage("nelder-mead", local_iterations * (n_par + 1))
            minimize(lambda z: evaluate(z[None], "nelder-mead")[0], start, method="Nelder-Mead",
                     bounds=[(0.0, 1.0)] * n_par, options={"maxfev": local_iterations * (n_par + 1),
                                                            "xatol": 1e-3, "fatol": 1e-6})
        value, z_best, frame = evaluate.best
        table = None
        if profile:
            bar.stage("profile", 1)
            for _ in range(PROFILE_ROUNDS):  # a profile that finds a better point is redone around it
                table = _profile(evaluate, z_best, parameters, value, profile_points, profile_width)
                if not evaluate.best[0] < value:
                    break
                value, z_best, frame = evaluate.best
    finally:
        bar.close()
        evaluate.close()
    best = {p.path: float(p.value(z)) for p, z in zip(parameters, z_best)}
    fitted = spec.replace({p.path: p.spec_value(best[p.path]) for p in parameters if not p.on_objective}) \
        if any(not p.on_objective for p in parameters) else spec
    readout = evaluate.readout(z_best)
    predictions = None
    if frame is not None and hasattr(readout, "predict"):
        predictions = readout.predict(frame, evaluate.table)
    result = FitResult(params=best, value=value, spec=fitted, objective=readout, history=evaluate.history(),
                       profile=table, predictions=predictions, trials=frame,
                       n_data=objective.n_data(evaluate.data), info={"batches": evaluate.batches, **options})
    if evaluate.store is not None:
        _save(result, evaluate.store)
    return result


def synthetic_data(spec, values: Mapping[str, float], objective, conditions: pd.DataFrame, *, trials: int = 1,
                   seed: int = 0, duration="1 s", dt="0.1 ms", target: Optional[str] = None) -> pd.DataFrame:
    """Data simulated from known parameter `values`, in the form `objective` reads (parameter recovery).

    Every row of `conditions` (columns: the objective's condition columns) runs `trials` noise seeds
    drawn from `seed`; fit the result with another seed to recover `values`.

    Examples
    --------
    >>> data = synthetic_data(spec, {"areas.V4.dynamics.parameters.g": 1.2}, objective,
    ...                       pd.DataFrame({"c": [0.25, 0.5, 1.0]}), trials=20, seed=1)   # doctest: +SKIP
    """
    from neuroattn.spec import NetworkSpec, load_spec

    if not isinstance(spec, NetworkSpec):
        spec = load_spec(spec)
    objective = as_objective(objective)
    if not isinstance(conditions, pd.DataFrame):
        raise FitError(f"conditions: must be a pandas DataFrame (got {type(conditions).__name__})")
    missing = [c for c in objective.conditions if c not in conditions.columns]
    if missing:
        raise FitError(f"conditions: needs the column {missing[0]!r} of the objective's conditions")
    placeholder = conditions.copy()
    for column in objective.columns():
        if column not in placeholder.columns:
            placeholder[column] = 0.0
    # bounds that start at each value: the one candidate, z = 0, is `values`
    parameters = parse_params({k: (v, v + abs(v) + 1.0) for k, v in values.items()}, spec, objective)
    with _Evaluator(spec, placeholder, parameters, objective, duration=duration, dt=dt, trials=trials, seed=seed,
                    store=None, backend="batched", workers=None, scheduler=None, chunk_size=None,
                    target=target) as evaluate:
        ds = evaluate.simulate(np.array([[p.lo for p in parameters]]))
    frame = evaluate._trials(ds, 0)
    return evaluate.readout(np.zeros(len(parameters))).synthetic(frame, evaluate.table)


#: Levels recorded per trial when a decision threshold is fitted (interpolated between them).
THRESHOLD_LEVELS = 33


def _with_levels(objective, parameters):
    """A fitted threshold: each trial keeps its crossings at levels spanning the bounds (one simulation
    serves every threshold)."""
    fitted = [p for p in parameters if p.on_objective and p.field == "threshold"]
    if not fitted or getattr(objective, "levels", None) is not None:
        return objective
    p = fitted[0]
    levels = p.value(np.linspace(0.0, 1.0, THRESHOLD_LEVELS))
    return objective.replace(levels=tuple(float(v) for v in levels))


def _direction(z: np.ndarray, i: int, step: float) -> np.ndarray:
    """A forward step along parameter i that stays inside the unit cube (backward at the upper bound)."""
    d = np.zeros_like(z)
    d[i] = step if z[i] + step <= 1.0 else -step
    return d


def _save(result: FitResult, path: Path) -> None:
    from neuroattn.spec import spec_text

    history = result.history.copy()
    history["stage"] = history["stage"].astype(str)
    history.attrs = {"best_loss": result.value, "best_params": json.dumps(result.params),
                     "fitted_spec": spec_text(result.spec), "objective": result.objective.identity()}
    history.to_zarr(path, group="history", mode="w", zarr_format=2, consolidated=False)
    if result.profile is not None:
        result.profile.to_zarr(path, group="profile", mode="w", zarr_format=2, consolidated=False)
    if result.predictions is not None:
        result.predictions.reset_index(drop=True).to_xarray().rename(index="row") \
            .to_zarr(path, group="predictions", mode="w", zarr_format=2, consolidated=False)


def open_fit(path) -> dict:
    """The groups of a finished fit store: ``history``, ``profile``, ``predictions`` (Datasets)."""
    path = Path(path)
    if not (path / "history").exists():
        raise FitError(f"store: {str(path)!r} holds no finished fit (no history group)")
    return {g: xr.open_zarr(path, group=g, consolidated=False) for g in ("history", "profile", "predictions")
            if (path / g).exists()}


class _Bar:
    """One progress bar per stage, one tick per batch (a generation of differential evolution)."""

    def __init__(self, enabled):
        self.enabled = enabled is not False
        self.bar = None

    def stage(self, name: str, total: int):
        if not self.enabled:
            return
        from tqdm.auto import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=f"fit: {name}", unit="batch", dynamic_ncols=True)

    def update(self, best: float):
        if self.bar is not None:
            if self.bar.n >= self.bar.total:
                self.bar.total += 1
            self.bar.update(1)
            self.bar.set_postfix(best=f"{best:.5g}", refresh=False)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


__all__ = ["fit", "synthetic_data", "FitResult", "UserObjective", "as_objective", "open_fit", "METHODS"]
