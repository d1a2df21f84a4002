"""Activity as an image: time across, units (by preferred feature) down, one panel per area."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr

from neuroattn.plotting.style import areas_to_draw, feature_name, quantity_label, save_figure
from neuroattn.plotting.traces import time_axis


def _edges(x: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres `x` (half-way between neighbours)."""
    if len(x) == 1:
        return np.array([x[0] - 0.5, x[0] + 0.5])
    mid = (x[1:] + x[:-1]) / 2
    return np.concatenate([[x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]])


def heatmap(result: xr.Dataset, areas: Optional[Sequence[str]] = None, *, var: str = "r", cmap: str = "magma",
            title: Optional[str] = None, path=None):
    """`var` of every unit over time as a colour image, one panel per area; returns the Figure.

    Rows are units ordered by preferred feature (labelled with it), columns recording times; each
    area has its own colour scale and colour bar (in the variable's unit). Suits areas with many
    units, where one line per unit (`traces`) would not be readable.

    Parameters
    ----------
    result : Dataset from `neuroattn.simulate` (no ``point`` dim; select one point first).
    areas : area names to show, in order (default all).
    var : a recorded variable with a time axis: 'r', 'u', 'I', ...
    title : the figure's title (default the result's ``title`` attribute).
    path : if given, also save the figure there (.png, .pdf or .svg).

    Examples
    --------
    >>> fig = heatmap(result, areas=["V1", "PFC"])            # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    names = areas_to_draw(result, var, areas, "heatmap")
    fig, axes = plt.subplots(len(names), 1, sharex=True, figsize=(7.5, 1.5 * len(names) + 0.9), squeeze=False,
                             layout="constrained")
    t, t_unit, _ = time_axis(result)
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    for ax, name in zip(axes[:, 0], names):
        data = result[var].sel(unit=result.area == name)
        feats = np.asarray(data.feature.values, float)
        order = np.argsort(feats, kind="stable")
        values = np.asarray(data.values, float)[:, order].T
        rows = np.arange(len(order))
        finite = values[np.isfinite(values)]
        low = min(0.0, finite.min()) if finite.size else 0.0
        high = finite.max() if finite.size else 1.0
        high = high if high > low else low + 1.0  # a silent area reads as zero, not as mid-scale
        mesh = ax.pcolormesh(np.append(t, t[-1] + dt), _edges(rows.astype(float)), values, cmap=cmap,
                             shading="flat", rasterized=True, vmin=low, vmax=high)
        ax.set_ylim(len(order) - 0.5, -0.5)
        step = max(1, len(order) // 8)
        ax.set_yticks(rows[::step], [f"{feats[k]:.3g}" for k in order[::step]], fontsize=7)
        ax.set_ylabel(f"{name}\npreferred {feature_name(result, name)}", fontsize=9)
        fig.colorbar(mesh, ax=ax, label=quantity_label(result, var, name), pad=0.01)
    axes[-1, 0].set_xlabel(f"time ({t_unit})")
    fig.suptitle(title if title is not None else result.attrs.get("title", ""), fontsize=10)
    if path is not None:
        save_figure(fig, path)
    return fig


__all__ = ["heatmap"]
