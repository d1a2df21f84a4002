"""Plasticity rules against hand-written numpy loops (1e-9) and against closed forms."""
import numpy as np
import pytest

import neuroattn as na

DT = 1e-4
X_PATTERNS = np.array([[1.0, 0.2, 0.0], [0.0, 1.0, 0.5], [0.4, 0.0, 1.0]])
W0 = np.array([[0.3, -0.2, 0.1], [0.05, 0.4, -0.3]])


def two_areas(rule: dict, y_transfer="relu", gate=False) -> na.NetworkSpec:
    """x (3 units, patterns cycling every 5 ms) -> y (2 units), plastic; optionally a gate area g."""
    areas = {"x": {"n": 3, "tau": "2 ms", "transfer": "linear"},
             "y": {"n": 2, "tau": "5 ms", "transfer": y_transfer}}
    stimuli = [{"area": "x", "patterns": X_PATTERNS.tolist(), "presentation": {"duration": "5 ms"}}]
    if gate:
        areas["g"] = {"n": 2, "tau": "10 ms", "transfer": "relu"}
        stimuli.append({"area": "g", "amplitude": [0.5, 0.0], "onset": "10 ms", "offset": "30 ms"})
    return na.load_spec({"name": "plastic", "areas": areas, "stimuli": stimuli, "projections": [
        {"source": "x", "target": "y", "weights": W0.tolist(), "plasticity": rule}]})


def f(kind, u):
    return np.maximum(u, 0) if kind == "relu" else u


HAND = {  # dw/dt (without decay) and the state's d/dt, written out from the README's table
    "hebb": lambda w, y, x, s, r, g: (r["rate"] * np.outer(y, x), {}),
    "oja": lambda w, y, x, s, r, g: (r["rate"] * (np.outer(y, x) - (y ** 2)[:, None] * w), {}),
    "bcm": lambda w, y, x, s, r, g: (r["rate"] * np.outer(y * (y - s["theta"]), x),
                                     {"theta": (y ** 2 - s["theta"]) / r["theta_tau"]}),
    "gated": lambda w, y, x, s, r, g: (r["rate"] * np.outer(g * y, x), {}),
    "scaling": lambda w, y, x, s, r, g: (r["rate"] * (r["target"] - s["average"])[:, None] * w,
                                         {"average": (y - s["average"]) / r["average_tau"]}),
    "antihebb": lambda w, y, x, s, r, g: (-r["rate"] * (np.outer(y, x) - r["target"] ** 2), {}),
}


