"""Decisions read from traces: the first time one unit of an area crosses a threshold, and which unit.

A reaction-time model (a race, a competition of two populations) decides when the activity of one
of its units first reaches a threshold; the decision time is that crossing, the choice that unit.
Traces are sampled every ``record_every``; the crossing is placed by linear interpolation between
the last sample below the threshold and the first one at or above it, so a coarse recording still
gives decision times accurate to well under one sample.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from neuroattn.exceptions import NeuroAttnError


def decision_times(result: xr.Dataset, area: str, threshold: float, *, var: str = "r",
                   after: float = 0.0) -> xr.Dataset:
    """First threshold crossing of any unit of `area` in the traces of `var`, per point.

    Parameters
    ----------
    result : a result with traces of `var` (``simulate``, ``simulate_batch``, a sweep chunk).
    area : the area whose units race.
    threshold : the level (in the units of `var`) a unit must reach to decide.
    var : the traced variable (``r`` by default; ``u`` or any state variable of the area).
    after : ignore samples before this time (seconds), e.g. the stimulus onset.

    Returns
    -------
    Dataset with ``decision_time`` (seconds from the start of the run; NaN where no unit reached the
    threshold) and ``choice`` (the deciding unit's index within the area; -1 where none did).

    Examples
    --------
    >>> res = na.simulate(spec, "2 s", record=["u"], record_every="1 ms")      # doctest: +SKIP
    >>> decision_times(res, "LIP", 0.5, var="u").decision_time.item()          # doctest: +SKIP
    0.4213
    """
    if var not in result or "time" not in result[var].dims:
        raise NeuroAttnError(f"var: decision times need traces of {var!r} in the result (record them)")
    names = list(dict.fromkeys(np.asarray(result.area.values).tolist()))
    if area not in names:
        raise NeuroAttnError(f"area: no area named {area!r} in the result (areas: {', '.join(names)})")
    if not np.isfinite(threshold):
        raise NeuroAttnError(f"threshold: must be a finite number (got {threshold!r})")
    data = result[var].sel(unit=(result.area == area).values).sel(time=slice(after, None))
    batched = "point" in data.dims
    x = data.transpose("point", "time", "unit").values if batched else data.transpose("time", "unit").values[None]
    t = data.time.values
    time, choice = first_crossing(x, t, threshold)
    coords = {"point": data.point.values} if batched else {}
    dims = ("point",) if batched else ()
    if not batched:
        time, choice = time[0], choice[0]
    return xr.Dataset({"decision_time": (dims, time, {"units": "s", "long_name": f"first crossing of {var} = "
                                                      f"{threshold:g} in {area}"}),
                       "choice": (dims, choice, {"units": "1", "long_name": f"unit of {area} that crossed "
                                                 "first (-1: none)"})}, coords=coords)


def first_crossing(x: np.ndarray, t: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Crossing time and unit for traces ``x`` of shape (K, T, n) sampled at times ``t`` (T,).

    A unit already at or above `threshold` at the first sample crosses at ``t[0]``. Ties within one
    sample go to the unit whose interpolated crossing is earliest.
    """
    K, T, n = x.shape
    above = x >= threshold  # (K, T, n)
    first = np.where(above.any(1), above.argmax(1), T)  # (K, n): first sample at or above, T if never
    prev = np.clip(first - 1, 0, T - 1)
    idx = np.clip(first, 0, T - 1)
    k = np.arange(K)[:, None]
    unit = np.arange(n)[None, :]
    x1, x0 = x[k, idx, unit], x[k, prev, unit]
    t1, t0 = t[idx], t[prev]
    with np.errstate(all="ignore"):
        frac = np.where(x1 > x0, (threshold - x0) / (x1 - x0), 1.0)
    cross = np.where(first == 0, t[0], t0 + np.clip(frac, 0.0, 1.0) * (t1 - t0))
    cross = np.where(first < T, cross, np.inf)
    choice = np.argmin(cross, axis=1)
    time = cross[np.arange(K), choice]
    decided = np.isfinite(time)
    return np.where(decided, time, np.nan), np.where(decided, choice, -1).astype(np.int64)


__all__ = ["decision_times", "first_crossing"]
