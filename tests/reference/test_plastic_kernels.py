"""Plastic couplings as compiled products (`engine.plastic_kernels`): the weights learn inside the
product's pass, on cython and cpp_standalone, and agree with the numpy step operation and with a
plain numpy loop written here.

The fast tests run the product's numpy implementation on the numpy target (the Brian2 wiring: the
weight and state variables, their monitors, the order of rates, product, learning and snapshots);
the slow ones compile the C code.
"""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.engine import NetworkCache, RunSettings, run
from neuroattn.engine.compiled import splittable, standalone_capable

DT = 1e-4
RNG = np.random.default_rng(7)
W_IN = RNG.uniform(0, 0.3, (4, 6))
X_IN = RNG.uniform(0, 1, 6)
GATE_MAP = RNG.uniform(0, 1, (4, 4))

RULES = {
    "hebb": {"rule": "hebb", "rate": 1.0, "decay": 0.5},
    "oja": {"rule": "oja", "rate": 2.0, "w_max": 0.25},
    "bcm": {"rule": "bcm", "rate": 3.0, "theta0": 0.1, "theta_tau": "20 ms"},
    "scaling": {"rule": "scaling", "rate": 1.0, "target": 0.3, "average_tau": "10 ms"},
    "antihebb": {"rule": "antihebb", "rate": 1.0, "target": 0.1, "w_min": 0.0},
    "gated-mean": {"rule": "gated", "rate": 2.0, "gate": {"area": "g", "map": "mean"}},
    "gated-oja-matrix": {"rule": "gated", "rate": 2.0, "normalize": True,
                         "gate": {"area": "g", "map": "matrix", "matrix": {"value": GATE_MAP.tolist()}}},
}


def spec(rule, rate_scale=1.0, w_scale=1.0):
    """x (ReLU) -> y (sigmoid, lateral competition with Hebbian, bounded recurrent weights), the
    projection learning by `rule`; g gates it."""
    rule = {**rule, "rate": rule["rate"] * rate_scale}
    return na.load_spec({"name": "plastic-kernel", "areas": {
        "x": {"n": 6, "tau": "5 ms", "transfer": "relu"},
        "y": {"n": 4, "tau": "5 ms", "transfer": {"kind": "sigmoid", "gain": 3, "threshold": 0.2},
              "competition": {"model": "lateral", "alpha": 0.2, "beta": 0.5, "weights": 0.1,
                              "plasticity": {"rule": "hebb", "rate": 0.5, "w_min": -0.5, "w_max": 0.4}}},
        "g": {"n": 4, "tau": "5 ms", "transfer": "relu"}},
        "projections": [{"source": "x", "target": "y", "weights": (W_IN * w_scale).tolist(), "plasticity": rule}],
        "stimuli": [{"area": "x", "amplitude": X_IN.tolist()}, {"area": "g", "amplitude": [1, 0, 0.5, 0]}]})


def differences(a, b) -> float:
    assert set(a.data_vars) - {"standalone_run_time"} == set(b.data_vars) - {"standalone_run_time"}
    return max(float(np.max(np.abs(a[v].values - b[v].values))) for v in a.data_vars
               if a[v].dtype.kind == "f" and a[v].size and v != "standalone_run_time")


def oja_loop(n_steps: int):
    """The 'oja' network by hand: Euler on u_x, u_y, the projection's W (Oja, bounded above) and the
    recurrent weights of y (Hebb with bounds, diagonal fixed); W read before its update."""
    ux, uy = np.zeros(6), np.zeros(4)
    W = np.minimum(W_IN.copy(), 0.25)
    R = np.full((4, 4), 0.1)
    np.fill_diagonal(R, 0.0)
    for _ in range(n_steps):
        x = np.maximum(ux, 0)
        y = 1 / (1 + np.exp(-3 * (uy - 0.2)))
        drive = W @ x
        rec = R @ y
        dW = 2.0 * (np.outer(y, x) - (y * y)[:, None] * W)
        dR = 0.5 * np.outer(y, y)
        np.fill_diagonal(dR, 0.0)
        ux = ux + DT * (-ux + X_IN) / 5e-3
        uy = uy + DT * (-uy + 0.2 * y - 0.5 * rec + drive) / 5e-3
        W = np.minimum(W + DT * dW, 0.25)
        R = np.clip(R + DT * dR, -0.5, 0.4)
    return W, R


