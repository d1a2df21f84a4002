"""A sweep's plan: the points, how they are chunked, and how one chunk is computed.

The plan is plain picklable data, shipped as is to worker processes and Dask workers. A chunk is a
contiguous range of points; inside it, points that share a network structure run as one batched
Brian2 network (`neuroattn.simulate_batch`), so a chunk mixing structures (a swept delay, say) still
works, as several batches.
"""
from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import xarray as xr

from neuroattn.exceptions import DivergenceWarning, SweepError
from neuroattn.spec import NetworkSpec
from neuroattn.sweeps.paths import apply_to_spec

@dataclass(frozen=True)
class Metric:
    """A per-point metric a sweep can store per area: how to compute it and how to describe it."""

    compute: Callable  # (result, area) -> DataArray over point; (result, area, specs) with needs_specs
    units: str  # "r" for the units of the rates
    long_name: str  # with {area}
    dtype: type = np.float64
    fill: object = np.nan
    needs_traces: bool = False
    flags: bool = False  # categorical codes (CF flag_values / flag_meanings)
    needs_specs: bool = False  # also given the points' specs, in the order of the result's points

    def attrs(self, area: str, rate_units: str = "1") -> dict:
        if self.flags:
            from neuroattn.analysis import regime_attrs

            return regime_attrs(area)
        return {"units": rate_units if self.units == "r" else self.units, "long_name": self.long_name.format(area=area)}


def _analysis():
    from neuroattn import analysis

    return analysis


#: Per-point metrics a sweep can store, each computed per area from `neuroattn.analysis`.
METRICS = {
    "wta_index": Metric(lambda res, a: _analysis().wta_index(res, a), "1",
                        "share of {area}'s activity held by its most active unit"),
    "winner": Metric(lambda res, a: _analysis().winner(res, a), "1",
                     "index of {area}'s most active unit (-1: all silent)", np.int64, -1),
    "regime": Metric(lambda res, a, specs: _analysis().regime_codes(_analysis().classify_regime(res, a, spec=specs)),
                     "1", "dynamical regime of {area}", np.int8, -1, needs_traces=True, flags=True, needs_specs=True),
    "selection_latency": Metric(lambda res, a: _analysis().selection_latency(res, a), "s",
                                "time until {area}'s winner leads for good", needs_traces=True),
    "mean_rate": Metric(lambda res, a: _analysis().area_rates(res, a).mean("unit"), "r",
                        "mean rate of {area} at the end of the run"),
    "max_rate": Metric(lambda res, a: _analysis().area_rates(res, a).max("unit"), "r",
                       "largest rate of {area} at the end of the run"),
}
#: Metrics that need rate traces; a sweep records them internally when no traces are stored.
NEEDS_TRACES = tuple(name for name, m in METRICS.items() if m.needs_traces)
#: Samples of the internal traces used by those metrics, over the whole run.
METRIC_SAMPLES = 200


def metric_values(result: xr.Dataset, name: str, area: str, specs=None) -> xr.DataArray:
    """One per-point metric of `area` (see `METRICS`) from a batch result, with its attributes; `specs`
    are the points' specs (in the order of ``point``), which some metrics use (``regime``: to continue
    a run that has not settled)."""
    if name not in METRICS:
        raise SweepError(f"metrics: unknown metric {name!r} (known: {', '.join(METRICS)})")
    metric = METRICS[name]
    rate_units = result["r_final"].attrs.get("units", "1") if "r_final" in result else "1"
    values = metric.compute(result, area, specs) if metric.needs_specs else metric.compute(result, area)
    return values.assign_attrs(metric.attrs(area, rate_units))


