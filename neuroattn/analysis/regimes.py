"""Which dynamical regime a run ended in: quiescent, coexistence, winner-take-all, runaway, oscillation.

`classify_regime` reads a result (final state, and traces when recorded) and labels each run, per
point for batches and sweeps. The rules, in the order they are applied:

1. ``runaway``: the run diverged (``result['diverged']``) or some rate exceeds `runaway_rate`.
2. ``oscillation``: over the last `late_fraction` of the recorded traces some unit of the area still
   swings by more than `oscillation_tol` of the area's peak rate and crosses its mean at least
   `min_crossings` times (a slow monotone approach is not an oscillation). Needs ``r`` traces.
3. ``quiescent``: every rate is below `quiescent_rate`.
4. ``winner-take-all``: the runner-up's rate is at most `wta_ratio` times the winner's, and, where
   the result has input traces ``I`` with positive input to both units at the end, at most
   `wta_ratio` times what their input ratio alone would give (so rates that merely follow unequal
   inputs are not a selection).
5. ``coexistence`` (soft competition): otherwise; several units stay active.

For the ``seed`` and ``lateral`` models with uniform weights the labels agree with linear stability:
winner-take-all exactly where the symmetric state's difference modes have positive eigenvalues
(``analysis.jacobian``); ``tests/integration/test_regimes.py`` checks this over beta.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import xarray as xr

from neuroattn.analysis.attention import area_rates
from neuroattn.exceptions import NeuroAttnError

#: The labels, in the order of their integer codes (used where labels are stored as numbers).
REGIMES = ("quiescent", "coexistence", "winner-take-all", "runaway", "oscillation")


def _only_area(result: xr.Dataset, area: Optional[str]) -> str:
    if area is not None:
        return area
    names = list(dict.fromkeys(np.asarray(result.area.values).tolist()))
    if len(names) != 1:
        raise NeuroAttnError(f"area: the result has several areas ({', '.join(names)}); name one")
    return names[0]


def _crossings(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """How often each trace (last axis) crosses its mean, with hysteresis ``±h`` against jitter."""
    level = x - x.mean(axis=-1, keepdims=True)
    side = np.where(level > h, 1.0, np.where(level < -h, -1.0, 0.0))
    # carry the last definite side forward through the band |level| <= h
    idx = np.where(side != 0, np.arange(side.shape[-1]), 0)
    np.maximum.accumulate(idx, axis=-1, out=idx)
    carried = np.take_along_axis(side, idx, axis=-1)
    return np.sum((carried[..., 1:] * carried[..., :-1]) < 0, axis=-1)


def classify_regime(result: xr.Dataset, area: Optional[str] = None, *, wta_ratio: float = 0.5,
                    quiescent_rate: float = 1e-3, runaway_rate: float = 1e3, late_fraction: float = 0.25,
                    oscillation_tol: float = 0.02, min_crossings: int = 3) -> xr.DataArray:
    """Label each run of `result` with one of `REGIMES` (see the module docstring for the rules).

    Parameters
    ----------
    result : Dataset from `simulate`, `simulate_batch` or a sweep.
    area : the area to judge; may be left out when the network has one area.

    Returns
    -------
    DataArray of str over the result's non-unit, non-time dims (``point`` …), named ``regime``.

    Examples
    --------
    >>> import neuroattn as na
    >>> res = na.simulate(na.models.seed_competition(), "1 s")   # doctest: +SKIP
    >>> str(classify_regime(res).values)                        # doctest: +SKIP
    'winner-take-all'
    """
    area = _only_area(result, area)
    final = area_rates(result, area)
    r = np.moveaxis(final.values, final.dims.index("unit"), -1)
    dims = [d for d in final.dims if d != "unit"]
    labels = np.full(r.shape[:-1], "coexistence", dtype=object)
    with np.errstate(all="ignore"):
        order = np.argsort(np.where(np.isfinite(r), r, np.inf), axis=-1)
        top = np.take_along_axis(np.where(np.isfinite(r), r, np.inf), order, axis=-1)
        first, second = top[..., -1], top[..., -2] if r.shape[-1] > 1 else np.zeros(r.shape[:-1])
        allowed = wta_ratio * first
        if "I" in result and "time" in result["I"].dims and r.shape[-1] > 1:
            inputs = area_rates(result, area, var="I")
            I = np.moveaxis(inputs.values, inputs.dims.index("unit"), -1)
            i_first = np.take_along_axis(I, order[..., -1:], axis=-1)[..., 0]
            i_second = np.take_along_axis(I, order[..., -2:-1], axis=-1)[..., 0]
            ratio = np.where((i_first > 0) & (i_second > 0), np.clip(i_second / i_first, 0, 1), 1.0)
            allowed = allowed * ratio
        labels[second <= allowed] = "winner-take-all"
        labels[first < quiescent_rate] = "quiescent"
        if "r" in result and "time" in result["r"].dims and result.sizes["time"] >= 8:
            traces = result["r"].sel(unit=(result.area == area).values).transpose(*dims, "unit", "time")
            n_late = max(4, int(round(late_fraction * traces.sizes["time"])))
            late = traces.values[..., -n_late:]
            peak = np.nanmax(np.abs(late), axis=(-1, -2))
            swing = np.nanmax(np.ptp(late, axis=-1), axis=-1)
            tol = oscillation_tol * np.maximum(peak, 1e-12)
            crossings = _crossings(late, 0.25 * tol[..., None, None]).max(-1)
            labels[(swing > tol) & (crossings >= min_crossings)] = "oscillation"
        runaway = ~np.isfinite(first) | (first > runaway_rate)
        if "diverged" in result:
            runaway |= np.broadcast_to(result["diverged"].transpose(*dims).values, runaway.shape)
        labels[runaway] = "runaway"
    coords = {d: final[d] for d in dims if d in final.coords}
    return xr.DataArray(labels.astype(str), dims=dims, coords=coords, name="regime",
                        attrs={"area": area, "labels": ", ".join(REGIMES)})


def regime_codes(labels: xr.DataArray) -> xr.DataArray:
    """Labels as integer codes (index into `REGIMES`) with CF ``flag_values``/``flag_meanings`` attrs."""
    lookup = {name: k for k, name in enumerate(REGIMES)}
    codes = np.vectorize(lookup.__getitem__, otypes=[np.int8])(labels.values) if labels.size else \
        np.zeros(labels.shape, np.int8)
    return labels.copy(data=codes).assign_attrs(flag_values=list(range(len(REGIMES))),
                                                flag_meanings=" ".join(r.replace("-", "_") for r in REGIMES))


__all__ = ["REGIMES", "classify_regime", "regime_codes"]
