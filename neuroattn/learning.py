"""Attention drives learning: repeated cued trials in the cortical hierarchy with attention-gated plasticity.

Training: the attended stimulus at A (0.25) is shown together with a distractor, again and again
(200 ms on, 100 ms off), while a sustained cue holds the attentional template at A in PFC. The
distractor appears at one of the other locations in each trial, at random (B = 0.75 among them), so
the attended pathway is active in every trial and each distractor pathway in a few. Every feedforward
projection learns with the attention-gated rule in its normalised form,
``dw_ij/dt = rate * g_i * y_i * (x_j - y_i * w_ij)``, with the gate ``g`` the PFC rate at the post
unit's location (`neuroattn.spec.plasticity`): weights onto an attended unit move toward the
average of their inputs over the attended trials, and weights onto unattended units do not change.
Only synapses onto the attended location see a gate, so only the attended pathway strengthens,
although both stimuli drive V1 equally; the synapses from a distractor's V1 units onto the attended
parietal unit move toward that distractor's average input, which is present in few trials, so
they stay weak. (Plain gated Hebb, without ``normalize``, grows those too, without limit but the
bound.)

Test: before and after training (`learned_spec`, plasticity off, no cue), one stimulus at a time at
every location; the tuning curves show the response of parietal (and PFC) to each location alone.

Examples
--------
>>> from neuroattn import learning
>>> trained, tuning = learning.run(train="20 s")                        # doctest: +SKIP
>>> learning.summary(trained, tuning)                                   # doctest: +SKIP
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import xarray as xr

from neuroattn.models.hierarchy import cortical_hierarchy, cue, visual
from neuroattn.results.learned import learned_spec
from neuroattn.spec import NetworkSpec, Stimulus
from neuroattn.spec.stimulus import Bump

#: The attended (cued) and the unattended location.
A, B = 0.25, 0.75
#: The rule on every feedforward projection.
RULE = {"rule": "gated", "rate": 2.0, "normalize": True, "w_min": 0.0, "w_max": 2.0,
        "gate": {"area": "PFC", "map": "features"}}
#: Window (seconds) of the test trials in which responses are averaged.
TEST_WINDOW = (0.3, 0.5)


def training_spec(n_features: int = 8, rule: dict = RULE, contrast: float = 1.0) -> NetworkSpec:
    """The hierarchy with `rule` on its feedforward projections, trained with repeated two-stimulus trials."""
    base = cortical_hierarchy(n_features, feedforward_plasticity=rule)
    x = base.areas["V1"].feature_values()
    period = base.areas["V1"].features.period
    def bump(c):
        return Bump(peak=contrast, center=c, width=0.05).values(x, period)

    distractors = [c for c in x if min(abs(c - A), 1 - abs(c - A)) > 1.5 / n_features]
    pairs = [(bump(A) + bump(d)).tolist() for d in distractors]
    trials = Stimulus(name="pairs", area="V1", patterns=pairs,
                      presentation={"duration": "200 ms", "gap": "100 ms", "order": "random", "seed": 1})
    return base.replace(stimuli=[cue(A, name="cue").model_dump(mode="json"), trials.model_dump(mode="json")])


def tuning_specs(spec: NetworkSpec, locations: Sequence[float]) -> list[NetworkSpec]:
    """`spec` without plasticity or cue, with one visual stimulus at each of `locations`."""
    frozen = {f"projections[{p.name}].plasticity": None for p in spec.projections if p.plasticity is not None}
    plain = spec.replace(frozen) if frozen else spec
    return [plain.replace(stimuli=[visual(x, onset="100 ms").model_dump(mode="json")]) for x in locations]


def run(train="20 s", *, n_features: int = 8, dt="0.1 ms", record_weights_every="100 ms", seed: int = 0,
        progress=None, **kwargs) -> tuple[xr.Dataset, xr.Dataset]:
    """Train, then test before and after; returns (training result, tuning result).

    The tuning result has points ``phase`` (before, after) x ``location``, traces of ``r``.
    """
    from neuroattn import simulate, simulate_batch

    spec = training_spec(n_features)
    trained = simulate(spec, train, dt=dt, seed=seed, record_every="10 ms", record=["r"],
                       record_weights_every=record_weights_every, progress=progress, **kwargs)
    after = learned_spec(spec, trained)
    locations = spec.areas["V1"].feature_values()
    specs = tuning_specs(spec, locations) + tuning_specs(after, locations)
    tuning = simulate_batch(specs, "500 ms", dt=dt, seed=seed, record_every="5 ms", record=["r"], progress=False,
                            point_coords={"phase": ["before"] * len(locations) + ["after"] * len(locations),
                                          "location": np.concatenate([locations, locations])})
    tuning.attrs["spec"] = trained.attrs["spec"]
    return trained, tuning


def responses(tuning: xr.Dataset, area: str = "parietal") -> xr.DataArray:
    """The response of `area`'s unit at each stimulus location (mean over `TEST_WINDOW`), (phase, location)."""
    from neuroattn.analysis import area_rates

    rates = area_rates(tuning, area, window=TEST_WINDOW)
    at_stimulus = [float(rates.isel(point=k).sel(unit=rates.feature == float(tuning.location[k])).values[0])
                   for k in range(tuning.sizes["point"])]
    out = xr.DataArray(at_stimulus, dims="point", coords={"phase": tuning.phase, "location": tuning.location})
    return out.set_index(point=["phase", "location"]).unstack("point").rename(f"{area}_response")


def pathway_weights(trained: xr.Dataset, connection: str = "V1_to_parietal", final: bool = True) -> dict:
    """The weight from the V1 unit at A onto the parietal unit at A, and the same at B."""
    var = f"w_{connection}_final" if final else f"w_{connection}"
    w = trained[var]
    x = trained.feature.values[(trained.area == "V1").values]
    ia, ib = int(np.argmin(np.abs(x - A))), int(np.argmin(np.abs(x - B)))
    post, pre = w.dims[-2], w.dims[-1]
    return {"A": w.isel({post: ia, pre: ia}), "B": w.isel({post: ib, pre: ib})}


def summary(trained: xr.Dataset, tuning: xr.Dataset) -> str:
    """A table: the A and B pathways' weights and responses before and after training."""
    w0 = pathway_weights(trained, final=False) if "w_V1_to_parietal" in trained else None
    w1 = pathway_weights(trained)
    resp = {area: responses(tuning, area) for area in ("parietal", "PFC")}
    rows = [f"{'':28s}{'A (attended)':>14s}{'B (unattended)':>16s}"]
    if w0 is not None:
        rows.append(f"{'V1->parietal weight, before':28s}{float(w0['A'][0]):14.3f}{float(w0['B'][0]):16.3f}")
    rows.append(f"{'V1->parietal weight, after':28s}{float(w1['A']):14.3f}{float(w1['B']):16.3f}")
    for area, r in resp.items():
        for phase in ("before", "after"):
            values = [float(r.sel(phase=phase).sel(location=x, method="nearest")) for x in (A, B)]
            rows.append(f"{area + ' response, ' + phase:28s}{values[0]:14.3f}{values[1]:16.3f}")
    return "\n".join(rows)


__all__ = ["A", "B", "RULE", "training_spec", "tuning_specs", "run", "responses", "pathway_weights", "summary"]
