"""The engine's forward Euler equals plain numpy Euler loops of the same equations to 1e-9."""
import numpy as np
import pytest

import neuroattn as na
from helpers import euler_reference, two_area_spec

DT = 1e-4


def random_seed_spec(rng, transfer, n=6):
    W = rng.normal(0, 0.4, (n, n))  # signed: excitatory and inhibitory
    return na.NetworkSpec(areas={"V1": na.Area(n=n, tau="10 ms", transfer=transfer,
                                               competition=na.Seed(beta=float(rng.uniform(0, 2)), weights=W,
                                                                   include_self=bool(rng.integers(2))))},
                          stimuli=[na.Stimulus(area="V1", amplitude=rng.uniform(0, 1, n))])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("transfer", [{"kind": "sigmoid", "gain": 4, "threshold": 0.5}, "relu"])
def test_seed_equation_against_hand_written_loop(seed, transfer):
    """tau du_i/dt = -u_i + sum_{j!=i} w_ij f(u_j) - beta sum_j w_ij f(u_i) + I_i, written out here."""
    rng = np.random.default_rng(seed)
    spec = random_seed_spec(rng, transfer)
    comp = spec.areas["V1"].competition
    W = np.array(comp.weights.value)
    f = spec.areas["V1"].transfer.value
    rs = W.sum(1) if comp.include_self else W.sum(1) - np.diag(W)
    W_off = W - np.diag(np.diag(W))
    I = np.array(spec.stimuli[0].amplitude)
    u = np.zeros(6)
    trace = []
    for _ in range(1000):
        trace.append(u.copy())
        r = f(u)
        u = u + DT / 0.01 * (-u + W_off @ r - comp.beta * rs * r + I)
    res = na.simulate(spec, "100 ms", dt="0.1 ms")
    assert np.max(np.abs(res.u.values - np.array(trace))) < 1e-9
    assert np.max(np.abs(res.u_final.values - u)) < 1e-9
    assert np.allclose(res.r.values, f(res.u.values), atol=1e-12)


def three_models_spec():
    return na.NetworkSpec(areas={
        "S": na.Area(n=5, tau="10 ms", transfer={"kind": "sigmoid", "gain": 4, "threshold": 0.5},
                     competition=na.Seed(beta=1.2, weights=na.Random(seed=1, std=0.3), include_self=False)),
        "L": na.Area(n=5, tau="12 ms", transfer="relu",
                     competition=na.Lateral(alpha=0.5, beta=0.4, weights=na.Gaussian(amplitude=1.0, sigma=0.2))),
        "D": na.Area(n=4, tau="8 ms", transfer="relu", competition=na.Divisive(beta=1.0, sigma=0.5))},
        stimuli=[na.Stimulus(area="S", amplitude=np.linspace(0.2, 1.0, 5), onset="5 ms", offset="80 ms", ramp="10 ms"),
                 na.Stimulus(area="L", amplitude=na.Bump(peak=1.0, center=0.4, width=0.15)),
                 na.Stimulus(area="D", amplitude=[1.0, 0.7, 0.4, 0.1], onset="20 ms")])


@pytest.mark.parametrize("make", [three_models_spec, two_area_spec, lambda: two_area_spec(delay="3 ms")],
                         ids=["three-models", "two-area-noise", "two-area-delay"])
def test_engine_equals_numpy_euler(make):
    spec = make()
    res = na.simulate(spec, "100 ms", dt="0.1 ms", seed=11)
    ref, final = euler_reference(spec, 1000, DT, seed=11)
    assert np.max(np.abs(ref)) > 0.1  # something happened
    assert np.max(np.abs(res.u.values - ref)) < 1e-9
    assert np.max(np.abs(res.u_final.values - final)) < 1e-9


def test_synapses_coupling_equals_matmul():
    spec = two_area_spec()
    a = na.simulate(spec, "50 ms", seed=3, coupling="matmul")
    b = na.simulate(spec, "50 ms", seed=3, coupling="synapses")
    assert np.max(np.abs(a.u.values - b.u.values)) < 1e-12


def test_noise_is_seeded():
    spec = two_area_spec()
    a = na.simulate(spec, "30 ms", seed=5, record_every=None)
    b = na.simulate(spec, "30 ms", seed=5, record_every=None)
    c = na.simulate(spec, "30 ms", seed=6, record_every=None)
    assert np.array_equal(a.u_final.values, b.u_final.values)
    assert not np.allclose(a.u_final.values, c.u_final.values)


def test_batch_equals_separate_runs():
    """K points as one network (shared and per-point weights) equal K separate simulations."""
    base = two_area_spec()
    specs = [base.replace(areas={**{k: v.model_dump(mode="json") for k, v in base.areas.items()},
                                 "V1": base.areas["V1"].replace(competition={"model": "seed", "beta": b, "weights": w})})
             for b, w in [(0.2, -0.1), (0.8, -0.1), (1.5, -0.3)]]
    batch = na.simulate_batch(specs, "40 ms", seed=9)
    assert batch.sizes["point"] == 3
    for k, spec in enumerate(specs):
        single = na.simulate(spec, "40 ms", seed=9)
        assert np.max(np.abs(batch.u.isel(point=k).values - single.u.values)) < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("target", ["cython", "cpp_standalone"])
def test_compiled_targets_equal_numpy_euler(target):
    spec = two_area_spec()
    res = na.simulate(spec, "50 ms", seed=4, target=target)
    ref, final = euler_reference(spec, 500, DT, seed=4)
    assert res.attrs["target"] == target
    assert np.max(np.abs(res.u.values - ref)) < 1e-9
