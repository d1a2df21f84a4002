"""Activity traces: one panel per area, one line per unit coloured by its preferred feature."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr


def traces(result: xr.Dataset, areas: Optional[Sequence[str]] = None, *, var: str = "r", axes=None,
           cmap: str = "viridis", shade_stimuli: bool = True):
    """Plot `var` over time for each area; returns the Figure.

    Parameters
    ----------
    result : Dataset from `neuroattn.simulate` (no ``point`` dim; select one point first).
    areas : area names to show, in order (default all).
    var : 'r', 'u' or 'I'.
    axes : sequence of Axes, optional; one per area.
    shade_stimuli : shade the epochs in which each area's stimuli are on.

    Examples
    --------
    >>> fig = traces(result, areas=["V1"])          # doctest: +SKIP
    >>> fig.savefig("traces.png")                    # doctest: +SKIP
    """
    import matplotlib

    if axes is None and matplotlib.get_backend().lower() not in ("agg",) and not _interactive():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neuroattn.exceptions import NeuroAttnError

    if "point" in result.dims:
        raise NeuroAttnError("traces: result has a 'point' dim; select one point first (result.isel(point=0))")
    if var not in result or "time" not in result[var].dims:
        raise NeuroAttnError(f"traces: the result has no traces of {var!r} (recorded: "
                             f"{', '.join(v for v in result.data_vars if 'time' in result[v].dims)})")
    names = list(dict.fromkeys(result.area.values.tolist())) if areas is None else list(areas)
    missing = [a for a in names if a not in set(result.area.values.tolist())]
    if missing:
        raise NeuroAttnError(f"traces: no area named {missing[0]!r} in the result")
    if axes is None:
        fig, axes = plt.subplots(len(names), 1, sharex=True, figsize=(7, 1.9 * len(names) + 0.6),
                                 squeeze=False)
        axes = axes[:, 0]
    else:
        fig = axes[0].figure
    t_ms = result.time.values * 1e3
    epochs = _stimulus_epochs(result)
    colours = plt.get_cmap(cmap)
    for ax, name in zip(axes, names):
        data = result[var].sel(unit=result.area == name)
        feats = data.feature.values
        span = np.ptp(feats) or 1.0
        for k in range(data.sizes["unit"]):
            ax.plot(t_ms, data.values[:, k], lw=1.2, color=colours((feats[k] - feats.min()) / span))
        if shade_stimuli:
            for area, on, off in epochs:
                if area == name:
                    ax.axvspan(on * 1e3, (off if off is not None else t_ms[-1] / 1e3) * 1e3,
                               color="0.85", zorder=0, lw=0)
        if data.sizes["unit"] <= 8:
            ax.legend([f"{data.feature.values[k]:.3g}" for k in range(data.sizes["unit"])], title="feature",
                      fontsize=7, title_fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.set_ylabel(f"{name}\n{var}")
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set_xlabel("time (ms)")
    fig.suptitle(result.attrs.get("title", ""), fontsize=10)
    fig.tight_layout()
    return fig


def _interactive() -> bool:
    import sys

    return "ipykernel" in sys.modules


def _stimulus_epochs(result: xr.Dataset):
    """(area, onset, offset) of each stimulus, read back from the spec stored in the result."""
    text = result.attrs.get("spec")
    if not text:
        return []
    from neuroattn.spec import load_spec

    spec = load_spec(text)
    return [(s.area, s.onset, s.offset) for s in spec.stimuli]
