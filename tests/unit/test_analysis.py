"""Fixed points and Jacobians against closed forms derived by hand (no simulation)."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.analysis import RateModel, fixed_points, jacobian


def seed_relu(n=4, w=-0.3, beta=0.6, I=1.0, include_self=True, tau="10 ms"):
    return na.NetworkSpec(areas={"A": na.Area(n=n, tau=tau, transfer="relu",
                                              competition=na.Seed(beta=beta, weights=w, include_self=include_self))},
                          stimuli=[na.Stimulus(area="A", amplitude=I)])


@pytest.mark.parametrize("w, beta, include_self", [(-0.3, 0.6, True), (0.2, 0.5, True), (-0.1, 2.0, False)])
def test_seed_uniform_jacobian_eigenvalues(w, beta, include_self):
    """ReLU active region, uniform w: J = (w(11^T - I) - beta*rs*I - I)/tau, rs = n w (or (n-1) w).

    Uniform mode: (-1 + (n-1)w - beta rs)/tau; difference modes ((n-1)-fold): (-1 - w - beta rs)/tau.
    """
    n, tau = 5, 0.01
    spec = seed_relu(n=n, w=w, beta=beta, include_self=include_self)
    rs = n * w if include_self else (n - 1) * w
    J = jacobian(spec, np.full(n, 0.5)).values
    eig = np.sort(np.linalg.eigvals(J).real)
    expected = np.sort([(-1 + (n - 1) * w - beta * rs) / tau] + [(-1 - w - beta * rs) / tau] * (n - 1))
    assert np.allclose(eig, expected, rtol=1e-12)


@pytest.mark.parametrize("w, beta", [(-0.1, 0.5), (0.2, 0.3), (0.05, 1.0)])
def test_seed_uniform_symmetric_fixed_point(w, beta):
    """u* = I / (1 - (n-1) w + beta n w) for ReLU when u* > 0."""
    n, I = 4, 1.0
    spec = seed_relu(n=n, w=w, beta=beta, I=I)
    expected = I / (1 - (n - 1) * w + beta * n * w)
    fps = fixed_points(spec)
    symmetric = [u for u in fps.u.values if np.ptp(u) < 1e-9]
    assert len(symmetric) == 1 and np.allclose(symmetric[0], expected, rtol=1e-10)


def test_excitatory_seed_has_no_winner():
    """With w > 0 every difference mode decays: the only fixed point is symmetric and stable."""
    fps = fixed_points(seed_relu(w=0.2, beta=0.5))
    assert fps.sizes["fixed_point"] == 1
    assert bool(fps.stable[0]) and np.ptp(fps.u.values[0]) < 1e-9


def test_inhibitory_seed_in_window_has_stable_winners():
    """w=-0.3, beta=0.6, n=4: difference modes grow at 2/s; stable fixed points have one winner."""
    fps = fixed_points(seed_relu(w=-0.3, beta=0.6))
    stable = fps.u.values[fps.stable.values]
    assert len(stable) >= 2
    for u in stable:
        assert (u > 0).sum() == 1  # exactly one unit above the ReLU threshold


def test_sigmoid_jacobian_uses_slope():
    """Single sigmoid unit, no competition: J = (-1)/tau; with seed self term -beta*rs*f'(u)."""
    g, th, beta, w, tau = 4.0, 0.5, 0.7, -0.2, 0.02
    spec = na.NetworkSpec(areas={"A": na.Area(n=1, tau=f"{tau} s", transfer={"kind": "sigmoid", "gain": g, "threshold": th},
                                              competition=na.Seed(beta=beta, weights=w))})
    u = 0.8
    f = 1 / (1 + np.exp(-g * (u - th)))
    expected = (-1 - beta * w * g * f * (1 - f)) / tau
    assert jacobian(spec, [u]).values[0, 0] == pytest.approx(expected, rel=1e-12)


def _network():
    """Every model and both projection modes, for the finite-difference check."""
    return na.NetworkSpec(
        areas={"A": na.Area(n=4, tau="10 ms", transfer={"kind": "sigmoid", "gain": 3, "threshold": 0.2},
                            competition=na.Lateral(alpha=0.4, beta=0.6, weights=na.Gaussian(amplitude=1, sigma=0.3))),
               "B": na.Area(n=3, tau="20 ms", transfer="tanh(u) + 0.1*u",
                            competition=na.Divisive(beta=0.8, sigma=0.7, weights=na.Random(distribution="uniform", seed=2))),
               "C": na.Area(n=2, tau="15 ms", transfer="relu",
                            competition=na.Seed(beta=0.3, weights=na.Random(seed=1), include_self=False))},
        projections=[na.Projection(source="A", target="B", weights=na.Random(seed=3)),
                     na.Projection(source="B", target="C", weights=na.Random(seed=4), mode="gain"),
                     na.Projection(source="C", target="A", weights=na.Random(seed=5), mode="gain", kind="feedback")],
        stimuli=[na.Stimulus(area="A", amplitude=[1.0, 0.5, 0.2, 0.8]), na.Stimulus(area="C", amplitude=0.4)])


def test_jacobian_matches_finite_differences():
    spec = _network()
    model = RateModel(spec)
    rng = np.random.default_rng(0)
    u = rng.uniform(0.1, 1.0, spec.n_units)  # ReLU units away from their kink
    I = model.steady_input()
    J = jacobian(spec, u).values
    h = 1e-6
    numeric = np.column_stack([(model.rhs(u + h * e, I) - model.rhs(u - h * e, I)) / (2 * h)
                               for e in np.eye(spec.n_units)])
    assert np.allclose(J, numeric, rtol=1e-6, atol=1e-4)


def test_fixed_points_are_roots_with_correct_stability():
    spec = _network()
    model = RateModel(spec)
    fps = fixed_points(spec)
    assert fps.sizes["fixed_point"] >= 1
    for k in range(fps.sizes["fixed_point"]):
        u = fps.u.values[k]
        assert np.max(np.abs(model.rhs(u, model.steady_input()))) < 1e-6
        assert bool(fps.stable[k]) == bool(np.linalg.eigvals(model.jacobian(u, model.steady_input())).real.max() < 0)


def test_jacobian_rejects_wrong_state_length():
    with pytest.raises(na.NeuroAttnError, match=r"state: must have one value per unit \(4\)"):
        jacobian(seed_relu(), [0.0, 1.0])
