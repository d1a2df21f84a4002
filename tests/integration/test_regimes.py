"""classify_regime against linear stability (analysis.jacobian) for uniform seed and lateral models."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.analysis import REGIMES, classify_regime, jacobian


def two_units(model, beta, u0=(0.0, 0.0)):
    comp = ({"model": "seed", "beta": beta, "weights": {"kind": "uniform", "value": -0.5}} if model == "seed"
            else {"model": "lateral", "alpha": 0.5, "beta": beta, "weights": {"kind": "uniform", "value": 0.5}})
    return na.NetworkSpec.from_dict({
        "name": f"{model}-{beta:g}",
        "areas": {"A": {"n": 2, "tau": "10 ms", "transfer": {"kind": "sigmoid", "gain": 4, "threshold": 0.5},
                        "competition": comp, "u0": list(u0)}},
        "stimuli": [{"area": "A", "amplitude": 0.5}]})


@pytest.mark.parametrize("model, betas", [("seed", np.linspace(0.0, 3.0, 13)), ("lateral", np.linspace(0.0, 3.0, 13))])
def test_winner_take_all_exactly_where_the_symmetric_state_is_unstable(model, betas):
    """Symmetric input: the symmetric fixed point (reached from a symmetric start) is linearised; the
    run from a slightly asymmetric start is winner-take-all exactly when a mode there grows."""
    symmetric = na.simulate_batch([two_units(model, b) for b in betas], "2 s", record_every=None, seed=0,
                                  progress=False)
    perturbed = na.simulate_batch([two_units(model, b, u0=(1e-3, 0.0)) for b in betas], "3 s", record_every=20,
                                  record=("r",), seed=0, progress=False)
    labels = classify_regime(perturbed, "A").values
    checked = 0
    for k, beta in enumerate(betas):
        spec = two_units(model, beta)
        state = symmetric.u_final.isel(point=k).values
        assert np.ptp(state) < 1e-9  # the symmetric run stays symmetric
        lam = np.linalg.eigvals(jacobian(spec, state).values).real.max()
        if abs(lam) < 2.0:  # within 2/s of the bifurcation the 3 s run has not settled; skip
            continue
        checked += 1
        expected = "winner-take-all" if lam > 0 else ("coexistence", "quiescent")
        assert labels[k] in np.atleast_1d(expected), (model, beta, lam, labels[k])
    kinds = set(labels)
    assert checked >= 9 and "winner-take-all" in kinds and kinds & {"coexistence", "quiescent"}


def test_excitatory_seed_weights_never_select_a_winner():
    specs = [na.NetworkSpec.from_dict({
        "areas": {"A": {"n": 3, "tau": "10 ms", "transfer": {"kind": "sigmoid", "gain": 4, "threshold": 0.5},
                        "competition": {"model": "seed", "beta": float(b), "weights": {"kind": "uniform", "value": 0.3}},
                        "u0": [0.01, 0.0, -0.01]}},
        "stimuli": [{"area": "A", "amplitude": [0.5, 0.49, 0.48]}]}) for b in np.linspace(0, 4, 9)]
    res = na.simulate_batch(specs, "2 s", record_every=20, record=("r",), seed=0, progress=False)
    assert "winner-take-all" not in set(classify_regime(res, "A").values)


def test_oscillation_and_runaway_are_recognised():
    ei = na.load_spec("""
name: ei
areas:
  E: {n: 2, tau: 10 ms, transfer: {kind: sigmoid, gain: 8, threshold: 0.5}}
  I: {n: 1, tau: 30 ms, transfer: {kind: sigmoid, gain: 8, threshold: 0.5}}
projections:
  - {source: E, target: I, weights: 0.75}
  - {source: I, target: E, weights: -2.0}
  - {source: E, target: E, weights: [[1.5, 0.0], [0.0, 1.5]]}
stimuli:
  - {area: E, amplitude: 0.8}
""")
    res = na.simulate(ei, "2 s", record_every=10, seed=0, progress=False)
    assert str(classify_regime(res, "E").values) == "oscillation"
    with pytest.warns(na.DivergenceWarning):
        run = na.simulate(na.models.seed_competition(beta=3.0), "1 s", record_every=10, progress=False)
    assert str(classify_regime(run).values) == "runaway"
    assert set(REGIMES) == {"quiescent", "coexistence", "winner-take-all", "runaway", "oscillation"}
