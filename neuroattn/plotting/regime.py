"""Regime maps: the label of every point of a sweep over one or two swept axes, with analytic boundaries."""
from __future__ import annotations

from typing import Callable, Mapping, Optional, Union

import numpy as np
import xarray as xr

#: Colours of the regimes, by label.
REGIME_COLOURS = {"quiescent": "#d9d9d9", "coexistence": "#4c72b0", "winner-take-all": "#dd8452",
                  "runaway": "#c44e52", "oscillation": "#55a868", "unsettled": "#ffffff"}

Boundary = Union[Callable, tuple, float]


def _grid(ds: xr.Dataset, var: str, x: str, y: Optional[str]) -> xr.DataArray:
    da = ds[var]
    if "point" in da.dims:
        index = [x] + ([y] if y else [])
        missing = [c for c in index if c not in ds.coords]
        if missing:
            from neuroattn.exceptions import NeuroAttnError

            swept = [c for c in ds.coords if ds[c].dims == ("point",) and c not in ("point", "seed")]
            raise NeuroAttnError(f"regime: the sweep has no swept coordinate {missing[0]!r} "
                                 f"(swept: {', '.join(swept)})")
        keep = da.reset_coords(drop=True).drop_vars("point", errors="ignore").assign_coords({c: ds[c] for c in index})
        da = keep.swap_dims(point=x).sortby(x) if y is None else keep.set_index(point=index).unstack("point")
    return da.transpose(*([y] if y else []), x)


def _label(ds: xr.Dataset, name: str) -> str:
    c = ds[name]
    text = c.attrs.get("long_name", name)
    units = c.attrs.get("units")
    return f"{text} ({units})" if units else text


def regime(ds: xr.Dataset, x: str, y: Optional[str] = None, *, area: Optional[str] = None,
           boundary: Optional[Union[Boundary, Mapping[str, Boundary]]] = None, ax=None, path=None):
    """Draw the regime of every point of a sweep over the swept axis `x` (and `y`), as colours.

    Parameters
    ----------
    ds : a sweep with the ``regime`` metric (``regime_<area>`` codes), along ``point`` or unstacked.
    x, y : swept paths on the horizontal and vertical axis; with `y` None, one strip over `x`.
    area : whose regime; may be left out when the sweep has one ``regime_*`` variable.
    boundary : analytic boundaries to overlay, as black lines: a function ``y = f(x)`` (a value of `x`
        for a strip), an ``(xs, ys)`` pair, or a mapping from a legend label to either.
    ax : matplotlib Axes to draw into (a new figure otherwise); returned.
    path : also save the figure there.

    Examples
    --------
    >>> ds = na.sweep(spec, {"areas.V1.competition.weights.value": w, "areas.V1.competition.beta": b},
    ...               "1 s", metrics=["regime"])                                    # doctest: +SKIP
    >>> na.plotting.regime(ds, "areas.V1.competition.beta", "areas.V1.competition.weights.value",
    ...                    boundary={"1.2 beta = 1": lambda b: -1 / (4 * b)})        # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    from neuroattn.analysis.regimes import REGIMES
    from neuroattn.exceptions import NeuroAttnError

    names = [str(v) for v in ds.data_vars if str(v).startswith("regime_")]
    if area is None:
        if len(names) != 1:
            raise NeuroAttnError("area: name the area whose regime to draw "
                                 f"(the sweep has {', '.join(names) or 'no regime metric'})")
        var = names[0]
    else:
        var = f"regime_{area}"
        if var not in ds:
            raise NeuroAttnError(f"area: the sweep has no {var!r} (run it with metrics=['regime'])")
    codes = _grid(ds, var, x, y)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8 if y else 1.8))
    cmap = ListedColormap([REGIME_COLOURS[r] for r in REGIMES])
    norm = BoundaryNorm(np.arange(len(REGIMES) + 1) - 0.5, len(REGIMES))
    xs = codes[x].values
    values = np.ma.masked_less(codes.values.astype(float), 0)
    if y:
        ax.pcolormesh(xs, codes[y].values, values, cmap=cmap, norm=norm, shading="nearest")
        ax.set_ylabel(_label(ds, y))
    else:
        ax.pcolormesh(xs, [0, 1], np.vstack([values, values]), cmap=cmap, norm=norm, shading="nearest")
        ax.set_yticks([])
    present = sorted({int(c) for c in np.asarray(codes.values).ravel() if c >= 0})
    handles = [Patch(facecolor=REGIME_COLOURS[REGIMES[c]], edgecolor="0.5", label=REGIMES[c]) for c in present]
    if isinstance(boundary, Mapping):
        lines = boundary
    else:
        lines = {} if boundary is None else {"analytic boundary": boundary}
    styles = ["-", "--", ":", "-."]
    for k, (label, line) in enumerate(lines.items()):
        style = styles[k % len(styles)]
        if not y:
            for v in np.atleast_1d(line):
                ax.axvline(float(v), color="k", lw=1.5, ls=style)
        elif callable(line):
            fine = np.linspace(xs.min(), xs.max(), 400)
            with np.errstate(all="ignore"):
                ax.plot(fine, line(fine), color="k", lw=1.5, ls=style)
        else:
            ax.plot(*line, color="k", lw=1.5, ls=style)
        handles.append(plt.Line2D([], [], color="k", lw=1.5, ls=style, label=label))
    if y:
        ax.set_ylim(codes[y].values.min(), codes[y].values.max())
    ax.set_xlim(xs.min(), xs.max())
    ax.set_xlabel(_label(ds, x))
    ax.set_title(ds[var].attrs.get("long_name", var), fontsize=9)
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


__all__ = ["regime", "REGIME_COLOURS"]
