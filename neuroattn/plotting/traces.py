"""Activity traces: one panel per area, one line per unit, stimulus epochs marked where they act."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr

from neuroattn.plotting.style import (MAX_LEGEND_UNITS, areas_to_draw, feature_name, quantity_label, save_figure,
                                      stored_spec, tidy, unit_colours)

CUE_COLOUR = "#9ecae1"
STIMULUS_COLOUR = "0.72"
#: Stimulus epochs are a band over the top of this fraction of a panel (the traces keep the rest).
BAND = 0.07


def time_axis(result: xr.Dataset) -> tuple[np.ndarray, str, float]:
    """(times, unit label, scale from seconds): ms for runs up to 5 s, seconds beyond."""
    t = np.asarray(result.time.values, float)
    scale = 1e3 if (t[-1] if len(t) else 0) <= 5 else 1.0
    return t * scale, "ms" if scale == 1e3 else "s", scale


def traces(result: xr.Dataset, areas: Optional[Sequence[str]] = None, *, var: str = "r", axes=None,
           shade_stimuli: bool = True, title: Optional[str] = None, path=None):
    """Plot `var` over time, one panel per area; returns the Figure.

    Units are coloured by their preferred feature, with the same colour for the same feature in every
    area, and one legend for the figure when the areas share their features (up to 10 units; beyond,
    a colour map and a colour bar; `heatmap` shows many units better). A band along the top of a
    panel marks when a stimulus drives that area (grey) or a cue does (blue: a stimulus to PFC or one
    whose name starts with 'cue'); stimuli of zero amplitude (absent in that condition) are not marked.

    Parameters
    ----------
    result : Dataset from `neuroattn.simulate` (no ``point`` dim; select one point first).
    areas : area names to show, in order (default all).
    var : a recorded variable with a time axis: 'r', 'u', 'I', ...
    axes : sequence of Axes, optional; one per area.
    shade_stimuli : mark stimulus and cue epochs.
    title : the figure's title (default the result's ``title`` attribute).
    path : if given, also save the figure there (.png, .pdf or .svg).

    Examples
    --------
    >>> fig = traces(result, areas=["V1"])          # doctest: +SKIP
    >>> fig.savefig("traces.pdf")                    # doctest: +SKIP
    """
    import matplotlib

    if axes is None and matplotlib.get_backend().lower() not in ("agg",) and not _interactive():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    names = areas_to_draw(result, var, areas, "traces")
    own = axes is None
    if own:
        fig, axes = plt.subplots(len(names), 1, sharex=True, figsize=(7.5, 1.6 * len(names) + 0.9),
                                 squeeze=False, layout="constrained")
        axes = axes[:, 0]
    else:
        fig = axes[0].figure
    t, t_unit, scale = time_axis(result)
    epochs = _stimulus_epochs(result) if shade_stimuli else []
    features = [tuple(result.feature.values[(result.area == a).values]) for a in names]
    shared = len(set(features)) == 1 and len(features[0]) <= MAX_LEGEND_UNITS
    for ax, name, feats in zip(axes, names, features):
        data = result[var].sel(unit=result.area == name)
        rank = np.argsort(np.argsort(feats, kind="stable"), kind="stable")
        colours = unit_colours(len(feats))
        for k in np.argsort(feats, kind="stable"):
            ax.plot(t, data.values[:, k], lw=1.3, color=colours[rank[k]], label=f"{feats[k]:.3g}")
        ax.set_xlim(t[0], t[-1])
        _mark_epochs(ax, [e for e in epochs if e[0] == name], scale, t[-1] / scale)
        ax.set_ylabel(f"{name}\n{quantity_label(result, var, name)}", fontsize=9)
        tidy(ax)
        if len(feats) > MAX_LEGEND_UNITS:
            sm = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(min(feats), max(feats)))
            fig.colorbar(sm, ax=ax, label=f"preferred {feature_name(result, name)}", pad=0.01)
        elif not shared:
            ax.legend(title=f"preferred {feature_name(result, name)}", fontsize=7, title_fontsize=7,
                      loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes[-1].set_xlabel(f"time ({t_unit})")
    handles = list(axes[0].get_lines()) if shared else []
    kinds = {e[3] for e in epochs if e[0] in names}
    handles += [Patch(color=CUE_COLOUR, label="cue on")] if True in kinds else []
    handles += [Patch(color=STIMULUS_COLOUR, label="stimulus on")] if False in kinds else []
    if handles:
        label = f"preferred\n{feature_name(result, names[0])}" if shared else None
        # the figure's own legend; on axes given by the caller, a legend beside the first of them
        where = dict(loc="outside right upper") if own else dict(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        (fig if own else axes[0]).legend(handles=handles, title=label, fontsize=7, title_fontsize=7,
                                         frameon=False, **where)
    if own or title:  # over the panels, clear of the legend beside them
        axes[0].set_title(title if title is not None else result.attrs.get("title", ""), fontsize=10)
    if path is not None:
        save_figure(fig, path)
    return fig


def _mark_epochs(ax, epochs, scale: float, end: float) -> None:
    """A band along the top of the panel for each epoch (stimuli sharing one epoch share a band and a
    label), with the traces kept below it."""
    if not epochs:
        return
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + (high - low) * BAND / (1 - BAND))
    bands: dict = {}
    for _, on, off, is_cue, name in epochs:
        bands.setdefault((on, min(off, end) if off is not None else end, is_cue), []).append(name)
    for (on, stop, is_cue), labels in bands.items():
        ax.axvspan(on * scale, stop * scale, ymin=1 - BAND, ymax=1.0, zorder=3, lw=0,
                   color=CUE_COLOUR if is_cue else STIMULUS_COLOUR)
        label = ", ".join(x for x in labels if x)
        if label:
            ax.text(on * scale, 1 - BAND / 2, f" {label}", transform=ax.get_xaxis_transform(), fontsize=6,
                    va="center", ha="left", zorder=4, clip_on=True)


def _interactive() -> bool:
    import sys

    return "ipykernel" in sys.modules


def _stimulus_epochs(result: xr.Dataset):
    """(area, onset, offset, is_cue, name) of each stimulus present, read back from the stored spec."""
    spec = stored_spec(result)
    if spec is None:
        return []
    out = []
    for s in spec.stimuli:
        amplitude = spec.stimulus_amplitudes(s)
        if not np.any(amplitude != 0) and (s.noise is None or s.noise.sigma == 0):
            continue
        out.append((s.area, s.onset, s.offset, s.area == "PFC" or (s.name or "").startswith("cue"), s.name or ""))
    return out


__all__ = ["traces", "time_axis", "CUE_COLOUR", "STIMULUS_COLOUR"]
