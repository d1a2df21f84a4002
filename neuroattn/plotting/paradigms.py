"""The figure of an attention paradigm: example traces and the window rates of every condition."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr


def paradigm_figure(result: xr.Dataset, areas: Sequence[str] = ("V1", "parietal", "PFC"), *,
                    example: Optional[str] = None, window: Sequence[float] = (0.7, 1.0), path=None):
    """Left: traces of one condition (first seed); right: each condition's mean rate in `window` at
    the paradigm's locations, one row per area, with the spread over seeds as error bars.

    Parameters
    ----------
    result : Dataset from `neuroattn.paradigms.run`.
    example : condition shown on the left (default the first).
    path : if given, also save the figure there as PNG.
    """
    import matplotlib.pyplot as plt

    from neuroattn.exceptions import NeuroAttnError
    from neuroattn.paradigms import PARADIGMS, at, window_rates
    from neuroattn.plotting.traces import traces

    if "condition" not in result.coords:
        raise NeuroAttnError("paradigm_figure: the result has no 'condition' coordinate (use paradigms.run)")
    conditions = list(dict.fromkeys(result.condition.values.tolist()))
    example = conditions[0] if example is None else example
    if example not in conditions:
        raise NeuroAttnError(f"example: no condition {example!r} (conditions: {', '.join(conditions)})")
    locations = PARADIGMS[result.attrs["paradigm"]].locations
    fig = plt.figure(figsize=(12, 2.2 * len(areas) + 0.8))
    grid = fig.add_gridspec(len(areas), 2, width_ratios=(1.3, 1))
    left = [fig.add_subplot(grid[k, 0]) for k in range(len(areas))]
    point = int(np.flatnonzero(result.condition.values == example)[0])
    traces(result.isel(point=point), areas, axes=left)
    left[0].set_title(f"{example} (seed {int(result.seed[point])})", fontsize=9)
    width = 0.8 / len(locations)
    for k, area in enumerate(areas):
        ax = fig.add_subplot(grid[k, 1])
        rates = window_rates(result, area, window)
        for j, (label, x) in enumerate(locations.items()):
            per = at(rates, x).groupby("condition")
            mean = per.mean().reindex(condition=conditions)
            spread = (per.max() - per.min()).reindex(condition=conditions) / 2
            ax.bar(np.arange(len(conditions)) + (j - (len(locations) - 1) / 2) * width, mean.values, width,
                   yerr=spread.values, label=f"unit at {label} ({x:g})", capsize=2)
        ax.set_xticks(np.arange(len(conditions)), conditions if k == len(areas) - 1 else [], rotation=20,
                      ha="right", fontsize=8)
        ax.set_ylabel(f"{area} rate\n{window[0]:g}-{window[1]:g} s", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        if k == 0:
            ax.legend(fontsize=7, frameon=False)
    fig.suptitle(f"{result.attrs['paradigm']} attention: {result.attrs.get('description', '')}", fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