def reference(rule: dict, n_steps: int, y_transfer="relu", gate=False):
    """Euler loop of u_x, u_y (u_g) and w; pattern k // 50 % 3 shown at step k."""
    r = {"rate": rule["rate"], "theta_tau": 0.1, "target": rule.get("target", 0.0), "average_tau": 0.02}
    ux, uy, ug = np.zeros(3), np.zeros(2), np.zeros(2)
    w = np.clip(W0, rule.get("w_min", -np.inf), rule.get("w_max", np.inf))  # the bounds hold from the start
    state = {"theta": np.zeros(2), "average": np.full(2, r["target"])}
    for k in range(n_steps):
        x, y, g = ux, f(y_transfer, uy), np.maximum(ug, 0)
        dw, ds = HAND[rule["rule"]](w, y, x, state, r, g)
        dw = dw - rule.get("decay", 0.0) * w
        Ig = np.array([0.5, 0.0]) if 100 <= k < 300 else np.zeros(2)
        ux, uy, ug = (ux + DT * (-ux + X_PATTERNS[(k // 50) % 3]) / 0.002, uy + DT * (-uy + w @ x) / 0.005,
                      ug + DT * (-ug + Ig) / 0.01)
        w = np.clip(w + DT * dw, rule.get("w_min", -np.inf), rule.get("w_max", np.inf))
        state = {k2: v + DT * ds.get(k2, 0) for k2, v in state.items()}
    return w, state


RULES = [
    {"rule": "hebb", "rate": 5.0},
    {"rule": "hebb", "rate": 20.0, "decay": 2.0, "w_min": -0.25, "w_max": 0.35},
    {"rule": "oja", "rate": 8.0},
    {"rule": "bcm", "rate": 10.0},
    {"rule": "gated", "rate": 40.0, "gate": {"area": "g"}},
    {"rule": "gated", "rate": 40.0, "gate": {"area": "g", "map": "mean"}},
    {"rule": "scaling", "rate": 30.0, "target": 0.1, "average_tau": "20 ms"},
    {"rule": "antihebb", "rate": 4.0, "target": 0.2},
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: "-".join(f"{v}" for v in r.values() if not isinstance(v, dict)))
def test_each_rule_agrees_with_a_hand_written_loop(rule):
    gate = rule["rule"] == "gated"
    spec = two_areas(rule, gate=gate)
    res = na.simulate(spec, "40 ms", record_every=None, seed=0, progress=False)
    if gate and rule["gate"].get("map") == "mean":
        # the mean gate: every post unit gets the gate area's mean rate
        HAND["gated_mean"] = lambda w, y, x, s, r, g: (r["rate"] * np.outer(g.mean() * y, x), {})
        w, state = reference({**rule, "rule": "gated_mean"}, 400, gate=True)
    else:
        w, state = reference(rule, 400, gate=gate)
    np.testing.assert_allclose(res.w_x_to_y_final.values, w, rtol=0, atol=1e-9)
    assert np.max(np.abs(w - W0)) > 1e-4  # the weights did change
    for var in ("theta", "average"):
        if f"{var}_x_to_y_final" in res:
            np.testing.assert_allclose(res[f"{var}_x_to_y_final"].values, state[var], rtol=0, atol=1e-9)


def test_a_zero_gate_changes_nothing():
    spec = two_areas({"rule": "gated", "rate": 100.0, "gate": {"area": "g"}}, gate=True)
    spec = spec.replace({"stimuli[1].amplitude": [0.0, 0.0]})
    res = na.simulate(spec, "40 ms", record_every=None, record_weights_every=1, seed=0, progress=False)
    np.testing.assert_array_equal(res.w_x_to_y.values, np.broadcast_to(W0, res.w_x_to_y.shape))


def test_bounds_are_never_exceeded():
    spec = two_areas({"rule": "hebb", "rate": 500.0, "w_min": -0.2, "w_max": 0.35})
    res = na.simulate(spec, "40 ms", record_every=None, record_weights_every=1, seed=0, progress=False)
    w = res.w_x_to_y.values
    assert w.max() == 0.35 and w.min() == -0.2  # reached (W0 starts outside: clipped at once), never passed
    assert (w[-1] == 0.35).sum() >= 4


def test_batched_points_equal_separate_runs():
    rates = [1.0, 10.0, 30.0]
    specs = [two_areas({"rule": "bcm", "rate": r}) for r in rates]
    batch = na.simulate_batch(specs, "30 ms", record_every=None, seed=0, progress=False)
    for k, spec in enumerate(specs):
        one = na.simulate(spec, "30 ms", record_every=None, seed=0, progress=False)
        np.testing.assert_allclose(batch.w_x_to_y_final.values[k], one.w_x_to_y_final.values, rtol=0, atol=1e-12)
        np.testing.assert_allclose(batch.theta_x_to_y_final.values[k], one.theta_x_to_y_final.values,
                                   rtol=0, atol=1e-12)


def test_sweeping_the_learning_rate_gives_the_same_weights_as_separate_runs():
    spec = two_areas({"rule": "oja", "rate": 1.0})
    ds = na.sweep(spec, {"projections[x->y].plasticity.rate": [0.0, 5.0, 20.0]}, "30 ms", progress=False,
                  chunk_size=2)
    for k, rate in enumerate([0.0, 5.0, 20.0]):
        one = na.simulate(spec.replace({"projections[x->y].plasticity.rate": rate}), "30 ms", record_every=None,
                          seed=0, progress=False)
        np.testing.assert_allclose(ds.w_x_to_y_final.values[k], one.w_x_to_y_final.values, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ds.w_x_to_y_final.values[0], W0)  # rate 0: nothing learned


# -- closed forms -------------------------------------------------------------------------------------
def _one_output(rule: dict, patterns: np.ndarray, duration: str, y_transfer="linear") -> na.NetworkSpec:
    """Inputs x follow their patterns within one step (tau = dt = 1 ms), as does the output y = f(w x)."""
    n = patterns.shape[1]
    return na.load_spec({"name": "one-output", "areas": {
        "x": {"n": n, "tau": "1 ms", "transfer": "linear"}, "y": {"n": 1, "tau": "1 ms", "transfer": y_transfer}},
        "projections": [{"source": "x", "target": "y", "weights": [[0.1] * n], "plasticity": rule}],
        "stimuli": [{"area": "x", "patterns": patterns.tolist(),
                     "presentation": {"duration": duration, "order": "cycle"}}]})


PATTERNS = np.array([[1.0, 0.6, 0.0], [0.2, 1.0, 0.3], [0.0, 0.1, 0.8]])
C = PATTERNS.T @ PATTERNS / len(PATTERNS)  # the input correlation (each pattern shown equally often)


@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")  # dt = tau on purpose
def test_oja_converges_to_the_top_eigenvector_with_unit_norm():
    spec = _one_output({"rule": "oja", "rate": 0.5}, PATTERNS, "100 ms")
    res = na.simulate(spec, "40 s", dt="1 ms", record_every=None, seed=0, progress=False)
    w = res.w_x_to_y_final.values[0]
    evals, evecs = np.linalg.eigh(C)
    top = evecs[:, -1] * np.sign(evecs[:, -1] @ w)
    # finite rate and the one-step lag of x and y bias the fixed point by O(rate * dt / duration)
    np.testing.assert_allclose(w, top, atol=0.01)
    assert abs(np.linalg.norm(w) - 1) < 0.01


@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")  # dt = tau on purpose
def test_hebb_grows_at_the_rate_set_by_the_top_eigenvalue():
    rate = 0.5
    spec = _one_output({"rule": "hebb", "rate": rate}, PATTERNS, "100 ms")
    res = na.simulate(spec, "20 s", dt="1 ms", record_every=None, record_weights_every="3 s", seed=0,
                      progress=False)
    norms = np.linalg.norm(res.w_x_to_y.values[:, 0], axis=-1)
    t = res.weight_time.values
    growth = np.diff(np.log(norms[2:])) / np.diff(t[2:])  # after the transient along other eigenvectors
    lam = np.linalg.eigvalsh(C)[-1]
    np.testing.assert_allclose(growth, rate * lam, rtol=0.02)


@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")  # dt = tau on purpose
def test_bcm_becomes_selective_to_one_pattern():
    patterns = np.eye(4)
    spec = _one_output({"rule": "bcm", "rate": 2.0, "theta_tau": "200 ms", "theta0": 0.05}, patterns,
                       "50 ms", y_transfer="relu")
    spec = spec.replace({"stimuli[0].presentation.order": "random", "stimuli[0].presentation.seed": 1})
    res = na.simulate(spec, "60 s", dt="1 ms", record_every=None, seed=0, progress=False)
    responses = np.sort(res.w_x_to_y_final.values[0])  # response to pattern k is w_k
    assert responses[-1] > 0.5 and responses[-2] < 0.05 * responses[-1]


def test_recurrent_weights_learn_without_touching_the_diagonal():
    """Földiák-style: lateral inhibition that learns (lateral model, positive w inhibits; Hebb grows it
    between co-active units), against a hand-written loop."""
    n, W = 3, np.array([[0.5, 0.1, 0.1], [0.1, 0.5, 0.1], [0.1, 0.1, 0.5]])
    amps = np.array([1.0, 0.8, 0.3])
    spec = na.load_spec({"name": "foldiak", "areas": {"A": {"n": n, "tau": "5 ms", "transfer": "relu",
        "competition": {"model": "lateral", "alpha": 0.2, "beta": 1.0, "weights": W.tolist(),
                        "plasticity": {"rule": "hebb", "rate": 20.0, "w_max": 0.6}}}},
        "stimuli": [{"area": "A", "amplitude": amps.tolist()}]})
    res = na.simulate(spec, "50 ms", record_every=None, seed=0, progress=False)
    u, w = np.zeros(n), W - np.diag(np.diag(W))  # the lateral model couples through W without its diagonal
    for _ in range(500):
        r = np.maximum(u, 0)
        dw = 20.0 * np.outer(r, r)
        np.fill_diagonal(dw, 0.0)
        u = u + 1e-4 * (-u + 0.2 * r - w @ r + amps) / 0.005
        w = np.minimum(w + 1e-4 * dw, 0.6)
    np.testing.assert_allclose(res.w_A_recurrent_final.values, w, rtol=0, atol=1e-9)
    assert np.all(np.diag(res.w_A_recurrent_final.values) == 0) and w[0, 1] > 0.2
    trained = na.learned_spec(spec, res)
    assert trained.areas["A"].competition.plasticity is None
    np.testing.assert_array_equal(np.array(trained.areas["A"].competition.weights.value), w)


def test_the_seed_model_refuses_plastic_weights_in_one_line():
    with pytest.raises(na.SpecError, match=r"competition: the seed model's weights cannot be plastic"):
        na.load_spec({"areas": {"A": {"n": 2, "tau": "5 ms", "competition": {
            "model": "seed", "weights": -0.3, "plasticity": {"rule": "hebb", "rate": 1.0}}}}})
