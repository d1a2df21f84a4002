"""Fit the hierarchy's attention gain (the parietal -> V1 feedback scale) to McAdams & Maunsell (1999).

McAdams & Maunsell (1999, J. Neurosci. 19:431-441) found that attending to a V4 neuron's receptive
field scaled its orientation tuning curve by about 26 % on average, multiplicatively, without changing
its width. Here the data are that finding written as tuning curves: a Gaussian tuning curve (one unit
spacing wide, peak 1) when attention is directed away, and the same curve times 1.26 when it is
directed at the stimulus. In the hierarchy, a grating at location 0.5 drives V1 while a sustained cue
holds PFC either at 0.5 (attend in) or at 0.0 (attend away); V1's population response over the
feature axis plays the tuning curve. Fitted: the scale of the parietal -> V1 gain feedback and the
grating's width (the tuning width), by squared error of the curves normalised to the attend-away peak.

Prints the fitted feedback scale with its 95 % profile interval, the model's attentional gain at the
peak and across the curve, and saves ``attention_gain_fit.png`` (data and model tuning curves).
Run: python experiments/fit_attention_gain.py --out results
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SCALE = "projections[parietal->V1].scale"
WIDTH = "stimuli[grating].amplitude.width"
PARAMS = {SCALE: (0.1, 4.0, "log"), WIDTH: (0.05, 0.3)}
#: The condition: where the cue holds attention (0.5: at the grating; 0.0: away, opposite on the axis).
CUE = "stimuli[cue].amplitude.center"
OBJECTIVE = {"kind": "squared_error", "area": "V1", "window": (0.7, 1.0), "conditions": {"cue_location": CUE},
             "normalize_to": {"cue_location": 0.0}}
#: McAdams & Maunsell (1999): attended / unattended tuning-curve amplitude in V4.
GAIN = 1.26
N_FEATURES = 8


def hierarchy():
    """The default hierarchy with a sustained cue and a grating at 0.5 (appearing at 300 ms)."""
    from neuroattn.models import cortical_hierarchy, cue
    from neuroattn.spec import Bump, Stimulus

    grating = Stimulus(name="grating", area="V1", amplitude=Bump(peak=1.0, center=0.5, width=0.125), onset="300 ms")
    return cortical_hierarchy(N_FEATURES, stimuli=[cue(0.5, strength=1.0, name="cue"), grating])


def tuning_data(gain: float = GAIN) -> pd.DataFrame:
    """The finding as tuning curves: attend away, a Gaussian of one unit spacing; attend in, `gain` times it."""
    x = np.arange(N_FEATURES) / N_FEATURES
    curve = np.exp(-(x - 0.5) ** 2 / (2 * (1 / N_FEATURES) ** 2))
    rows = [{"cue_location": cue, "unit": u, "rate": g * curve[u]}
            for cue, g in ((0.0, 1.0), (0.5, gain)) for u in range(N_FEATURES)]
    return pd.DataFrame(rows)


def fit_gain(*, generations: int = 15, population: int = 12, local_iterations: int = 15, profile: bool = True,
             store=None, progress: bool = True):
    import neuroattn as na

    return na.fit(hierarchy(), tuning_data(), PARAMS, OBJECTIVE, duration="1 s", dt="1 ms", population=population,
                  generations=generations, local="nelder-mead", local_iterations=local_iterations, profile=profile,
                  store=store, progress=progress)


def model_gain(result) -> tuple[float, float]:
    """The fitted model's attended / unattended response at the peak, and summed over the curve."""
    pred = result.predictions
    attended = pred[pred.cue_location == 0.5].rate.to_numpy()
    away = pred[pred.cue_location == 0.0].rate.to_numpy()
    return float(attended.max() / away.max()), float(attended.sum() / away.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results", help="folder for the fit store and the figure")
    parser.add_argument("--generations", type=int, default=15)
    args = parser.parse_args()
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = fit_gain(generations=args.generations, store=out / "attention_gain.zarr")
    peak, total = model_gain(result)
    print(result)
    print(f"squared error {result.value:.4g} over {result.n_data} points (normalised rates)")
    print(f"attentional gain of the fitted model: {peak:.3f} at the peak, {total:.3f} summed over the curve "
          f"(data: {GAIN:.2f})")
    data, pred = tuning_data(), result.predictions
    x = np.arange(N_FEATURES) / N_FEATURES
    fig, ax = plt.subplots(figsize=(5.5, 4), constrained_layout=True)
    for cue, label, color in ((0.0, "attend away", "C0"), (0.5, "attend in", "C3")):
        d = data[data.cue_location == cue]
        m = pred[pred.cue_location == cue]
        ax.plot(x, d.rate, "o", color=color, label=f"data, {label}")
        ax.plot(x, m.rate_normalized, "-", color=color, label=f"model, {label}")
    ax.set(xlabel="V1 unit's preferred location (grating at 0.5)", ylabel="response / attend-away peak",
           title=f"feedback scale {result.params[SCALE]:.2f}: gain {peak:.2f} (data {GAIN:.2f})")
    ax.legend(frameon=False, fontsize=8)
    path = out / "attention_gain_fit.png"
    fig.savefig(path, dpi=120)
    print(f"-> {path}")


if __name__ == "__main__":
    main()
