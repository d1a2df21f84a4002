"""The result schema: an `xarray.Dataset` with dims ``time`` and ``unit`` (and ``point`` for batches).

=========  ===============================  =============================================
name       dims                             meaning
=========  ===============================  =============================================
u          ([point,] time, unit)            state
r          ([point,] time, unit)            rate, f(u)
I          ([point,] time, unit)            external input (baseline + stimuli + noise)
E          ([point,] time, unit)            drive (input and projections, gain applied)
<var>      ([point,] time, unit)            any state variable of an area's own dynamics
                                            (NaN on the units of areas without it)
u_final    ([point,] unit)                  state at the end of the run
r_final    ([point,] unit)                  f(u_final)
diverged   ([point])                        u became non-finite or passed the engine's divergence
                                            limit (1e6); slower runaways are labelled by
                                            `neuroattn.analysis.classify_regime`
area       (unit) coordinate                area of each unit
index      (unit) coordinate                position of the unit inside its area
feature    (unit) coordinate                preferred feature of the unit
reserve    (unit) coordinate                a reserve unit (only where an area has reserve units)
time       (time) coordinate                seconds
=========  ===============================  =============================================

Which traces exist, and their ``units`` and ``long_name`` attributes, come from the engine's
declarations of what each kind of dynamics records; this module only lays them out. Every variable
and coordinate carries ``units`` and ``long_name`` (CF conventions; `neuroattn.results.attrs`). Times
are in seconds; provenance sits in ``Dataset.attrs``.
"""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np
import xarray as xr

from neuroattn.results.attrs import SWEEP_VARS, UNIT_COORDS, describe, path_attrs
from neuroattn.spec import NetworkSpec
from neuroattn.spec.paths import spec_data

_FINALS = {"u_final": ("u", "state at the end of the run"), "r_final": ("r", "rate at the end of the run")}


def unit_coords(spec: NetworkSpec) -> dict[str, tuple]:
    """The ``unit`` coordinates (``area``, ``index``, ``feature``) of a spec's network."""
    areas = np.concatenate([[name] * a.n_units for name, a in spec.areas.items()]).astype(str)
    index = np.concatenate([np.arange(a.n_units) for a in spec.areas.values()])
    feature = np.concatenate([a.unit_features() for a in spec.areas.values()])
    out = {"unit": ("unit", np.arange(spec.n_units), UNIT_COORDS["unit"]),
           "area": ("unit", areas, UNIT_COORDS["area"]), "index": ("unit", index, UNIT_COORDS["index"]),
           "feature": ("unit", feature, UNIT_COORDS["feature"])}
    if any(a.reserve is not None for a in spec.areas.values()):
        out["reserve"] = ("unit", np.concatenate([np.arange(a.n_units) >= a.n for a in spec.areas.values()]),
                          {"units": "1", "long_name": "reserve unit (silent until recruited)"})
    return out


def point_coordinates(spec: NetworkSpec, point_coords: Mapping[str, object]) -> dict[str, tuple]:
    """Coordinates along ``point`` with attributes: a dotted spec path gets the units of what it sets."""
    data = None
    out = {}
    for name, values in point_coords.items():
        values = np.asarray(values)
        if "." in name or "[" in name:
            data = spec_data(spec) if data is None else data
            attrs = path_attrs(data, name, values.tolist())
        else:
            attrs = dict(SWEEP_VARS.get(name, {"units": "1", "long_name": name.replace("_", " ")}))
        out[name] = ("point", values, attrs)
    return out


def make_dataset(spec: NetworkSpec, *, times: Optional[np.ndarray], traces: Mapping[str, np.ndarray],
                 finals: Mapping[str, np.ndarray], diverged: np.ndarray,
                 attrs: Mapping[str, object], point_coords: Optional[Mapping[str, tuple]] = None,
                 variables: Optional[Mapping[str, tuple[str, str]]] = None) -> xr.Dataset:
    """Assemble a batch result; arrays carry a leading point axis: traces (K, T, N), finals (K, N).

    `variables` maps each traced variable to its (units, long name), as the engine declares them.
    """
    coords = unit_coords(spec)
    if times is not None:
        coords["time"] = ("time", np.asarray(times, float), {"units": "s", "long_name": "time"})
    described = dict(variables or {})
    for var, (traced, name) in _FINALS.items():
        described[var] = (described.get(traced, ("1", ""))[0], name)
    data = {}
    for var, arr in traces.items():
        units, name = described.get(var, ("1", var))
        data[var] = (("point", "time", "unit"), arr, {"units": units, "long_name": name})
    for var, arr in finals.items():
        units, name = described.get(var, ("1", var))
        data[var] = (("point", "unit"), arr, {"units": units, "long_name": name})
    data["diverged"] = (("point",), np.asarray(diverged, bool),
                        {"units": "1", "long_name": "u became non-finite or passed the divergence limit"})
    ds = xr.Dataset(data, coords=coords, attrs=dict(attrs))
    if point_coords:
        ds = ds.assign_coords(point_coordinates(spec, point_coords))
    return describe(ds)


def squeeze_point(ds: xr.Dataset) -> xr.Dataset:
    """A one-point batch as a single-run result: no ``point`` dim, ``diverged`` as an attribute too."""
    out = ds.isel(point=0, drop=True)
    out.attrs["diverged"] = int(bool(out["diverged"]))
    return out
