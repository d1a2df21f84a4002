"""The attention paradigms on the cortical hierarchy: conditions as specs, run as one batch.

Each paradigm is a set of conditions that differ only in stimulus and cue strengths (an absent
stimulus has strength 0), so all conditions and noise seeds of a paradigm share one network
structure and run as one batched Brian2 network through `neuroattn.simulate_batch`. The result has
a ``point`` dim with ``condition`` and ``seed`` coordinates; `window_rates` averages each condition's
rates over the late part of the stimulus epoch.

==================  ==========================================================================
paradigm            conditions
==================  ==========================================================================
``selective``       cue A / cue B (the cue ends before the stimuli: PFC holds it) and no cue
                    with A or B stronger; two visual stimuli at A and B
``divided``         sustained cue on A, on B, on both, on neither; two visual stimuli
``integrative``     visual at A alone, auditory at A alone, congruent (visual and auditory at A),
                    incongruent (visual at A, auditory at B)
``biased``          a temporal unit's preferred stimulus P, non-preferred N, the pair, and the pair
                    with attention on P or on N (Reynolds, Chelazzi & Desimone 1999)
``salience``        target T cued weakly or strongly, distractor D of high emotional value
                    (amygdala); and a weak cue without the value, as control
==================  ==========================================================================

Examples
--------
>>> from neuroattn import paradigms
>>> res = paradigms.run("selective", seeds=[0, 1])                  # doctest: +SKIP
>>> paradigms.window_rates(res, "PFC").sel(unit=...)                # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import xarray as xr

from neuroattn.exceptions import NeuroAttnError
from neuroattn.models.hierarchy import auditory, cortical_hierarchy, cue, value, visual
from neuroattn.spec import NetworkSpec

#: Locations of the two stimuli (units 2 and 6 of 8).
A, B = 0.25, 0.75
#: Stimuli come on here; the analysis window is the last `WINDOW` of the trial.
STIMULUS_ONSET = "300 ms"
DURATION = "1 s"
WINDOW = (0.7, 1.0)
#: Input noise (OU, 10 ms) on every visual and auditory stimulus.
NOISE = 0.05


@dataclass(frozen=True)
class Paradigm:
    """A paradigm: a trial template (stimuli with placeholder strengths) and its conditions."""

    name: str
    description: str
    stimuli: Callable[[], list]  # the stimuli, in a fixed order
    conditions: dict  # condition -> strength of each stimulus, in that order
    locations: dict  # named locations of the paradigm (for analysis)


def _sensory(make, location, onset=STIMULUS_ONSET, name=None):
    return make(location, 1.0, onset=onset, noise=NOISE, name=name)


PARADIGMS = {
    "selective": Paradigm(
        "selective", "two visual stimuli; a cue at one of them ends before they appear, or no cue",
        lambda: [cue(A, onset="0 ms", offset="200 ms", name="cue_A"),
                 cue(B, onset="0 ms", offset="200 ms", name="cue_B"),
                 _sensory(visual, A, name="stim_A"), _sensory(visual, B, name="stim_B")],
        {"cue A": (1.0, 0.0, 1.0, 1.0), "cue B": (0.0, 1.0, 1.0, 1.0),
         "no cue, A stronger": (0.0, 0.0, 1.2, 1.0), "no cue, B stronger": (0.0, 0.0, 1.0, 1.2)},
        {"A": A, "B": B}),
    "divided": Paradigm(
        "divided", "two visual stimuli under a sustained cue at one, both or neither",
        lambda: [cue(A, name="cue_A"), cue(B, name="cue_B"),
                 _sensory(visual, A, name="stim_A"), _sensory(visual, B, name="stim_B")],
        {"attend A": (1.0, 0.0, 1.0, 1.0), "attend B": (0.0, 1.0, 1.0, 1.0),
         "attend both": (1.0, 1.0, 1.0, 1.0), "attend neither": (0.0, 0.0, 1.0, 1.0)},
        {"A": A, "B": B}),
    "integrative": Paradigm(
        "integrative", "visual and auditory stimuli at the same (congruent) or different locations",
        lambda: [_sensory(visual, A, name="visual_A"), _sensory(auditory, A, name="auditory_A"),
                 _sensory(auditory, B, name="auditory_B")],
        {"visual": (1.0, 0.0, 0.0), "auditory": (0.0, 1.0, 0.0), "auditory B": (0.0, 0.0, 1.0),
         "congruent": (1.0, 1.0, 0.0), "incongruent": (1.0, 0.0, 1.0)},
        {"A": A, "B": B}),
    "biased": Paradigm(
        "biased", "a temporal unit's preferred (P) and non-preferred (N) stimulus, alone, paired, attended",
        lambda: [_sensory(visual, A, name="stim_P"), _sensory(visual, A + 0.25, name="stim_N"),
                 cue(A, name="cue_P"), cue(A + 0.25, name="cue_N")],
        {"P": (1.0, 0.0, 0.0, 0.0), "N": (0.0, 1.0, 0.0, 0.0), "pair": (1.0, 1.0, 0.0, 0.0),
         "pair, attend P": (1.0, 1.0, 1.0, 0.0), "pair, attend N": (1.0, 1.0, 0.0, 1.0)},
        {"P": A, "N": A + 0.25}),
    "salience": Paradigm(
        "salience", "a cued target against a distractor of high emotional value (amygdala)",
        lambda: [cue(A, name="cue_T"), _sensory(visual, A, name="target"), _sensory(visual, B, name="distractor"),
                 value(B, 1.0, name="value_D")],
        {"weak cue": (0.15, 1.0, 1.0, 0.6), "strong cue": (1.0, 1.0, 1.0, 0.6),
         "weak cue, no value": (0.15, 1.0, 1.0, 0.0)},
        {"T": A, "D": B}),
}


def _with_strength(stim, strength: float):
    """The stimulus at `strength` times its peak; an absent one (0) brings no noise either."""
    amp = stim.amplitude
    changes = {"amplitude": amp.replace(peak=amp.peak * strength)}
    if strength == 0 and stim.noise is not None:
        changes["noise"] = stim.noise.replace(sigma=0.0)
    return stim.replace(**changes)


def condition_specs(paradigm: str, spec: Optional[NetworkSpec] = None) -> tuple[list[str], list[NetworkSpec]]:
    """(condition names, one spec per condition) for `paradigm` on `spec` (default the hierarchy)."""
    if paradigm not in PARADIGMS:
        raise NeuroAttnError(f"paradigm: no paradigm {paradigm!r} (known: {', '.join(PARADIGMS)})")
    p = PARADIGMS[paradigm]
    base = cortical_hierarchy() if spec is None else spec
    stimuli = p.stimuli()
    names, specs = [], []
    for condition, strengths in p.conditions.items():
        trial = [_with_strength(s, k) for s, k in zip(stimuli, strengths)]
        specs.append(NetworkSpec(name=f"{base.name} / {paradigm} / {condition}", description=p.description,
                                 areas=base.areas, projections=base.projections, stimuli=trial))
        names.append(condition)
    return names, specs


def run(paradigm: str, spec: Optional[NetworkSpec] = None, *, seeds: Sequence[int] = (0, 1, 2),
        duration=DURATION, record_every="1 ms", **kwargs) -> xr.Dataset:
    """Run every condition of `paradigm` with every seed as one batch.

    Parameters
    ----------
    spec : the hierarchy to use (default `cortical_hierarchy()`); its stimuli are replaced.
    seeds : noise seeds; each condition runs once per seed.
    kwargs : passed on to `neuroattn.simulate_batch` (``dt``, ``target`` …).

    Returns
    -------
    Dataset with dims ``point``, ``time``, ``unit``; ``point`` has ``condition`` and ``seed``
    coordinates; ``attrs['paradigm']`` names the paradigm.
    """
    from neuroattn.engine import simulate_batch

    names, specs = condition_specs(paradigm, spec)
    seeds = [int(s) for s in seeds]
    points = [(c, s) for c in range(len(names)) for s in seeds]
    res = simulate_batch([specs[c] for c, _ in points], duration, seed=[s for _, s in points],
                         record_every=record_every, point_coords={"condition": [names[c] for c, _ in points]},
                         **kwargs)
    if "seed" not in res.coords:
        res = res.assign_coords(seed=("point", [s for _, s in points]))
    p = PARADIGMS[paradigm]
    res.attrs.update(paradigm=paradigm, description=p.description,
                     locations=", ".join(f"{k}={v:g}" for k, v in p.locations.items()))
    return res


def window_rates(result: xr.Dataset, area: str, window: Sequence[float] = WINDOW) -> xr.DataArray:
    """Rates of `area` averaged over `window` (seconds), per point; dims (point, unit)."""
    from neuroattn.analysis import area_rates

    return area_rates(result, area, window=window)


def at(rates: xr.DataArray, location: float) -> xr.DataArray:
    """The unit whose preferred feature is closest to `location` (on the periodic [0, 1) axis)."""
    d = np.abs(((rates.feature.values - location) + 0.5) % 1.0 - 0.5)
    return rates.isel(unit=int(np.argmin(d)))


def by_condition(values: xr.DataArray, *, reduce: str = "mean") -> xr.DataArray:
    """Group a per-point array by condition (mean, min or max over seeds)."""
    return getattr(values.groupby("condition"), reduce)()


__all__ = ["PARADIGMS", "Paradigm", "condition_specs", "run", "window_rates", "at", "by_condition", "A", "B"]
