"""Draws ``hierarchy_trial.png`` (the figure of the README and the documentation's front page).

Run from anywhere: ``python docs/_static/make_figure.py``.
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import neuroattn as na  # noqa: E402
from neuroattn.plotting import save_figure, traces  # noqa: E402

trial = na.simulate(na.load_spec("cortical_hierarchy"), "1 s", record_every=10, seed=0, progress=False)
fig = traces(trial, ["V1", "parietal", "PFC"],
             title="a cue at 0.25, then equal stimuli at 0.25 and 0.75: the cued one wins")
fig.set_size_inches(7.5, 5.0)
save_figure(fig, Path(__file__).with_name("hierarchy_trial.png"), dpi=90)
