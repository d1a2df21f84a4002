"""Attention reorganises a pathway: the whole chain from selection to better discrimination.

Training (as in `neuroattn.learning`): a sustained cue holds PFC's attentional template at A (0.25)
while A and a distractor at a random other location are shown again and again (200 ms on, 100 ms
off). The V1 -> parietal projection learns with the attention-gated, normalised rule (gate: PFC) and
has structural plasticity: a synapse whose weight stays below ``prune_below`` for ``prune_after`` is
pruned. Parietal has 8 reserve units, one per location (parents spread over the area), silent until
the attended drive at their location (their state ``u`` times PFC's rate there) stays above
``above`` for ``duration``. The chain, measured:

1. attention selects: PFC holds A;
2. synapses strengthen: the weight V1(A) -> parietal(A) grows; V1(B) -> parietal(B) does not move;
3. pathways reorganise: the weak synapses onto unattended parietal units, which no gate ever
   strengthens, are pruned;
4. new units are recruited: the reserve unit at A (and only there) becomes active and learns;
5. processing improves: d′ between A and a stimulus half a unit spacing away (A + 1/16) rises, while
   the same pair at the untrained control location B does not improve.

Discrimination test (before and after training; `learned_spec` for after, plasticity off, no cue):
single noisy visual stimuli (OU noise on the V1 input and on parietal, sigma `NOISE`), `n_trials`
trials per stimulus as the points of one batch; d′ (`neuroattn.analysis.d_prime`) of the response,
averaged over `TEST_WINDOW`, of the parietal units tuned to the pair (`local_units`: within one unit
spacing of the pair's midpoint, reserve units included). The local readout is what a downstream
area reading that location sees; it leaves out the attended unit's learned cross-talk from the
distractor locations (the weights onto A from distractors grow to roughly the fraction of trials a
distractor was shown in), which would otherwise lend the control pair a unit tuned elsewhere.

Examples
--------
>>> from neuroattn import reorganisation
>>> trained, test = reorganisation.run(train="6 s", seed=0)          # doctest: +SKIP
>>> print(reorganisation.summary(trained, test))                    # doctest: +SKIP
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import xarray as xr

from neuroattn import learning
from neuroattn.models.hierarchy import visual
from neuroattn.results.learned import learned_spec
from neuroattn.spec import NetworkSpec

#: The trained (attended) location and the untrained control.
A, B = learning.A, learning.B
#: The plastic pathway.
CONNECTION = "V1->parietal"
#: Its rule: attention-gated Oja (`neuroattn.spec.plasticity.Gated`).
RULE = {"rule": "gated", "rate": 2.0, "normalize": True, "w_min": 0.0, "w_max": 0.8,
        "gate": {"area": "PFC", "map": "features"}}
#: Its structural plasticity: pruning only.
STRUCTURAL = {"every": "100 ms", "prune_below": 0.02, "prune_after": "2 s"}
#: Parietal's reserve units: one per location, recruited by sustained attended drive.
RESERVE = {"n": 8, "recruit_when": {"area": "PFC", "above": 0.8, "duration": "100 ms"}}
#: OU noise (sigma, dimensionless like the input) on the test stimuli and on parietal.
NOISE = 0.3
#: Window (seconds) of a test trial over which responses are averaged.
TEST_WINDOW = (0.2, 0.4)


def training_spec(n_features: int = 8, *, rule: dict = RULE, structural: Optional[dict] = STRUCTURAL,
                  reserve: Optional[dict] = RESERVE, order_seed: int = 1) -> NetworkSpec:
    """The hierarchy trained with cued two-stimulus trials (`learning.training_spec`), with `rule` and
    `structural` on V1 -> parietal and `reserve` units in parietal; `order_seed` orders the distractors."""
    spec = learning.training_spec(n_features, rule=None)
    return spec.replace({f"projections[{CONNECTION}].plasticity": rule,
                         f"projections[{CONNECTION}].structural": structural,
                         "areas.parietal.reserve": reserve,
                         "stimuli[1].presentation.seed": order_seed})


def untrained(spec: NetworkSpec) -> NetworkSpec:
    """`spec` as it is before training, with no plasticity, structural change or recruitment."""
    changes = {f"projections[{p.name}].structural": None for p in spec.projections if p.structural is not None}
    changes.update({f"areas.{name}.reserve.recruit_when": None for name, a in spec.areas.items()
                    if a.reserve is not None})
    changes.update({f"projections[{p.name}].plasticity": None for p in spec.projections if p.plasticity is not None})
    return spec.replace(changes)


def pairs(n_features: int) -> dict[str, tuple[float, float]]:
    """The two stimulus pairs: at the trained location and at the control, half a unit spacing apart."""
    delta = 0.5 / n_features
    return {"trained": (A, A + delta), "control": (B, B + delta)}


def test_specs(spec: NetworkSpec, n_trials: int) -> tuple[list[NetworkSpec], dict]:
    """`spec` with one noisy stimulus per trial, `n_trials` per stimulus of each pair; and the points'
    coordinates (``pair``, ``stimulus``: 0 or 1 within the pair, ``location``, ``trial``)."""
    specs, coords = [], {"pair": [], "stimulus": [], "location": [], "trial": []}
    n_features = spec.areas["V1"].n
    for pair, locations in pairs(n_features).items():
        for k, x in enumerate(locations):
            stimuli = [visual(x, onset="100 ms", noise=NOISE).model_dump(mode="json"),
                       {"area": "parietal", "amplitude": 0.0, "noise": {"sigma": NOISE, "tau": "10 ms"}}]
            specs += [spec.replace(stimuli=stimuli)] * n_trials
            coords["pair"] += [pair] * n_trials
            coords["stimulus"] += [k] * n_trials
            coords["location"] += [x] * n_trials
            coords["trial"] += list(range(n_trials))
    return specs, coords


def run(train="6 s", *, n_features: int = 8, n_trials: int = 40, seed: int = 0, dt="0.1 ms",
        progress=None, **kwargs) -> tuple[xr.Dataset, xr.Dataset]:
    """Train, then test discrimination before and after; returns (training result, test result).

    `seed` sets the distractors' order in training and the noise of the test trials. The test
    result has points ``phase`` (before, after) x ``pair`` x ``stimulus`` x ``trial``, traces of ``r``.
    """
    from neuroattn import simulate, simulate_batch

    spec = training_spec(n_features, order_seed=seed + 1)
    trained = simulate(spec, train, dt=dt, seed=seed, record_every="10 ms", record=["r"],
                       record_weights_every="100 ms", progress=progress, **kwargs)
    phases = []
    for phase, network in (("before", untrained(spec)), ("after", learned_spec(spec, trained))):
        specs, coords = test_specs(network, n_trials)
        seeds = [seed * 100_003 + k for k in range(len(specs))]  # the same noise before and after
        phases.append(simulate_batch(specs, "400 ms", dt=dt, seed=seeds, record_every="5 ms", record=["r"],
                                     progress=False, point_coords={"phase": [phase] * len(specs), **coords}))
    test = xr.concat(phases, dim="point")
    test.attrs["spec"] = trained.attrs["spec"]
    return trained, test


def responses(test: xr.Dataset, area: str = "parietal") -> xr.DataArray:
    """Each test trial's response of `area` (every unit, reserve units included), over `TEST_WINDOW`."""
    from neuroattn.analysis import area_rates

    return area_rates(test, area, window=TEST_WINDOW)