@dataclass
class SweepPlan:
    """Everything needed to compute any chunk of a sweep, independently of the others."""

    base: dict  # the spec's plain data (paths.spec_data)
    columns: dict  # swept path -> list of per-point values
    seeds: list  # per-point noise seed
    duration: float  # seconds
    dt: float
    n_steps: int
    record_every: Optional[int]  # trace interval in steps; None keeps no traces
    variables: tuple  # traced variables
    final: bool  # keep u_final / r_final
    metrics: tuple
    metric_areas: tuple
    chunk_size: int
    target: Optional[str] = None
    describe: dict = field(default_factory=dict)  # the space, for provenance
    learned: tuple = ()  # final weights and rule state of plastic connections, kept per point
    run: str = ""  # this invocation of the sweep (not part of its identity): its workers share leases
    summary: Optional[object] = None  # a `Summary`: per-point numbers reduced from traces not kept
    constants: tuple = ()  # swept paths given to the engine as per-point arrays, not set in the specs
    _base_spec: Optional[object] = field(default=None, repr=False, compare=False)
    _specs: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_points(self) -> int:
        return len(self.seeds)

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n_points / self.chunk_size)

    def chunk_slice(self, index: int) -> slice:
        return slice(index * self.chunk_size, min((index + 1) * self.chunk_size, self.n_points))

    def point_values(self, k: int) -> dict:
        return {p: v[k] for p, v in self.columns.items()}

    def spec(self, k: int, whole: bool = False):
        """Point `k`'s spec, without the `constants` paths (the engine takes them as arrays) unless
        `whole`; points with the same values (other seeds, other constants) share one spec object."""
        if self._base_spec is None:
            self._base_spec = NetworkSpec.from_dict(self.base)
        values = {p: v[k] for p, v in self.columns.items() if whole or p not in self.constants}
        if not values:
            return self._base_spec
        try:
            key = tuple((type(v).__name__, v) for v in values.values())
            hash(key)
        except TypeError:  # a list among the values
            key = json.dumps(values, sort_keys=True, default=repr)
        if key not in self._specs:
            self._specs[key] = apply_to_spec(self._base_spec, values, self.base)
        return self._specs[key]

    def constant_values(self, ks) -> dict[str, np.ndarray]:
        """The `constants` paths' SI values at points `ks` (each distinct value read once)."""
        from neuroattn.spec.quantities import parse_quantity

        out = {}
        for p in self.constants:
            column = [self.columns[p][k] for k in ks]
            si = {v: parse_quantity(v)[0] for v in set(column)}
            out[p] = np.array([si[v] for v in column])
        return out

    @property
    def trace_times(self) -> Optional[np.ndarray]:
        if self.record_every is None:
            return None
        return np.arange(0, self.n_steps, self.record_every) * self.dt

    def __getstate__(self):  # the validated spec is rebuilt where the plan arrives (it is large)
        state = dict(self.__dict__)
        state["_base_spec"], state["_specs"] = None, {}
        return state

    def identity(self) -> str:
        """A hash of everything that decides the stored numbers and their layout."""
        key = {"base": self.base, "columns": self.columns, "seeds": self.seeds, "duration": self.duration,
               "dt": self.dt, "record_every": self.record_every, "variables": list(self.variables),
               "final": self.final, "metrics": list(self.metrics), "metric_areas": list(self.metric_areas),
               "chunk_size": self.chunk_size}
        if self.summary is not None:
            key["summary"] = self.summary.identity()
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()

    def run_chunk(self, index: int, cache=None) -> xr.Dataset:
        """Simulate chunk `index`; a Dataset over its points (diverged points hold NaN).

        `cache` is the process's `neuroattn.engine.NetworkCache`: with ``cpp_standalone`` every chunk
        of a structure reuses one program compiled for `chunk_size` points.
        """
        from neuroattn.engine import RunSettings, run

        sl = self.chunk_slice(index)
        ks = list(range(sl.start, sl.stop))
        needs = any(m in NEEDS_TRACES for m in self.metrics)
        internal = needs and (self.record_every is None or not {"r", "I"} <= set(self.variables))
        every = self.record_every or (max(1, self.n_steps // METRIC_SAMPLES) if internal else None)
        record = tuple(dict.fromkeys(self.variables + (("r", "I") if internal else ())))
        if self.summary is not None and self.summary.record and not self.record_every:
            every = max(1, int(round(self.summary.record_every / self.dt)))
            record = tuple(dict.fromkeys(record + tuple(self.summary.record)))
        settings = RunSettings(self.dt, self.n_steps, every, record if every else ())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            res = run([self.spec(k) for k in ks], settings, seeds=[self.seeds[k] for k in ks], target=self.target,
                      cache=cache, pad_to=self.chunk_size, progress=False, provenance=False,
                      constants=self.constant_values(ks))
        return self._finish(res.assign_coords(point=ks))

    def _finish(self, res: xr.Dataset) -> xr.Dataset:
        """Metrics, NaN for diverged points, and only the variables the sweep keeps."""
        metrics = {}
        specs = None  # the points' whole specs, for the metrics that read them
        if any(METRICS[name].needs_specs for name in self.metrics):
            specs = [self.spec(int(k), whole=True) for k in res.point.values]
        for name in self.metrics:
            for area in self.metric_areas:
                values = metric_values(res, name, area, specs)
                metrics[f"{name}_{area}"] = values.drop_vars([c for c in values.coords if c != "point"])
        if self.summary is not None:
            metrics.update(self.summary.summarise(res))
        keep = [v for v in self.variables if self.record_every] + (["u_final", "r_final"] if self.final else [])
        keep += [v for v in res.data_vars if v in self.learned]
        out = res[keep + ["diverged"]].assign(metrics)
        if out["diverged"].values.any():
            for var in keep:
                out[var] = out[var].where(~out["diverged"])
            for var in metrics:
                if np.issubdtype(out[var].dtype, np.floating):
                    out[var] = out[var].where(~out["diverged"])
                elif var.startswith("winner_"):
                    out[var] = out[var].where(~out["diverged"], -1)
        out.attrs = {}
        return out.drop_vars([c for c in out.coords if c not in ("point", "time", "unit")
                              and not c.startswith(("post_", "pre_"))])


__all__ = ["SweepPlan", "Metric", "METRICS", "metric_values"]
