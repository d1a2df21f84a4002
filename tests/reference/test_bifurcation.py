"""Bifurcation diagrams and phase planes against closed forms.

The E-I network of Dayan & Abbott (Theoretical Neuroscience, section 7.5): with threshold-linear
rates, tau_E dv_E/dt = -v_E + [1.25 v_E - v_I + 10]_+, tau_I dv_I/dt = -v_I + [v_E - 10]_+. Where both
are active the fixed point is v_E = 20/0.75 = 26.67 Hz, v_I = 16.67 Hz, and the Jacobian
[[0.25/tau_E, -1/tau_E], [1/tau_I, -1/tau_I]] has determinant 0.75/(tau_E tau_I) > 0 and trace
0.25/tau_E - 1/tau_I: a Hopf bifurcation at tau_I = 4 tau_E = 40 ms, at the frequency
sqrt(det)/(2 pi) = sqrt(0.75/(10 ms * 40 ms))/(2 pi) = 6.89 Hz.
"""
import warnings

import numpy as np
import pytest
from scipy.optimize import brentq

import neuroattn as na
from neuroattn.analysis import bifurcation, classify_regime, fixed_points, phase_plane

EI = """
name: dayan-abbott-ei
areas:
  E: {n: 1, tau: 10 ms, transfer: relu, baseline: 10}
  I: {n: 1, tau: %s, transfer: relu, baseline: -10}
projections:
  - {source: E, target: E, weights: 1.25}
  - {source: I, target: E, weights: -1.0}
  - {source: E, target: I, weights: 1.0}
"""


def test_the_ei_network_has_its_hopf_point_at_four_times_tau_e():
    spec = na.load_spec(EI % "30 ms")
    bif = bifurcation(spec, "areas.I.tau", [f"{v:g} ms" for v in np.linspace(20, 60, 20)])
    tau_I = bif["areas.I.tau"]
    assert tau_I.attrs["units"] == "s" and tau_I.values[0] == pytest.approx(0.02)
    hopf = bif.bifurcation_value.values[bif.bifurcation_kind.values == "hopf"]
    assert len(hopf) == 1 and hopf[0] == pytest.approx(4 * 0.010, rel=1e-2)
    freq = float(bif.bifurcation_frequency.values[bif.bifurcation_kind.values == "hopf"][0])
    assert freq == pytest.approx(np.sqrt(0.75 / (0.010 * 0.040)) / (2 * np.pi), rel=1e-2)
    assert bif.sizes["branch"] == 1
    np.testing.assert_allclose(bif.u.isel(branch=0).values, np.tile([80 / 3, 50 / 3], (20, 1)), rtol=1e-9)
    np.testing.assert_array_equal(bif.stable.isel(branch=0).values, tau_I.values < 0.040)
    assert bif.bifurcation_value.attrs["units"] == "s" and bif.eig_real.attrs["units"] == "1/s"


def test_simulations_on_either_side_of_the_hopf_point_settle_or_oscillate():
    specs = [na.load_spec(EI % t) for t in ("30 ms", "60 ms")]
    res = na.simulate_batch(specs, "3 s", record_every=20, seed=0, progress=False)
    assert classify_regime(res, "E").values.tolist() == ["coexistence", "oscillation"]


def sigmoid_pair(beta, I=0.4, w=-0.5, gain=4.0, threshold=0.5):
    return na.NetworkSpec.from_dict({
        "name": "pair", "areas": {"A": {"n": 2, "tau": "10 ms",
                                        "transfer": {"kind": "sigmoid", "gain": gain, "threshold": threshold},
                                        "competition": {"model": "seed", "beta": beta,
                                                        "weights": {"kind": "uniform", "value": w}}}},
        "stimuli": [{"area": "A", "amplitude": I}]})


