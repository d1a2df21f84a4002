"""Bifurcation diagrams and phase planes (from `neuroattn.analysis.bifurcation` / `phase_plane`)."""
from __future__ import annotations

from typing import Optional, Union

import numpy as np
import xarray as xr

_MARKERS = {"branch point": ("o", "branch point"), "hopf": ("*", "Hopf point"), "fold": ("D", "fold"),
            "border": ("s", "border collision")}


def _axis_label(da: xr.DataArray) -> str:
    name = da.attrs.get("long_name", da.name)
    units = da.attrs.get("units")
    return f"{name} ({units})" if units else str(name)


def bifurcation(bif: xr.Dataset, unit: Optional[Union[int, tuple]] = None, *, area: Optional[str] = None,
                var: str = "r", ax=None, path=None):
    """Draw a bifurcation diagram: one unit's (or an area's mean) `var` on every branch over the parameter.

    Stable parts are solid, unstable ones dashed; branch points, Hopf points and border collisions are
    marked and listed in the legend with their parameter values.

    Parameters
    ----------
    bif : Dataset from `neuroattn.analysis.bifurcation`.
    unit : index of the unit in the network, or ``(area, index)``; default unit 0 of `area` (or of the
        first area).
    area : plot the mean over this area's units instead of one unit (when `unit` is None).
    var : ``'r'`` (rate) or ``'u'`` (state).
    ax : matplotlib Axes to draw into (a new figure otherwise); returned.
    path : also save the figure there.

    Examples
    --------
    >>> bif = na.analysis.bifurcation(spec, "areas.A.competition.beta", np.linspace(0, 2, 41))  # doctest: +SKIP
    >>> na.plotting.bifurcation(bif, unit=0)                                                  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from neuroattn.exceptions import NeuroAttnError

    if var not in ("r", "u"):
        raise NeuroAttnError(f"var: must be 'r' or 'u' (got {var!r})")
    param = bif.attrs.get("path")
    if param not in bif.dims:
        raise NeuroAttnError("bifurcation: give the Dataset that neuroattn.analysis.bifurcation returns")
    data = bif[var]
    if unit is None and area is not None:
        if area not in set(bif.area.values.tolist()):
            raise NeuroAttnError(f"area: no area named {area!r} in the diagram")
        y = data.sel(unit=(bif.area == area).values).mean("unit")
        what = f"mean {var} of {area}"
    else:
        if isinstance(unit, tuple):
            match = np.flatnonzero((bif.area.values == unit[0]) & (bif["index"].values == unit[1]))
            if match.size == 0:
                raise NeuroAttnError(f"unit: no unit {unit!r} in the diagram")
            unit = int(match[0])
        unit = 0 if unit is None else int(unit)
        y = data.isel(unit=unit)
        what = f"{var} of {bif.area.values[unit]}[{int(bif['index'].values[unit])}]"
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.6))
    x = bif[param].values
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for b in range(bif.sizes["branch"]):
        yb = y.isel(branch=b).values
        stable = bif.stable.isel(branch=b).values
        colour = colours[b % len(colours)]
        ax.plot(x, np.where(stable, yb, np.nan), color=colour, lw=2)
        unstable = ~stable & np.isfinite(yb)
        # extend dashed segments by one point so they join the solid ones
        show = unstable | np.r_[unstable[1:], False] | np.r_[False, unstable[:-1]]
        ax.plot(x, np.where(show & np.isfinite(yb), yb, np.nan), color=colour, lw=1.2, ls="--")
    ax.plot([], [], color="0.3", lw=2, label="stable")
    ax.plot([], [], color="0.3", lw=1.2, ls="--", label="unstable")
    for kind, (marker, label) in _MARKERS.items():
        sel = np.flatnonzero(bif.bifurcation_kind.values == kind)
        if sel.size == 0:
            continue
        values = bif.bifurcation_value.values[sel]
        ys = []
        for i, v in zip(sel, values):
            yb = y.isel(branch=int(bif.bifurcation_branch.values[i])).values
            ok = np.isfinite(yb)
            order = np.argsort(x[ok])  # interpolate over the branch's own points (a fold is at its end)
            ys.append(float(np.interp(v, x[ok][order], yb[ok][order])))
        units = bif[param].attrs.get("units", "1")
        shown = ", ".join(f"{v:.4g}" for v in np.unique(np.round(values, 10)))
        ax.plot(values, ys, ls="none", marker=marker, ms=8, mfc="white", mec="k", zorder=5,
                label=f"{label}{'s' if len(values) > 1 else ''}: {shown}" + ("" if units == "1" else f" {units}"))
    ax.set_xlabel(_axis_label(bif[param]))
    ax.set_ylabel(f"{what} at the fixed point ({data.attrs.get('units', '1')})")
    ax.set_title(bif.attrs.get("title", "bifurcation diagram"), fontsize=9)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


def phase_plane(pp: xr.Dataset, *, ax=None, density: float = 1.0, trajectory=None, fixed_points=None, path=None):
    """Draw a phase plane: the flow (streamlines, coloured by speed) and both nullclines.

    Parameters
    ----------
    pp : Dataset from `neuroattn.analysis.phase_plane`.
    trajectory : optional ``(x, y)`` arrays of a run to overlay.
    fixed_points : optional ``(x, y)`` arrays of fixed points to mark.
    ax, path : as for the other plots.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.2))
    x, y = pp.x.values, pp.y.values
    stream = ax.streamplot(x, y, pp.dx.values, pp.dy.values, color=pp.speed.values, cmap="Greys",
                           density=density, linewidth=0.7, arrowsize=0.8)
    ax.figure.colorbar(stream.lines, ax=ax, label=_axis_label(pp.speed))
    ax.contour(x, y, pp.dx.values, levels=[0], colors="tab:blue", linewidths=2)
    ax.contour(x, y, pp.dy.values, levels=[0], colors="tab:orange", linewidths=2)
    ax.plot([], [], color="tab:blue", lw=2, label=f"{pp.attrs['x']} nullcline (du/dt = 0)")
    ax.plot([], [], color="tab:orange", lw=2, label=f"{pp.attrs['y']} nullcline (du/dt = 0)")
    if trajectory is not None:
        ax.plot(*trajectory, color="tab:red", lw=1, label="trajectory")
    if fixed_points is not None:
        ax.plot(*fixed_points, ls="none", marker="o", mfc="k", mec="k", label="fixed point")
    ax.set_xlabel(_axis_label(pp.x))
    ax.set_ylabel(_axis_label(pp.y))
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(y[0], y[-1])
    ax.set_title(pp.attrs.get("title", "phase plane"), fontsize=9)
    ax.legend(frameon=True, framealpha=0.85, fontsize=7, loc="upper left")
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


__all__ = ["bifurcation", "phase_plane"]
