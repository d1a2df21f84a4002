"""Metrics that compare two conditions along a condition axis: attention modulation, suppression.

A sweep over paired conditions (a `Zip` of cued / uncued stimuli, single / pair, unstacked with
`neuroattn.sweeps.unstack` so the conditions are one axis) gives responses with a condition dim;
`compare_conditions` picks two positions along it and combines them with one of `COMPARISONS`,
keeping every other dim (swept parameters, seeds, units).

=============================  ==========================================  =======
comparison                     value (first = A, second = B)               units
=============================  ==========================================  =======
attention_modulation_index     (A - B) / (A + B): attended vs unattended   1
suppression_ratio              A / B: response to a pair over a single     1
selectivity_index              (A - B) / (A + B): preferred vs other       1
difference                     A - B                                       of A
ratio                          A / B                                       1
=============================  ==========================================  =======
"""
from __future__ import annotations

from typing import Any, Mapping, Union

import numpy as np
import xarray as xr

from neuroattn.analysis.attention import attention_modulation_index, selectivity_index, suppression_ratio
from neuroattn.exceptions import NeuroAttnError

#: name -> (function of (A, B), units: "1" or None for the units of A)
COMPARISONS = {
    "attention_modulation_index": (attention_modulation_index, "1"),
    "suppression_ratio": (suppression_ratio, "1"),
    "selectivity_index": (selectivity_index, "1"),
    "difference": (lambda a, b: (a - b).rename("difference"), None),
    "ratio": (lambda a, b: xr.where(b != 0, a / b, np.nan).rename("ratio"), "1"),
}

Condition = Union[Any, Mapping[str, Any]]


def _pick(data: xr.DataArray, dim: str, which: Condition) -> tuple[xr.DataArray, str]:
    """The slice of `data` at one position along `dim`: an index value, or ``{coordinate: value}``."""
    if isinstance(which, Mapping):
        mask = np.ones(data.sizes[dim], bool)
        for coord, value in which.items():
            if coord not in data.coords or data[coord].dims != (dim,):
                along = [c for c in data.coords if data[c].dims == (dim,)]
                raise NeuroAttnError(f"condition: no coordinate {coord!r} along {dim!r} (there: {', '.join(along)})")
            mask &= np.asarray(data[coord].values == np.asarray(value, dtype=data[coord].dtype))
        hits = np.flatnonzero(mask)
        if hits.size != 1:
            raise NeuroAttnError(f"condition: {dict(which)!r} matches {hits.size} positions along {dim!r} (need one)")
        return data.isel({dim: int(hits[0])}, drop=True), ", ".join(f"{k} = {v}" for k, v in which.items())
    if which not in data[dim].values:
        raise NeuroAttnError(f"condition: {which!r} is not along {dim!r} (values: {data[dim].values.tolist()[:8]})")
    return data.sel({dim: which}, drop=True), f"{dim} = {which}"


def compare_conditions(data: xr.DataArray, dim: str, first: Condition, second: Condition, *,
                       how: str = "attention_modulation_index") -> xr.DataArray:
    """Compare the responses at two conditions along `dim` (see `COMPARISONS` for `how`).

    Parameters
    ----------
    data : responses with a condition dim (``r_final``, a rate metric of an unstacked sweep ...)
    dim : the condition axis
    first, second : the two conditions: values of `dim`, or ``{coordinate: value}`` selecting one
        position by a coordinate along it (a zip's paths are such coordinates)
    how : a name in `COMPARISONS`

    Returns
    -------
    DataArray over every dim of `data` but `dim`, named `how`, with ``units`` and ``long_name``.

    Examples
    --------
    >>> paired = na.sweeps.unstack(ds)                                     # doctest: +SKIP
    >>> compare_conditions(paired.r_final.sel(unit=0), "cue", 0, 1)        # doctest: +SKIP
    """
    if how not in COMPARISONS:
        raise NeuroAttnError(f"how: must be one of {', '.join(COMPARISONS)} (got {how!r})")
    if dim not in data.dims:
        dims = ", ".join(map(str, data.dims))
        raise NeuroAttnError(f"dim: {data.name or 'the data'} has no dim {dim!r} (dims: {dims}); "
                             "unstack a sweep first (neuroattn.sweeps.unstack)")
    (a, la), (b, lb) = _pick(data, dim, first), _pick(data, dim, second)
    function, units = COMPARISONS[how]
    out = function(a, b)
    what = data.attrs.get("long_name", data.name or "response")
    return out.rename(how).assign_attrs(units=data.attrs.get("units", "1") if units is None else units,
                                        long_name=f"{how.replace('_', ' ')} of {what}: {la} vs {lb}")


__all__ = ["COMPARISONS", "compare_conditions"]