def test_the_seed_models_winner_take_all_edges_match_the_closed_form():
    """Seed model, n units, uniform w, include_self, sigmoid f, equal input I. The symmetric state solves
    u = I + w (n - 1 - beta n) f(u); its difference modes have tau lambda = -1 - w (1 + beta n) f'(u).
    At lambda = 0, beta n = -1/(w f'(u)) - 1, and substituting gives one equation in u alone,
    u = I + n w f(u) + f(u)/f'(u), whose roots (brentq) are the two edges of the winner-take-all window."""
    I, w, gain, threshold, n = 0.4, -0.5, 4.0, 0.5, 2
    f = lambda u: 1 / (1 + np.exp(-gain * (u - threshold)))
    fp = lambda u: gain * f(u) * (1 - f(u))
    h = lambda u: I + n * w * f(u) + f(u) / fp(u) - u
    grid = np.linspace(-2, 3, 5001)
    roots = [brentq(h, a, b) for a, b, ha, hb in zip(grid[:-1], grid[1:], h(grid[:-1]), h(grid[1:])) if ha * hb < 0]
    edges = sorted((-1 / (w * fp(u)) - 1) / n for u in roots)
    assert len(edges) == 2
    betas = np.linspace(0, 2, 41)
    bif = bifurcation(sigmoid_pair(0.0), "areas.A.competition.beta", betas)
    found = np.sort(bif.bifurcation_value.values[bif.bifurcation_kind.values == "branch point"])
    symmetric = int(np.argmax(np.isfinite(bif.u.isel(unit=0)).all("areas.A.competition.beta").values))
    on_symmetric = np.sort(bif.bifurcation_value.values[bif.bifurcation_branch.values == symmetric])
    np.testing.assert_allclose(on_symmetric, edges, rtol=1e-2)
    assert set(np.round(found, 6)) == set(np.round(on_symmetric, 6))
    # between the edges the symmetric state is unstable and two stable winner branches exist
    inside = (betas > edges[0] + 0.05) & (betas < edges[1] - 0.05)
    stable = bif.stable.values
    assert not stable[symmetric, inside].any() and stable[symmetric, ~inside & ((betas < edges[0]) | (betas > edges[1]))].all()
    winners = [b for b in range(bif.sizes["branch"]) if b != symmetric and stable[b, inside].all()]
    assert len(winners) == 2
    u = bif.u.values[winners][:, inside]
    assert np.all(np.abs(u[..., 0] - u[..., 1]) > 0.1)  # asymmetric: one unit wins
    # the winner branches outlive the upper edge (a subcritical split) and end in folds, where
    # the winners disappear: fixed_points finds three stable states just below, one just above
    folds = bif.bifurcation_value.values[bif.bifurcation_kind.values == "fold"]
    assert len(folds) >= 2 and np.ptp(folds) < 1e-6 and folds[0] > edges[1]
    below = fixed_points(sigmoid_pair(folds[0] * 0.995))
    above = fixed_points(sigmoid_pair(folds[0] * 1.005))
    assert int(below.stable.sum()) == 3 and int(above.stable.sum()) == 1


def test_relu_seed_symmetric_state_splits_at_the_linear_threshold():
    """ReLU, all units active: difference modes grow where -1 - w - beta n w > 0, beta > (1 + w)/(-n w)."""
    spec = na.models.seed_competition(amplitude=[1.0] * 4)
    bif = bifurcation(spec, "areas.V1.competition.beta", np.linspace(0.3, 0.8, 26))
    points = bif.bifurcation_value.values[bif.bifurcation_kind.values == "branch point"]
    assert np.any(np.isclose(points, 0.7 / 1.2, rtol=1e-3))
    assert "hopf" not in bif.bifurcation_kind.values


def test_phase_plane_nullclines_of_the_ei_network():
    """E nullcline (both active): -u_E + 1.25 u_E - u_I + 10 = 0, i.e. u_I = 0.25 u_E + 10;
    I nullcline: u_I = u_E - 10. They cross at the fixed point (26.67, 16.67)."""
    spec = na.load_spec(EI % "30 ms")
    pp = phase_plane(spec, "E", "I", x_range=(12, 40), y_range=(5.1, 30.3), n=57)
    assert pp.dx.attrs["units"] == "1/s" and pp.x.attrs["long_name"] == "u of E"
    x, y = pp.x.values, pp.y.values
    for var, line in (("dx", 0.25 * x + 10), ("dy", x - 10)):
        field = pp[var].values  # (y, x)
        for i in np.flatnonzero((line > 5.1) & (line < 30.3)):
            col = field[:, i]
            assert np.all(np.diff(col) < 0)  # one crossing: the field falls with u_I
            y0 = np.interp(0.0, col[::-1], y[::-1])
            assert y0 == pytest.approx(line[i], abs=1e-9)
    with pytest.raises(na.NeuroAttnError, match="no area named 'X'"):
        phase_plane(spec, "E", "X")


def test_values_must_run_one_way():
    with pytest.raises(na.NeuroAttnError, match="values: must increase or decrease"):
        bifurcation(sigmoid_pair(0.0), "areas.A.competition.beta", [0.0, 0.5, 0.2])
    with pytest.raises(na.SpecError, match="tau"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bifurcation(na.load_spec(EI % "30 ms"), "areas.I.tau", ["10 ms", "-5 ms"])