def local_units(test: xr.Dataset, pair: str, area: str = "parietal") -> np.ndarray:
    """Which units of `area` read a pair out: those whose preferred feature lies within one unit spacing
    of the pair's midpoint (reserve units included), boolean over the area's units."""
    rates = responses(test, area)
    feature = rates.feature.values
    n_features = int((test.area == "V1").sum())
    a, b = pairs(n_features)[pair]
    distance = np.abs(feature - 0.5 * (a + b))
    return np.minimum(distance, 1.0 - distance) <= 1.0 / n_features + 1e-12


def discrimination(test: xr.Dataset, area: str = "parietal", *, error: bool = False) -> xr.DataArray:
    """d′ between the two stimuli of each pair, before and after training: dims (phase, pair).

    The readout is the local population (`local_units`): the units tuned to the pair, as a downstream
    area reading that location would see them. With ``error=True``, the standard error of each d′
    (`neuroattn.analysis.d_prime_error`) instead.
    """
    from neuroattn.analysis import d_prime, d_prime_error

    rates = responses(test, area)
    phases, names = ["before", "after"], ["trained", "control"]
    out = np.empty((2, 2))
    for j, pair in enumerate(names):
        keep = local_units(test, pair, area)
        for i, phase in enumerate(phases):
            def of(k):
                sel = (test.phase == phase) & (test.pair == pair) & (test.stimulus == k)
                return xr.DataArray(rates.values[np.flatnonzero(sel.values)][:, keep], dims=("trial", "unit"))
            a, b = of(0), of(1)
            out[i, j] = d_prime(a, b)
            if error:
                out[i, j] = d_prime_error(out[i, j], a.sizes["trial"], b.sizes["trial"])
    what = "standard error of d′" if error else "d′"
    return xr.DataArray(out, dims=("phase", "pair"), coords={"phase": phases, "pair": names},
                        name="d_prime_error" if error else "d_prime",
                        attrs={"long_name": f"{what} of {area}'s units tuned to the pair", "units": "1"})


