"""Plots of structural plasticity and reserve units: masks, synapse counts, recruitment, and the
pathway-reorganisation figure."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr


def _variable(result: xr.Dataset, var: str, what: str) -> xr.DataArray:
    from neuroattn.exceptions import NeuroAttnError

    if var not in result:
        prefix = var.split("_")[0] + "_"
        known = sorted(str(v)[len(prefix):] for v in result.data_vars if str(v).startswith(prefix)
                       and not str(v).endswith("_final"))
        raise NeuroAttnError(f"{what}: the result has no {var!r} ({what}s in it: {', '.join(known) or 'none'})")
    out = result[var]
    if "point" in out.dims:
        raise NeuroAttnError(f"{what}: select one point first (result.isel(point=k))")
    return out


def synapse_count(result: xr.Dataset, connection: str, *, ax=None, path=None, **style):
    """The number of synapses of `connection` (``'V1->parietal'``) after each structural check."""
    import matplotlib.pyplot as plt

    from neuroattn.spec.plasticity import connection_id

    count = _variable(result, f"n_synapses_{connection_id(connection)}", "connection")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    t = count[count.dims[0]].values
    ax.step(t, count.values, where="post", **{"color": "C2", **style})
    ax.set_xlabel("time (s)")
    ax.set_ylabel("synapses (count)")
    ax.set_title(f"{connection}: synapses over time", fontsize=9)
    ax.set_ylim(0, None)
    ax.spines[["top", "right"]].set_visible(False)
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


def masks(result: xr.Dataset, connection: str, *, times: Optional[Sequence[float]] = None, n: int = 4,
          path=None):
    """Which synapses of `connection` exist (dark: present) at `times` (seconds; default `n` checks spread
    over the run), reserve units past the dashed line; returns the Figure."""
    import matplotlib.pyplot as plt

    from neuroattn.spec.plasticity import connection_id

    mask = _variable(result, f"mask_{connection_id(connection)}", "connection")
    tdim, post, pre = mask.dims
    t_all = mask[tdim].values
    if times is None:
        picks = np.unique(np.linspace(0, len(t_all) - 1, n).round().astype(int))
    else:
        picks = [int(np.argmin(np.abs(t_all - t))) for t in times]
    fig, axes = plt.subplots(1, len(picks), figsize=(2.6 * len(picks), 2.8), squeeze=False)
    source, target = mask.attrs.get("source", "pre"), mask.attrs.get("target", "post")
    for ax, k in zip(axes[0], picks):
        m = mask.isel({tdim: k}).values
        ax.imshow(m, cmap="Greys", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.set_title(f"t = {t_all[k]:.2f} s: {int(m.sum())} synapses", fontsize=8)
        for coord, line in ((f"reserve_index_{target}", ax.axhline), (f"reserve_index_{source}", ax.axvline)):
            if coord in result.coords:  # reserve units follow the area's own units
                line(int(result[coord].min()) - 0.5, color="C3", lw=1, ls="--")
        ax.set_xlabel(f"{source} unit (pre)", fontsize=8)
    axes[0][0].set_ylabel(f"{target} unit (post)", fontsize=8)
    fig.suptitle(f"{connection}: synapses present (dark)", fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def recruitment(result: xr.Dataset, area: str, *, ax=None, path=None):
    """When each reserve unit of `area` was recruited (a marker at its preferred feature and time;
    units never recruited sit in grey at the right edge)."""
    import matplotlib.pyplot as plt

    when = _variable(result, f"recruit_time_{area}", "area")
    dim = when.dims[0]
    feature = result[f"reserve_feature_{area}"].values
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    end = float(result.attrs.get("duration", np.nanmax(np.append(when.values, 1.0))))
    got = np.isfinite(when.values)
    ax.scatter(when.values[got], feature[got], color="C3", zorder=3, label="recruited")
    ax.scatter(np.full((~got).sum(), end), feature[~got], color="0.7", marker="x", label="still silent")
    for q in np.flatnonzero(got):
        ax.hlines(feature[q], when.values[q], end, color="C3", lw=1, alpha=0.5)
    ax.set_xlim(-0.02 * end, end * 1.04)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"reserve unit's preferred {result.attrs.get('feature_name', 'feature')}")
    ax.set_title(f"{area}: reserve units recruited ({int(got.sum())} of {when.sizes[dim]})", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.spines[["top", "right"]].set_visible(False)
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


def reorganisation_figure(trained: xr.Dataset, test: xr.Dataset, path=None):
    """The pathway-reorganisation experiment (`neuroattn.reorganisation`) in four panels: the attended
    and unattended weights, the synapse count, recruitment of reserve units, and d′ before/after."""
    import matplotlib.pyplot as plt

    from neuroattn import reorganisation as ro

    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    w = ro.pathway(trained)
    t = trained.weight_time.values
    axes[0].plot(t, w["A"].values, color="C0", label=f"attended: V1 \u2192 parietal at A ({ro.A:g})")
    axes[0].plot(t, w["B"].values, color="C1", label=f"unattended: V1 \u2192 parietal at B ({ro.B:g})")
    axes[0].set_xlabel("training time (s)")
    axes[0].set_ylabel("weight (1)")
    axes[0].set_ylim(0, None)
    axes[0].set_title("1. the attended pathway strengthens", fontsize=9)
    axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    axes[0].spines[["top", "right"]].set_visible(False)
    synapse_count(trained, ro.CONNECTION, ax=axes[1], label="all")
    mask = trained["mask_V1_to_parietal"]
    parietal = trained.feature.values[(trained.area == "parietal").values]
    at_a = np.isclose(parietal, ro.A)
    t_mask = mask[mask.dims[0]].values
    for rows, name, color in ((~at_a, "onto unattended units", "C1"), (at_a, "onto the units at A", "C0")):
        axes[1].step(t_mask, mask.values[:, rows].sum(axis=(1, 2)), where="post", color=color, label=name)
    axes[1].legend(fontsize=7, frameon=False)
    axes[1].set_xlabel("training time (s)")
    axes[1].set_title("2. weak unattended synapses are pruned (V1 \u2192 parietal)", fontsize=9)
    recruitment(trained, "parietal", ax=axes[2])
    axes[2].set_xlabel("training time (s)")
    axes[2].set_ylabel("reserve unit's preferred location")
    axes[2].axhline(ro.A, color="C0", lw=0.8, alpha=0.4)
    axes[2].set_title("3. parietal reserve units recruited", fontsize=9)
    d, se = ro.discrimination(test), ro.discrimination(test, error=True)
    x = np.arange(2)
    for k, (phase, color) in enumerate((("before", "0.6"), ("after", "C0"))):
        axes[3].bar(x + (k - 0.5) * 0.38, d.sel(phase=phase).values, width=0.36, color=color,
                    yerr=se.sel(phase=phase).values, capsize=3, label=f"{phase} training")
    n_features = int((trained.area == "V1").sum())
    labels = [f"{name}\n({a:g} vs {b:g})" for name, (a, b) in ro.pairs(n_features).items()]
    axes[3].set_xticks(x, labels, fontsize=8)
    axes[3].set_ylabel("d′ of the parietal units tuned to the pair (1)")
    axes[3].set_title("4. discrimination of nearby stimuli (± standard error)", fontsize=9)
    axes[3].legend(fontsize=7, frameon=False)
    axes[3].spines[["top", "right"]].set_visible(False)
    fig.suptitle("attention reorganises a pathway: strengthening, pruning, recruitment, better discrimination "
                 f"(cue at A = {ro.A:g})", fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


__all__ = ["synapse_count", "masks", "recruitment", "reorganisation_figure"]
