"""Figures of fits to behaviour: psychometric and chronometric curves, reaction-time quantiles."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from neuroattn.fitting.behaviour import QUANTILES


def behaviour_fit(fits: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]], *, by: str = "coh",
                  quantiles: Sequence[float] = QUANTILES, path=None):
    """One row per fitted data set (a monkey): psychometric curve (data with binomial 95 % intervals,
    model line), chronometric curve (mean RT of correct trials, data ± s.e.m., model line) and the RT
    quantiles of correct trials per condition (data markers, model lines).

    Parameters
    ----------
    fits : label -> (data table, model table), both from `neuroattn.fitting.behaviour_table`, indexed
        by `by` (a coherence as a proportion; plotted in %).
    path : if given, also save the figure there as PNG.

    Returns
    -------
    The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(fits), 3, figsize=(13, 3.6 * len(fits)), squeeze=False, constrained_layout=True)
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(quantiles)))
    for row, (label, (data, model)) in enumerate(fits.items()):
        x_d, x_m = 100 * data.index.to_numpy(float), 100 * model.index.to_numpy(float)
        ax = axes[row, 0]
        ax.errorbar(x_d, data.p_correct, yerr=[data.p_correct - data.ci_low, data.ci_high - data.p_correct],
                    fmt="o", color="k", capsize=3, label="data (95 % CI)")
        ax.plot(x_m, model.p_correct, "-", color="C3", label="model")
        ax.set(xscale="symlog", xlabel="motion coherence (%)", ylabel="P(correct)", ylim=(0.4, 1.02),
               title=f"{label}: psychometric")
        ax.legend(loc="lower right", frameon=False)
        ax = axes[row, 1]
        ax.errorbar(x_d, data.rt_mean, yerr=data.rt_sem, fmt="o", color="k", capsize=3, label="data (± s.e.m.)")
        ax.plot(x_m, model.rt_mean, "-", color="C3", label="model")
        ax.set(xscale="symlog", xlabel="motion coherence (%)", ylabel="mean RT, correct (s)",
               title=f"{label}: chronometric")
        ax.legend(loc="upper right", frameon=False)
        ax = axes[row, 2]
        for q, color in zip(quantiles, colors):
            column = f"rt_q{round(q * 100)}"
            ax.plot(x_d, data[column], "o", color=color)
            ax.plot(x_m, model[column], "-", color=color, label=f"{q:.0%}")
        ax.set(xscale="symlog", xlabel="motion coherence (%)", ylabel="RT quantile, correct (s)",
               title=f"{label}: RT quantiles")
        ax.legend(title="quantile (dots data,\nlines model)", fontsize=7, title_fontsize=7, loc="lower left",
                  frameon=False, ncol=2)
        for ax in axes[row]:
            ax.set_xlim(-0.3, 80)
            ax.set_xticks([0, 3.2, 6.4, 12.8, 25.6, 51.2])
            ax.set_xticklabels(["0", "3.2", "6.4", "12.8", "25.6", "51.2"])
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


__all__ = ["behaviour_fit"]