def test_the_oja_product_equals_a_numpy_loop():
    res = na.simulate(spec(RULES["oja"]), "40 ms", coupling="kernel", record_every=None)
    assert res.attrs["coupling"] == "kernel"  # both plastic couplings learn inside products
    W, R = oja_loop(400)
    assert np.max(np.abs(W - W_IN)) > 1e-3
    np.testing.assert_allclose(res.w_x_to_y_final.values, W, atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.w_y_recurrent_final.values, R, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", list(RULES))
def test_products_learn_as_the_step_operation(name):
    """Weights, rule state and their snapshots, rates: equal to the numpy step operation's."""
    s = spec(RULES[name])
    a = na.simulate(s, "30 ms", record_weights_every=40, coupling="matmul")
    b = na.simulate(s, "30 ms", record_weights_every=40, coupling="kernel")
    assert b.attrs["coupling"] == "kernel" and a.w_x_to_y.shape[0] == 8  # snapshots at 0, 4 ms, ... 28 ms
    assert np.max(np.abs(a.w_x_to_y_final.values - W_IN)) > 1e-5  # it learned
    assert differences(a, b) < 1e-12


def test_standalone_runs_compiled_rules_only():
    assert standalone_capable(spec(RULES["bcm"])) and not splittable(spec(RULES["bcm"]))
    from neuroattn.engine.batch import RuleParams
    from neuroattn.engine.plastic_kernels import compilable
    from neuroattn.spec.plasticity import Reward

    assert not compilable(RuleParams(Reward(rate=1.0), {}))  # no C form: it learns from a task's reward


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bcm", "gated-oja-matrix"])
def test_cython_products_learn_as_the_step_operation(name):
    s = spec(RULES[name])
    a = na.simulate(s, "30 ms", record_weights_every=40, coupling="matmul", target="numpy")
    b = na.simulate(s, "30 ms", record_weights_every=40, coupling="kernel", target="cython")
    assert b.attrs["coupling"] == "kernel" and b.attrs["target"] == "cython"
    assert differences(a, b) < 1e-12


@pytest.mark.slow
def test_a_compiled_plastic_program_takes_new_rates_and_weights():
    """cpp_standalone, one compiled program for two batches of other learning rates and start
    weights: each equals the numpy step operation, and the program is compiled once."""
    settings = RunSettings.parse("30 ms", "0.1 ms", 50, ("u", "r"), record_weights_every=50)
    batches = [[spec(RULES["scaling"]), spec(RULES["scaling"], rate_scale=3.0)],
               [spec(RULES["scaling"], w_scale=2.0), spec(RULES["scaling"], rate_scale=0.2, w_scale=0.5)]]
    with NetworkCache() as cache:
        got, compiled = [], []
        for specs in batches:
            got.append(run(specs, settings, seeds=[0, 0], target="cpp_standalone", cache=cache, provenance=False))
            compiled.append(cache._network)
    assert compiled[0] is compiled[1]
    for specs, res in zip(batches, got):
        want = run(specs, settings, seeds=[0, 0], target="numpy", provenance=False)
        assert differences(want, res) < 1e-12
    assert not np.allclose(got[1].w_x_to_y_final.values[0], got[1].w_x_to_y_final.values[1])


@pytest.mark.parametrize("target", ["numpy", pytest.param("cython", marks=pytest.mark.slow)])
def test_batch_points_learn_with_their_own_constants(target):
    """Three points with other rates, bounds and start weights in one network: each learns as it
    does alone (the rule's constants and state are laid out per point and post unit)."""
    bcm = {**RULES["bcm"], "w_max": 0.6}
    specs = [spec(bcm), spec(bcm, rate_scale=4.0, w_scale=0.5), spec({**bcm, "w_max": 0.2, "theta0": 0.3})]
    batch = na.simulate_batch(specs, "30 ms", seed=0, record_weights_every=60, coupling="kernel", target=target)
    assert batch.attrs["coupling"] == "kernel"
    for k, s in enumerate(specs):
        alone = na.simulate(s, "30 ms", seed=0, record_weights_every=60, coupling="matmul")
        for var in ("w_x_to_y_final", "theta_x_to_y_final", "w_x_to_y", "w_y_recurrent_final", "u_final"):
            assert np.max(np.abs(batch[var].values[k] - alone[var].values)) < 1e-12, var
    assert not np.allclose(batch.w_x_to_y_final.values[0], batch.w_x_to_y_final.values[1])
