"""Excitatory vs inhibitory weights in the seed equation, over a range of beta (one batched run each).

    python experiments/seed_regimes.py [--out seed_regimes.nc] [--plot seed_regimes.png]

For each beta, the final spread of rates max(r) - min(r) tells whether a winner emerged. With
excitatory w every difference decays (spread stays near the input differences); with inhibitory w a
winner emerges inside a window of beta, where the difference mode (-1 - w - beta*n*w)/tau is positive,
until the winner's self-excitation -beta*n*w exceeds 1 and, with an unbounded ReLU, it runs away
(flagged as diverged).
"""
import argparse
import warnings

import numpy as np
import xarray as xr

import neuroattn as na
from neuroattn.models import seed_competition
from neuroattn.results import save


def sweep(w: float, betas: np.ndarray) -> xr.Dataset:
    specs = [seed_competition(beta=float(b), w=w) for b in betas]
    return na.simulate_batch(specs, "1 s", dt="0.1 ms", record_every=None, seed=0,
                             point_coords={"beta": betas}).assign_coords(w=w)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="seed_regimes.nc")
    parser.add_argument("--plot", default="seed_regimes.png")
    args = parser.parse_args(argv)
    betas = np.linspace(0, 1.2, 25)
    with warnings.catch_warnings():  # run-away points are expected here; they are reported below
        warnings.simplefilter("ignore", na.DivergenceWarning)
        results = xr.concat([sweep(w, betas) for w in (-0.3, 0.3)], dim="w")
    spread = results.r_final.max("unit") - results.r_final.min("unit")
    n = results.sizes["unit"]
    for w in results.w.values:
        growth = (-1 - w - betas * n * w) / 0.01
        runaway = results.diverged.sel(w=w).values
        winners = (spread.sel(w=w).values > 0.5) & ~runaway
        print(f"w={w:+.1f}: winner at beta in {betas[winners].round(2).tolist() or 'none'}; "
              f"runaway at {betas[runaway].round(2).tolist() or 'none'}; "
              f"linear difference mode grows at beta in {betas[growth > 0].round(2).tolist() or 'none'}")
    save(results, args.out)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    for w in results.w.values:
        ax.plot(betas, spread.where(~results.diverged).sel(w=w), marker="o", ms=3, label=f"w = {w:+.1f}")
        runaway = betas[results.diverged.sel(w=w).values]
        if runaway.size:
            ax.axvspan(runaway.min(), runaway.max(), color="0.9", zorder=0, lw=0)
            ax.text(runaway.mean(), 0.02, f"runaway\n(w = {w:+.1f})", ha="center", va="bottom",
                    fontsize=8, transform=ax.get_xaxis_transform())
    ax.set_yscale("symlog", linthresh=0.1)  # a growing winner spans decades before it is flagged
    ax.set_xlabel("inhibition factor β")
    ax.set_ylabel("max r − min r after 1 s")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"-> {args.out}, {args.plot}")


if __name__ == "__main__":
    main()
