"""Spike rasters of spiking areas."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr

from neuroattn.plotting.style import is_spiking, save_figure


def raster(result: xr.Dataset, areas: Optional[Sequence[str]] = None, *, point: Optional[int] = None,
           window: Optional[Sequence[float]] = None, ax=None, path=None, markersize: float = 1.5):
    """Spikes as dots: time (s) across, unit (grouped by area, labelled) down.

    Parameters
    ----------
    result : a result with spikes (``spike_time``, ``spike_unit``, ``spike_area``).
    areas : the spiking areas to show (default every spiking area, silent ones included).
    point : the batch point (needed for batch and sweep results).
    window : ``(t0, t1)`` seconds to show.
    """
    import matplotlib.pyplot as plt

    from neuroattn.exceptions import NeuroAttnError

    if "spike_time" not in result:
        raise NeuroAttnError("raster: the result has no spikes (no spiking area)")
    t, unit = result.spike_time.values, result.spike_unit.values
    if "spike_point" in result and np.any(result.spike_point.values != 0) or "point" in result.dims:
        if point is None:
            raise NeuroAttnError("raster: the result has several points; say which (point=)")
        keep = result.spike_point.values == point
        t, unit = t[keep], unit[keep]
    names = list(dict.fromkeys(np.asarray(result.area.values).tolist()))
    spiked = set(np.asarray(result.spike_area.values).tolist())
    spiking = [a for a in names if a in spiked or is_spiking(result, a)] if areas is None else list(areas)
    unknown = [a for a in spiking if a not in names]
    if unknown:
        raise NeuroAttnError(f"areas: no area named {unknown[0]!r} (areas: {', '.join(names)})")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.0 + 0.6 * len(spiking) + 0.01 * result.sizes["unit"]))
    row, ticks = 0, []
    for k, area in enumerate(spiking):
        units = np.flatnonzero((result.area == area).values)
        mask = np.isin(unit, units)
        ax.plot(t[mask], unit[mask] - units[0] + row, "|" if len(units) < 50 else ".", color=f"C{k}",
                markersize=markersize * (4 if len(units) < 50 else 1), linestyle="none")
        ticks.append((row + (len(units) - 1) / 2, f"{area}\n({len(units)})"))
        row += len(units) + max(1, len(units) // 20)
    ax.set_yticks([y for y, _ in ticks], [label for _, label in ticks], fontsize=8)
    ax.set_ylim(row, -1)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("unit, by area")
    if window is not None:
        ax.set_xlim(*window)
    ax.set_title(f"spikes of {', '.join(spiking)}", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    if path is not None:
        save_figure(ax.figure, path)
    return ax


__all__ = ["raster"]
