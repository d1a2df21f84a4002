"""Plots of plastic weights: matrix snapshots and trajectories, and the attention-learning figure."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import xarray as xr

from neuroattn.plotting.style import save_figure


def _weights(result: xr.Dataset, connection: str, trace: bool) -> xr.DataArray:
    from neuroattn.exceptions import NeuroAttnError
    from neuroattn.spec.plasticity import connection_id

    cid = connection_id(connection)
    var = f"w_{cid}" if trace else f"w_{cid}_final"
    if var not in result:
        known = sorted({str(v)[2:-6] for v in result.data_vars if str(v).startswith("w_") and str(v).endswith("_final")})
        hint = "record them with record_weights_every=" if trace and f"w_{cid}_final" in result else \
            f"plastic connections: {', '.join(known) or 'none'}"
        raise NeuroAttnError(f"weights: the result has no {var!r} ({hint})")
    return result[var]


def weights(result: xr.Dataset, connection: str, *, kind: str = "matrix", time: Optional[float] = None,
            synapses: Optional[Sequence[tuple[int, int]]] = None, ax=None, path=None):
    """Plot the weights of a plastic connection (``'V1->parietal'`` or ``'V1_recurrent'``).

    Parameters
    ----------
    kind : ``'matrix'``: the weights as an image (post units down, pre units across), at the end of
        the run or at the snapshot nearest `time` (seconds); ``'trajectory'``: chosen `synapses`
        ``[(post, pre), ...]`` (default the diagonal) over time.
    ax : matplotlib Axes to draw into (a new figure otherwise); returned.
    path : also save the figure there (.png, .pdf or .svg).
    """
    import matplotlib.pyplot as plt

    from neuroattn.exceptions import NeuroAttnError

    if kind not in ("matrix", "trajectory"):
        raise NeuroAttnError(f"kind: must be 'matrix' or 'trajectory' (got {kind!r})")
    w = _weights(result, connection, trace=kind == "trajectory" or time is not None)
    if "point" in w.dims:
        raise NeuroAttnError("weights: select one point first (result.isel(point=k))")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.6))
    post, pre = w.dims[-2], w.dims[-1]
    source, target = w.attrs.get("source", "pre"), w.attrs.get("target", "post")
    if kind == "matrix":
        if time is not None:
            w = w.sel(weight_time=time, method="nearest")
        values = np.asarray(w.values, float)
        if np.nanmin(values) < 0 < np.nanmax(values):  # signed weights: a diverging map centred on 0
            bound = np.nanmax(np.abs(values))
            style = dict(cmap="RdBu_r", vmin=-bound, vmax=bound)
        else:
            style = dict(cmap="viridis")
        image = ax.imshow(values, aspect="auto", interpolation="nearest", **style)
        ax.figure.colorbar(image, ax=ax, label="weight (dimensionless)")
        ax.set_xlabel(f"{source} unit (pre-synaptic)")
        ax.set_ylabel(f"{target} unit (post-synaptic)")
        for n, axis in ((w.sizes[pre], ax.xaxis), (w.sizes[post], ax.yaxis)):
            if n <= 20:  # whole units, not positions between them
                axis.set_ticks(range(n))
        when = "end of run" if time is None else f"t = {float(w.weight_time):.2f} s"
        ax.set_title(f"{source} \u2192 {target} weights, {when}", fontsize=9)
    else:
        pairs = list(synapses) if synapses is not None else [(k, k) for k in range(min(w.sizes[post], w.sizes[pre]))]
        t = w.weight_time.values
        for i, j in pairs:
            ax.plot(t, w.isel({post: i, pre: j}).values, label=f"{target} {i} \u2190 {source} {j}")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("weight (dimensionless)")
        ax.set_title(f"{connection} weights", fontsize=9)
        if len(pairs) <= 8:
            ax.legend(fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    if path is not None:
        save_figure(ax.figure, path)
    return ax


def learning_figure(trained: xr.Dataset, tuning: xr.Dataset, path=None):
    """The attention-learning experiment (`neuroattn.learning`): weight trajectories of the attended and
    unattended pathways, the learned V1 -> parietal matrix, and tuning curves before and after."""
    import matplotlib.pyplot as plt

    from neuroattn import learning

    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6), gridspec_kw={"width_ratios": (1.2, 1, 1, 1)})
    w = learning.pathway_weights(trained, final=False)
    t = trained.weight_time.values
    axes[0].plot(t, w["A"].values, color="C0", label=f"attended: V1 \u2192 parietal at A ({learning.A:g})")
    axes[0].plot(t, w["B"].values, color="C1", label=f"unattended: V1 \u2192 parietal at B ({learning.B:g})")
    axes[0].set_xlabel("training time (s)")
    axes[0].set_ylabel("weight (dimensionless)")
    axes[0].set_title("weights during training (cue at A)", fontsize=9)
    axes[0].legend(fontsize=7, frameon=False)
    axes[0].spines[["top", "right"]].set_visible(False)
    weights(trained, "V1->parietal", ax=axes[1])
    x = trained.feature.values[(trained.area == "V1").values]
    for ax in (axes[1],):
        ax.set_xticks(range(len(x)), [f"{v:.2f}" for v in x], fontsize=6, rotation=90)
        ax.set_yticks(range(len(x)), [f"{v:.2f}" for v in x], fontsize=6)
        ax.set_xlabel("V1 unit's location (pre-synaptic)")
        ax.set_ylabel("parietal unit's location (post)")
    for ax, area in zip(axes[2:], ("parietal", "PFC")):
        r = learning.responses(tuning, area)
        for phase, style in (("before", "--"), ("after", "-")):
            ax.plot(r.location.values, r.sel(phase=phase).values, style, marker="o", label=f"{phase} training")
        ax.axvline(learning.A, color="C0", lw=0.8, alpha=0.5)
        ax.axvline(learning.B, color="C1", lw=0.8, alpha=0.5)
        ax.set_xlabel("location of the single stimulus")
        ax.set_ylabel(f"{area} rate at the stimulus (a.u.)")
        ax.set_title(f"{area}: response to one stimulus, no cue", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle("attention-gated plasticity: the attended pathway strengthens, the unattended does not",
                 fontsize=10)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


__all__ = ["weights", "learning_figure"]
