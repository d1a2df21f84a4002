"""The figure of an attention paradigm: example traces and the window rates of every condition."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr


def paradigm_figure(result: xr.Dataset, areas: Sequence[str] = ("V1", "parietal", "PFC"), *,
                    example: Optional[str] = None, window: Sequence[float] = (0.7, 1.0), path=None):
    """Left: traces of one condition (first seed); right: each condition's mean rate in `window` at
    the paradigm's locations, one row per area, with the spread over seeds as error bars.

    Bars are the mean over seeds of each condition; error bars span the smallest to the largest seed
    (with one seed there are none).

    Parameters
    ----------
    result : Dataset from `neuroattn.paradigms.run`.
    example : condition shown on the left (default the first).
    path : if given, also save the figure there (.png, .pdf or .svg).
    """
    import matplotlib.pyplot as plt

    from neuroattn.exceptions import NeuroAttnError
    from neuroattn.paradigms import PARADIGMS, at, window_rates
    from neuroattn.plotting.style import quantity_label, save_figure, tidy
    from neuroattn.plotting.traces import traces

    if "condition" not in result.coords:
        raise NeuroAttnError("paradigm_figure: the result has no 'condition' coordinate (use paradigms.run)")
    conditions = list(dict.fromkeys(result.condition.values.tolist()))
    example = conditions[0] if example is None else example
    if example not in conditions:
        raise NeuroAttnError(f"example: no condition {example!r} (conditions: {', '.join(conditions)})")
    locations = PARADIGMS[result.attrs["paradigm"]].locations
    fig = plt.figure(figsize=(13, 2.2 * len(areas) + 1.2), layout="constrained")
    grid = fig.add_gridspec(len(areas), 2, width_ratios=(1.3, 1))
    left = [fig.add_subplot(grid[k, 0]) for k in range(len(areas))]
    point = int(np.flatnonzero(result.condition.values == example)[0])
    traces(result.isel(point=point), areas, axes=left, title="")
    left[0].set_title(f"traces of one trial: {example} (seed {int(result.seed[point])})", fontsize=9)
    width = 0.8 / len(locations)
    n_seeds = int(np.unique(result.seed.values).size) if "seed" in result.coords else 1
    bars = []
    for k, area in enumerate(areas):
        ax = fig.add_subplot(grid[k, 1])
        rates = window_rates(result, area, window)
        for j, (label, x) in enumerate(locations.items()):
            per = at(rates, x).groupby("condition")
            mean = per.mean().reindex(condition=conditions)
            # (clipped: a mean of equal values can round a hair below their minimum)
            low = np.clip((mean - per.min().reindex(condition=conditions)).values, 0, None)
            high = np.clip((per.max().reindex(condition=conditions) - mean).values, 0, None)
            bars.append(ax.bar(np.arange(len(conditions)) + (j - (len(locations) - 1) / 2) * width, mean.values,
                               width, yerr=np.vstack([low, high]) if n_seeds > 1 else None,
                               label=f"unit at {label} ({x:g})", capsize=2, color=f"C{j}"))
        ax.set_xticks(np.arange(len(conditions)), conditions if k == len(areas) - 1 else [], rotation=20,
                      ha="right", fontsize=8)
        ax.set_ylabel(f"{area} {quantity_label(result, 'r', area)}\nmean over {window[0]:g}-{window[1]:g} s",
                      fontsize=8)
        tidy(ax)
        if k == 0:
            spread = f";\nerror bars: lowest to highest of the {n_seeds} seeds" if n_seeds > 1 else ""
            # above the top panel, never over a bar
            ax.legend(handles=bars, loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=len(locations),
                      fontsize=8, frameon=False, title_fontsize=8,
                      title=f"every condition: mean over {n_seeds} seed{'s' * (n_seeds > 1)}{spread}")
    fig.suptitle(f"{result.attrs['paradigm']} attention: {result.attrs.get('description', '')}", fontsize=10)
    if path is not None:
        save_figure(fig, path)
    return fig
