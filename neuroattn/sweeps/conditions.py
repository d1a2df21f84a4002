"""Paired conditions in a sweep: compare two positions of a condition axis at every other point."""
from __future__ import annotations

import xarray as xr

from neuroattn.exceptions import SweepError


def compare(ds: xr.Dataset, var: str, axis: str, first, second, *, how: str = "attention_modulation_index",
            **select) -> xr.DataArray:
    """`neuroattn.analysis.compare_conditions` of the sweep variable `var` along its condition `axis`.

    The sweep is unstacked first when it is still along ``point``, so a `Zip` of conditions is one
    axis. `select` picks labels along other dims first (``unit=0``, ``seed=3``).

    Examples
    --------
    >>> space = Grid({"projections[C->V1].scale": [0.5, 1, 2]}) * Zip(
    ...     {"stimuli[cue].amplitude": [[1, 0], [0, 1]]}, name="cue")              # doctest: +SKIP
    >>> ds = na.sweep(spec, space, "300 ms")                                        # doctest: +SKIP
    >>> compare(ds, "r_final", "cue", 0, 1, unit=0)       # AMI of unit 0, cued vs uncued  # doctest: +SKIP
    """
    from neuroattn.analysis import compare_conditions
    from neuroattn.sweeps.store import unstack

    if var not in ds:
        raise SweepError(f"var: the sweep has no variable {var!r} (variables: {', '.join(map(str, ds.data_vars))})")
    data = unstack(ds)[var] if "point" in ds.dims else ds[var]
    if select:
        data = data.sel(select)
    return compare_conditions(data, axis, first, second, how=how)


__all__ = ["compare"]
