"""A new competition model, defined entirely in this file, runs everywhere a built-in one does.

The model is shunting inhibition (Grossberg): ``tau du_i/dt = -u_i + I_i (1 - r_i) - beta r_i sum_{j!=i} w_ij r_j``.
It is registered here in a few lines (its Brian2 code and constants; numpy and the Jacobian are
derived from the equation), and checked against a hand-written numpy Euler loop of the same equation.
"""
from typing import Literal

import numpy as np
import pytest

import neuroattn as na
from neuroattn.analysis import fixed_points, jacobian
from neuroattn.spec import COMPETITIONS, CompetitionModel
from neuroattn.spec.weights import Uniform, WeightPattern


@COMPETITIONS.register
class Shunting(CompetitionModel):
    """Shunting inhibition: ``g = I*(1 - r) - beta*r*rec``."""

    model: Literal["shunting_test"] = "shunting_test"
    beta: float = 1.0
    weights: WeightPattern = Uniform(value=1.0)

    equation = "I*(1 - r) - beta*r*rec"
    constants = ("beta",)


TAU, DT, N = 0.01, 1e-4, 4
AMPS = np.array([1.0, 0.9, 0.85, 0.5])


def spec(beta=2.0):
    return na.load_spec({"name": "shunting", "areas": {"A": {
        "n": N, "tau": "10 ms", "transfer": {"kind": "sigmoid", "gain": 4, "threshold": 0.5},
        "competition": {"model": "shunting_test", "beta": beta, "weights": 0.7}}},
        "stimuli": [{"area": "A", "amplitude": AMPS.tolist()}]})


def g(u, beta):
    """The model's right-hand side, written out by hand (not from the code under test)."""
    r = 1 / (1 + np.exp(-4 * (u - 0.5)))
    W = np.full((N, N), 0.7) - np.diag(np.full(N, 0.7))
    return (-u + AMPS * (1 - r) - beta * r * (W @ r)) / TAU


def reference(beta, n_steps):
    u = np.zeros(N)
    for _ in range(n_steps):
        u = u + DT * g(u, beta)
    return u


def test_the_model_is_a_spec_kind_like_the_built_ins():
    s = spec()
    assert isinstance(s.areas["A"].competition, Shunting)
    assert na.load_spec(na.dump_spec(s)) == s
    assert s.replace({"areas.A.competition.beta": 3.0}).areas["A"].competition.beta == 3.0
    with pytest.raises(na.SpecError, match=r"areas\.A\.competition\.beta: must be a number"):
        na.load_spec({"areas": {"A": {"n": 2, "tau": "1 ms", "competition": {"model": "shunting_test",
                                                                             "beta": "x"}}}})


def test_simulate_and_simulate_batch_agree_with_numpy():
    res = na.simulate(spec(), "100 ms", dt="0.1 ms", record_every=None, seed=0, progress=False)
    np.testing.assert_allclose(res.u_final.values, reference(2.0, 1000), rtol=0, atol=1e-9)
    betas = [0.5, 2.0, 6.0]
    batch = na.simulate_batch([spec(b) for b in betas], "100 ms", record_every=None, seed=0, progress=False)
    for k, b in enumerate(betas):
        np.testing.assert_allclose(batch.u_final.values[k], reference(b, 1000), rtol=0, atol=1e-9)


def test_sweep_agrees_with_numpy():
    betas = np.array([0.0, 1.0, 4.0])
    ds = na.sweep(spec(), {"areas.A.competition.beta": betas}, "50 ms", progress=False, chunk_size=2)
    for k, b in enumerate(betas):
        np.testing.assert_allclose(ds.u_final.values[k], reference(b, 500), rtol=0, atol=1e-9)


def test_fixed_points_and_jacobian_match_the_hand_written_equation():
    fp = fixed_points(spec())
    assert fp.sizes["fixed_point"] >= 1
    for u in fp.u.values:
        assert np.max(np.abs(g(u, 2.0))) < 1e-6
        eps = 1e-6
        numeric = np.array([(g(u + eps * e, 2.0) - g(u - eps * e, 2.0)) / (2 * eps) for e in np.eye(N)]).T
        np.testing.assert_allclose(jacobian(spec(), u).values, numeric, rtol=1e-6, atol=1e-4)
    settled = reference(2.0, 20000)  # 2 s: the run settles on a stable fixed point the analysis found
    stable = fp.u.values[fp.stable.values]
    assert min(np.max(np.abs(settled - u)) for u in stable) < 1e-6