def improvement(test: xr.Dataset) -> xr.DataArray:
    """Per pair: (d′ after - d′ before) / its standard error (both estimates' errors combined); above 2
    is an improvement beyond the trial-to-trial noise of the estimate."""
    d, se = discrimination(test), discrimination(test, error=True)
    gain = d.sel(phase="after") - d.sel(phase="before")
    return (gain / np.hypot(se.sel(phase="after"), se.sel(phase="before"))).rename("improvement")


def pathway(trained: xr.Dataset, final: bool = False) -> dict[str, xr.DataArray]:
    """The weights V1 -> parietal at A (attended) and at B (unattended), over time or at the end."""
    return learning.pathway_weights(trained, "V1_to_parietal", final=final)


def summary(trained: xr.Dataset, test: xr.Dataset) -> str:
    """A table of the chain: weights, synapses, recruited units, d′ before and after."""
    w = pathway(trained)
    count = trained["n_synapses_V1_to_parietal"]
    when = trained["recruit_time_parietal"]
    got = np.flatnonzero(np.isfinite(when.values))
    recruited = ", ".join(f"{float(trained.reserve_feature_parietal[q]):g} at {float(when[q]):.2f} s" for q in got)
    d, z = discrimination(test), improvement(test)
    rows = [f"{'':34s}{'before':>10s}{'after':>10s}",
            f"{'V1->parietal weight at A (attended)':34s}{float(w['A'][0]):10.3f}{float(w['A'][-1]):10.3f}",
            f"{'V1->parietal weight at B':34s}{float(w['B'][0]):10.3f}{float(w['B'][-1]):10.3f}",
            f"{'V1->parietal synapses':34s}{int(count[0]):10d}{int(count[-1]):10d}",
            f"{'d′ trained pair (A, A+δ)':34s}{float(d.sel(phase='before', pair='trained')):10.2f}"
            f"{float(d.sel(phase='after', pair='trained')):10.2f}",
            f"{'d′ control pair (B, B+δ)':34s}{float(d.sel(phase='before', pair='control')):10.2f}"
            f"{float(d.sel(phase='after', pair='control')):10.2f}",
            f"{'d′ change / its standard error':34s}{'trained':>10s}{'control':>10s}",
            f"{'':34s}{float(z.sel(pair='trained')):10.1f}{float(z.sel(pair='control')):10.1f}",
            f"reserve units recruited (location at time): {recruited or 'none'}"]
    return "\n".join(rows)


__all__ = ["A", "B", "CONNECTION", "RULE", "STRUCTURAL", "RESERVE", "NOISE", "TEST_WINDOW", "training_spec",
           "untrained", "pairs", "test_specs", "run", "responses", "local_units", "discrimination", "improvement",
           "pathway", "summary"]
