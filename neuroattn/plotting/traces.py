"""Activity traces: one panel per area, one line per unit coloured by its preferred feature."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr

CUE_COLOUR = "#9ecae1"
STIMULUS_COLOUR = "0.88"


def _unit(result: xr.Dataset, area: str, var: str) -> str:
    """The unit of `var` in `area`: rates of spiking areas are in Hz, other variables as their attrs say."""
    spiking = "spike_area" in result.coords and area in set(np.asarray(result.spike_area.values).tolist())
    spiking = spiking or (var == "r" and "u" in result and bool(np.isnan(result["u"].sel(unit=result.area == area)).all()))
    if var == "r" and spiking:
        return "Hz"
    units = str(result[var].attrs.get("units", "1"))
    return "1" if units.startswith("1 (") else units


def traces(result: xr.Dataset, areas: Optional[Sequence[str]] = None, *, var: str = "r", axes=None,
           cmap: str = "viridis", shade_stimuli: bool = True, path=None):
    """Plot `var` over time for each area; returns the Figure.

    Parameters
    ----------
    result : Dataset from `neuroattn.simulate` (no ``point`` dim; select one point first).
    areas : area names to show, in order (default all).
    var : 'r', 'u' or 'I'.
    axes : sequence of Axes, optional; one per area.
    shade_stimuli : shade stimulus epochs (grey, in the panel of the stimulated area) and cue epochs
        (blue, in every panel: a cue is a stimulus to PFC or one whose name starts with 'cue').
        Stimuli of zero amplitude (absent in that condition) are not shaded.
    path : if given, also save the figure there as PNG.

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
            end = t_ms[-1] / 1e3 + (t_ms[1] - t_ms[0]) / 1e3 if len(t_ms) > 1 else t_ms[-1] / 1e3
            for area, on, off, is_cue in epochs:
                if is_cue or area == name:
                    ax.axvspan(on * 1e3, (off if off is not None else end) * 1e3, zorder=0, lw=0,
                               color=CUE_COLOUR if is_cue else STIMULUS_COLOUR, alpha=0.5 if is_cue else 1.0)
        if data.sizes["unit"] <= 8:
            ax.legend([f"{data.feature.values[k]:.3g}" for k in range(data.sizes["unit"])], title="feature",
                      fontsize=7, title_fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        ax.set_ylabel(f"{name}\n{var} ({_unit(result, name, var)})")
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set_xlabel("time (ms)")
    if shade_stimuli and epochs:
        from matplotlib.patches import Patch

        kinds = {is_cue for *_, is_cue in epochs}
        handles = [Patch(color=CUE_COLOUR, alpha=0.5, label="cue")] if True in kinds else []
        handles += [Patch(color=STIMULUS_COLOUR, label="stimulus")] if False in kinds else []
        # a figure legend: the axes keep their own (features), and both count for tight bounding boxes
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 0.955), ncol=2, fontsize=7,
                   frameon=False)
    fig.suptitle(result.attrs.get("title", ""), fontsize=10, y=0.995)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
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
    out = []
    for s in spec.stimuli:
        amplitude = spec.stimulus_amplitudes(s)
        if not np.any(amplitude != 0) and (s.noise is None or s.noise.sigma == 0):
            continue
        out.append((s.area, s.onset, s.offset, s.area == "PFC" or (s.name or "").startswith("cue")))
    return out
