"""Unit dynamics written as Brian2 equations: the issue's YAML, batching, units, extra state variables."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.analysis import fixed_points, jacobian
from neuroattn.spec import spec_to_dict
from paths import MODELS

CUSTOM = MODELS / "custom_competition.yaml"
W = np.array([[0, -0.5, -0.5], [-0.5, 0, -0.5], [-0.5, -0.5, 0]])
AMPS = np.array([1.0, 0.9, 0.8])


def reference(a, tau, n_steps, dt=1e-4):
    """``du/dt = (-u + a*r + W@r + I)/tau`` with ReLU, by a plain Euler loop."""
    u = np.zeros(3)
    out = []
    for _ in range(n_steps):
        out.append(u)
        r = np.maximum(u, 0)
        u = u + dt * (-u + a * r + W @ r + AMPS) / tau
    return np.array(out), u


def test_the_issue_yaml_runs_as_written_and_equals_numpy():
    spec = na.load_spec(CUSTOM)
    res = na.simulate(spec, "200 ms", record_every=1, seed=0, progress=False)
    trace, final = reference(0.2, 0.01, 2000)
    np.testing.assert_allclose(res.u.values, trace, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.u_final.values, final, rtol=0, atol=1e-9)


def test_parameters_are_swept_by_path_and_batched():
    spec = na.load_spec(CUSTOM)
    ds = na.sweep(spec, {"areas.V1.dynamics.parameters.a": [0.0, 0.2, 0.4],
                         "areas.V1.dynamics.parameters.tau": ["5 ms", "20 ms"]}, "100 ms", progress=False)
    assert ds.sizes["point"] == 6
    for k in range(6):
        a = float(ds["areas.V1.dynamics.parameters.a"][k])
        tau = float(ds["areas.V1.dynamics.parameters.tau"].values[k])  # coordinates hold seconds
        np.testing.assert_allclose(ds.u_final.values[k], reference(a, tau, 1000)[1], rtol=0, atol=1e-9)


def test_the_seed_model_written_as_equations_equals_the_built_in():
    built_in = na.models.seed_competition()
    n, w, beta = 4, -0.3, 0.6
    custom = built_in.replace({"areas.V1": {
        "n": n, "transfer": "relu",
        "dynamics": {"equations": "du/dt = (-u + rec - beta*row_sum*r + I)/tau : 1",
                     "parameters": {"beta": beta, "row_sum": n * w, "tau": "10 ms"},
                     "weights": (np.full((n, n), w) - np.diag(np.full(n, w))).tolist()}}})
    a = na.simulate(built_in, "300 ms", record_every=None, seed=0, progress=False)
    b = na.simulate(custom, "300 ms", record_every=None, seed=0, progress=False)
    np.testing.assert_allclose(b.u_final.values, a.u_final.values, rtol=0, atol=1e-12)


def test_a_unit_mistake_is_one_line_naming_the_area_and_equation():
    spec = na.load_spec(CUSTOM).replace({"areas.V1.dynamics.parameters.tau": 10.0})  # no unit
    with pytest.raises(na.SpecError) as info:
        na.simulate(spec, "10 ms", progress=False)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("areas.V1.dynamics.equations: Brian2 rejects 'du/dt = (-u + a*r + rec + I) / tau : 1'")
    assert "unit" in msg and "+ I)" in msg


@pytest.mark.parametrize("change, match", [
    ({"equations": "du/dt = (-u + b*r + I)/tau : 1"}, r"unknown name 'b'"),
    ({"equations": "dv/dt = -v/tau : 1"}, r"must define du/dt"),
    ({"weights": None}, r"use rec .* but no weights"),
    ({"parameters": {"a": 0.2, "tau": "10 mss"}}, r"parameters\.tau: unknown unit 'mss'"),
    ({"parameters": {"I": 1.0, "a": 0.2, "tau": "10 ms"}}, r"'I' cannot name a parameter"),
    ({"equations": "du/dt = (-u + __import__('os'))/tau : 1"}, r"calls an unknown function"),
])
def test_bad_dynamics_fail_when_the_spec_is_made(change, match):
    data = spec_to_dict(na.load_spec(CUSTOM))
    data["areas"]["V1"]["dynamics"].update(change)
    with pytest.raises(na.SpecError, match=match):
        na.load_spec(data)


def test_extra_state_variables_are_recorded_with_their_units():
    adapting = na.load_spec({"name": "adaptation", "areas": {
        "V1": {"n": 2, "transfer": "relu", "dynamics": {
            "equations": "du/dt = (-u - g*a + I)/tau : 1\nda/dt = (-a + r)/tau_a : 1",
            "parameters": {"g": 0.5, "tau": "10 ms", "tau_a": "100 ms"}}},
        "PFC": {"n": 2, "tau": "20 ms"}},
        "stimuli": [{"area": "V1", "amplitude": [1.0, 0.5]}]})
    res = na.simulate(adapting, "300 ms", record=["u", "a"], record_every=10, seed=0, progress=False)
    assert res.a.attrs["units"] == "1"
    v1 = (res.area == "V1").values
    assert np.isnan(res.a.values[:, ~v1]).all()  # PFC has no adaptation variable
    # u and a by numpy Euler (a(0) = 0)
    u, a = np.zeros(2), np.zeros(2)
    for _ in range(3000):
        r = np.maximum(u, 0)
        u, a = u + 1e-4 * (-u - 0.5 * a + [1.0, 0.5]) / 0.01, a + 1e-4 * (-a + r) / 0.1
    np.testing.assert_allclose(res.u_final.values[v1], u, rtol=0, atol=1e-9)
    with pytest.raises(na.NeuroAttnError, match=r"areas\.V1: the analysis handles dynamics with one state"):
        fixed_points(adapting)


def test_analysis_reads_custom_dynamics():
    spec = na.load_spec(CUSTOM)
    fp = fixed_points(spec)
    stable = fp.u.values[fp.stable.values]
    settled = reference(0.2, 0.01, 20000)[1]
    assert min(np.max(np.abs(settled - u)) for u in stable) < 1e-6
    u = stable[0]  # all units active at this fixed point: J = ((a - 1) I + W) / tau
    assert (u > 0).all()
    np.testing.assert_allclose(jacobian(spec, u).values, ((0.2 - 1) * np.eye(3) + W) / 0.01, rtol=1e-12)


def test_sweeps_trace_the_state_variables_of_custom_dynamics():
    spec = na.load_spec({"name": "adaptation", "areas": {"V1": {"n": 2, "transfer": "relu", "dynamics": {
        "equations": "du/dt = (-u - g*a + I)/tau : 1\nda/dt = (-a + r)/tau_a : 1",
        "parameters": {"g": 0.5, "tau": "10 ms", "tau_a": "100 ms"}}}},
        "stimuli": [{"area": "V1", "amplitude": [1.0, 0.5]}]})
    ds = na.sweep(spec, {"areas.V1.dynamics.parameters.g": [0.0, 1.0]}, "100 ms", record="traces",
                  record_every="10 ms", variables=["a"], progress=False)
    assert ds.a.attrs["long_name"] == "state variable a" and ds.a.sizes["time"] == 10
    assert float(ds.a.isel(point=0, time=-1, unit=0)) > float(ds.a.isel(point=1, time=-1, unit=0)) > 0
    with pytest.raises(na.SweepError, match=r"variables: can trace u, r, I, E, a \(got 'b'\)"):
        na.sweep(spec, {"areas.V1.dynamics.parameters.g": [0.0]}, "10 ms", record="traces", variables=["b"],
                 progress=False)
