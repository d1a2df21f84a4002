"""Excitatory vs inhibitory weights in the seed equation, over a range of beta (one batched run each).

    python experiments/seed_regimes.py [--out seed_regimes.nc] [--plot seed_regimes.png] [--duration 1s]

Four ReLU units, uniform weights w, inputs 1.0, 0.98, 0.96, 0.94, tau = 10 ms. Where the units are
active (r = u) the linearisation gives, with n = 4:

- the difference modes of the all-active state grow at (-1 - w - beta n w)/tau;
- a lone winner's own mode grows at (-1 - beta n w)/tau; its state is u = 1/(1 + beta n w), and it
  silences the runner-up where 0.98 + w u < 0.

With excitatory w = +0.3 both are negative for every beta >= 0: the units coexist. With inhibitory
w = -0.3 the difference modes grow above beta = 0.7/1.2 = 0.583 and a lone winner is stable below
beta = 1/1.2 = 0.833 (it silences the runner-up from beta = (1 - 0.3/0.98)/1.2 = 0.578): winner-take-all
in between; above, the winner runs away exponentially (`runaway`; the fastest ones also exceed the
engine's divergence limit and are flagged `diverged`). `neuroattn.analysis.classify_regime` labels
every run from its late motion, and a run still moving at its end (next to beta = 0.58 the deciding
modes are slower than a few per second) from the stable fixed point its rate equations take it to
(`neuroattn.analysis.continue_run`), so the windows printed are the same at 1 s and at 4 s, with no
point left `unsettled`.
"""
import argparse
import warnings

import numpy as np
import xarray as xr

import neuroattn as na
from neuroattn.analysis import classify_regime
from neuroattn.models import seed_competition
from neuroattn.results import save

N, TAU = 4, 0.01


def sweep(w: float, betas: np.ndarray, duration: str) -> xr.Dataset:
    specs = [seed_competition(beta=float(b), w=w) for b in betas]
    res = na.simulate_batch(specs, duration, dt="0.1 ms", record_every="5 ms", record=("r", "I"), seed=0,
                            point_coords={"beta": betas}, progress=False)
    res["regime"] = classify_regime(res, "V1", spec=specs)
    return res.drop_vars(["r", "I"]).drop_dims("time").assign_coords(w=w)


def windows(betas: np.ndarray, mask: np.ndarray) -> str:
    """The beta values where `mask` holds, as runs 'a ... b'."""
    if not mask.any():
        return "none"
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    return ", ".join(f"{betas[a]:.3f}" if b - 1 == a else f"{betas[a]:.3f} ... {betas[b - 1]:.3f}"
                     for a, b in zip(edges[::2], edges[1::2]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="seed_regimes.nc")
    parser.add_argument("--plot", default="seed_regimes.png")
    parser.add_argument("--duration", default="1 s")
    args = parser.parse_args(argv)
    betas = np.linspace(0, 1.2, 61)
    with warnings.catch_warnings():  # run-away points are expected here; they are reported below
        warnings.simplefilter("ignore", na.DivergenceWarning)
        results = xr.concat([sweep(w, betas, args.duration) for w in (-0.3, 0.3)], dim="w")
    for w in results.w.values:
        labels = results.regime.sel(w=w).values
        lam_d = (-1 - w - betas * N * w) / TAU
        lam_w = (-1 - betas * N * w) / TAU
        print(f"w = {w:+.1f}, {args.duration}:")
        for name in ("coexistence", "winner-take-all", "runaway", "unsettled"):
            print(f"  {name:16s} beta in {windows(betas, labels == name)}")
        print(f"  {'diverged':16s} beta in {windows(betas, results.diverged.sel(w=w).values)}")
        with np.errstate(divide="ignore"):
            u_winner = 1.0 / (1 + betas * N * w)  # the lone winner's state (input 1.0) where it is stable
        lone = (lam_w < 0) & (0.98 + w * u_winner < 0)  # ... and silences the runner-up (input 0.98)
        print(f"  closed form: a stable lone winner for beta in {windows(betas, lone)}, difference modes grow "
              f"in {windows(betas, lam_d > 0)}, runaway in {windows(betas, lam_w > 0)}")
    save(results, args.out)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"coexistence": "tab:blue", "winner-take-all": "tab:orange", "runaway": "tab:red",
               "unsettled": "0.6"}
    spread = (results.r_final.max("unit") - results.r_final.min("unit")).where(~results.diverged)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for w, marker in zip(results.w.values, ("o", "s")):
        labels = results.regime.sel(w=w).values
        for name, colour in colours.items():
            m = labels == name
            if m.any():
                ax.scatter(betas[m], spread.sel(w=w).values[m], s=14, marker=marker, color=colour,
                           label=f"w = {w:+.1f}: {name}")
    for edge, text, side in ((0.7 / 1.2, "difference modes grow →", "right"),
                             (1 / 1.2, "← lone winner grows →", "center")):
        ax.axvline(edge, color="k", lw=0.8, ls="--")
        ax.text(edge, 1.02, f"β = {edge:.3f}\n{text}", transform=ax.get_xaxis_transform(), ha=side,
                va="bottom", fontsize=7)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylim(0, None)
    ax.set_title("seed model, 4 ReLU units (diverged points not drawn)", fontsize=9, pad=26)
    ax.set_xlabel("inhibition factor β (1)")
    ax.set_ylabel(f"max r − min r at {args.duration} (1)")
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"-> {args.out}, {args.plot}")


if __name__ == "__main__":
    main()
