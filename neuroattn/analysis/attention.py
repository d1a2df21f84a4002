"""Attention metrics over results: xarray in, xarray out.

Every function takes a result `Dataset` (from `simulate`, `simulate_batch` or a sweep) or DataArrays
of responses, keeps every dim it does not reduce (``point``, swept axes, ``time`` where it makes sense)
and never guesses an axis: areas are chosen by name through the ``area`` coordinate on ``unit``.

=============================  ================================================================
metric                         definition
=============================  ================================================================
attention_modulation_index     (A - U) / (A + U): attended vs unattended response
selectivity_index              (P - N) / (P + N): preferred vs non-preferred response
suppression_ratio              pair / single: response to a pair over the single-stimulus one
wta_index                      max_i r_i / sum_i r_i over an area (1 = one unit holds all)
winner                         index (within the area) of the most active unit
selection_latency              first time after `onset` from which the winner leads the runner-up
                               by `criterion` until the end of the run
=============================  ================================================================
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import xarray as xr

from neuroattn.exceptions import NeuroAttnError

Window = Optional[Sequence[float]]


def _ratio(num: xr.DataArray, den: xr.DataArray, name: str) -> xr.DataArray:
    with np.errstate(all="ignore"):
        out = xr.where(den != 0, num / den, np.nan)
    return out.rename(name)


def area_rates(result: xr.Dataset, area: str, *, window: Window = None, var: str = "r") -> xr.DataArray:
    """Rates of the units of `area`: the final rates, or `var` averaged over ``window=(t0, t1)`` seconds.

    Examples
    --------
    >>> area_rates(result, "V1").dims                  # doctest: +SKIP
    ('point', 'unit')
    """
    if "area" not in result.coords:
        raise NeuroAttnError("result: has no 'area' coordinate on 'unit'; is it a neuroattn result?")
    names = list(dict.fromkeys(np.asarray(result.area.values).tolist()))
    if area not in names:
        raise NeuroAttnError(f"area: no area named {area!r} in the result (areas: {', '.join(names)})")
    if window is None:
        final = f"{var}_final"
        if final in result:
            data = result[final]
        elif var in result and "time" in result[var].dims:
            data = result[var].isel(time=-1, drop=True)
        else:
            raise NeuroAttnError(f"result: has neither {final!r} nor traces of {var!r}")
    else:
        if var not in result or "time" not in result[var].dims:
            raise NeuroAttnError(f"window: needs traces of {var!r} in the result (record them)")
        t0, t1 = (float(w) for w in window)
        data = result[var].sel(time=slice(t0, t1))
        if data.sizes["time"] == 0:
            raise NeuroAttnError(f"window: no recorded time in [{t0:g}, {t1:g}] s")
        data = data.mean("time")
    return data.sel(unit=(result.area == area).values)


def attention_modulation_index(attended, unattended) -> xr.DataArray:
    """(A − U)/(A + U), in [−1, 1] for non-negative responses; NaN where both are 0."""
    a, u = xr.DataArray(attended), xr.DataArray(unattended)
    return _ratio(a - u, a + u, "attention_modulation_index")


def selectivity_index(preferred, nonpreferred) -> xr.DataArray:
    """(P − N)/(P + N): 1 for a unit that answers only its preferred stimulus, 0 for no preference."""
    p, n = xr.DataArray(preferred), xr.DataArray(nonpreferred)
    return _ratio(p - n, p + n, "selectivity_index")


def suppression_ratio(pair, single) -> xr.DataArray:
    """pair / single: below 1 when adding a second stimulus suppresses the response to the first."""
    return _ratio(xr.DataArray(pair), xr.DataArray(single), "suppression_ratio")


def wta_index(result: xr.Dataset, area: str, *, window: Window = None) -> xr.DataArray:
    """Share of the area's activity held by its most active unit: 1/n (uniform) … 1 (one winner)."""
    r = area_rates(result, area, window=window).clip(min=0)
    return _ratio(r.max("unit"), r.sum("unit"), "wta_index").assign_attrs(area=area)


def winner(result: xr.Dataset, area: str, *, window: Window = None) -> xr.DataArray:
    """Index (within `area`) of its most active unit; −1 where every unit is silent (all r ≤ 0)."""
    r = area_rates(result, area, window=window)
    idx = r.argmax("unit")
    silent = (r.max("unit") <= 0)
    return xr.where(silent, -1, idx).astype(int).rename("winner").assign_attrs(area=area)


def selection_latency(result: xr.Dataset, area: str, *, criterion: float = 0.1,
                      onset: Union[float, str] = 0.0) -> xr.DataArray:
    """Seconds from `onset` until the area's final winner leads every other unit by `criterion` for good.

    The winner is the unit most active at the end. The latency is the first recorded time at or after
    `onset` from which ``r_winner − max_{j≠winner} r_j ≥ criterion`` holds until the end of the run;
    NaN where that never happens (no selection).
    """
    from neuroattn.spec.quantities import parse_time

    if "r" not in result or "time" not in result["r"].dims:
        raise NeuroAttnError("selection_latency: needs traces of 'r' in the result")
    t_on = parse_time(onset) if isinstance(onset, str) else float(onset)
    r = result["r"].sel(unit=(result.area == area).values)
    if r.sizes["unit"] < 2:
        raise NeuroAttnError(f"selection_latency: area {area!r} needs at least two units")
    r = r.transpose(..., "time", "unit")
    values = r.values
    win = values[..., -1, :].argmax(-1)
    lead_w = np.take_along_axis(values, win[..., None, None], axis=-1)[..., 0]
    others = values.copy()
    np.put_along_axis(others, np.broadcast_to(win[..., None, None], values.shape[:-1] + (1,)), -np.inf, axis=-1)
    lead = lead_w - others.max(-1)  # (..., time)
    times = r.time.values
    ok = (lead >= criterion) & (times >= t_on)
    # from each time on, does the lead hold until the end? (reverse cumulative AND)
    holds = np.flip(np.logical_and.accumulate(np.flip(ok, -1), axis=-1), -1)
    first = np.where(holds.any(-1), holds.argmax(-1), -1)
    latency = np.where(first >= 0, times[np.maximum(first, 0)] - t_on, np.nan)
    dims = [d for d in r.dims if d not in ("time", "unit")]
    coords = {d: r[d] for d in dims if d in r.coords}
    return xr.DataArray(latency, dims=dims, coords=coords, name="selection_latency",
                        attrs={"units": "s", "area": area, "criterion": criterion})


__all__ = ["area_rates", "attention_modulation_index", "selectivity_index", "suppression_ratio",
           "wta_index", "winner", "selection_latency"]
