"""STDP on spiking projections: the pairing window exactly as the rule writes it, bounds, gating."""
import numpy as np
import pytest

import neuroattn as na

RULE = {"rule": "stdp", "rate": 1.0, "A_plus": 0.02, "A_minus": 0.021, "tau_plus": "20 ms", "tau_minus": "30 ms"}


def pairing(delta_ms: float, rule=RULE, extra=None) -> na.NetworkSpec:
    """One pre and one post neuron, each forced to spike once by a 1 ms pulse (it crosses threshold
    within one step); the post pulse starts delta_ms after the pre pulse."""
    t_pre = 50.0 if delta_ms >= 0 else 50.0 - delta_ms
    neuron = {"model": "lif", "refractory": "5 ms"}
    return na.load_spec({"name": "pairing", "areas": {"pre": {"n": 1, "neuron": neuron},
                                                     "post": {"n": 1, "neuron": neuron}, **(extra or {})},
        "projections": [{"source": "pre", "target": "post", "weights": 0.5, "plasticity": rule}],
        "stimuli": [{"area": "pre", "amplitude": 100000.0, "drive": "current", "onset": f"{t_pre} ms",
                     "offset": f"{t_pre + 1} ms"},
                    {"area": "post", "amplitude": 100000.0, "drive": "current", "onset": f"{t_pre + delta_ms} ms",
                     "offset": f"{t_pre + delta_ms + 1} ms"}]})


@pytest.mark.parametrize("delta_ms", [-40.0, -10.0, -2.5, 2.5, 10.0, 40.0])
def test_the_pairing_window_is_exactly_the_rule(delta_ms):
    res = na.simulate(pairing(delta_ms), "200 ms", record_every=None, seed=0, progress=False)
    times = {a: res.spike_time.values[res.spike_area.values == a] for a in ("pre", "post")}
    assert len(times["pre"]) == 1 and len(times["post"]) == 1
    dt = times["post"][0] - times["pre"][0]
    assert dt == pytest.approx(delta_ms * 1e-3, abs=1e-9)
    change = float(res.w_pre_to_post_final.values[0, 0]) - 0.5
    expected = 0.02 * np.exp(-dt / 0.020) if dt > 0 else -0.021 * np.exp(dt / 0.030)
    assert change == pytest.approx(expected, rel=1e-9)


def test_bounds_and_a_zero_gate():
    capped = pairing(5.0, {**RULE, "A_plus": 1.0, "w_max": 0.6})
    res = na.simulate(capped, "200 ms", record_every=None, seed=0, progress=False)
    assert float(res.w_pre_to_post_final.values[0, 0]) == 0.6
    gated = pairing(5.0, {**RULE, "gate": {"area": "g", "map": "mean"}},
                    extra={"g": {"n": 1, "tau": "10 ms", "transfer": "relu"}})
    res = na.simulate(gated, "200 ms", record_every=None, seed=0, progress=False)
    assert float(res.w_pre_to_post_final.values[0, 0]) == 0.5  # the gate area is silent: nothing changes
    driven = gated.replace(stimuli=[*[s.model_dump(mode="json") for s in gated.stimuli],
                                    {"area": "g", "amplitude": 2.0}])
    res = na.simulate(driven, "200 ms", record_every=None, seed=0, progress=False)
    assert float(res.w_pre_to_post_final.values[0, 0]) > 0.5  # gate ~2: about twice the plain change


def test_rate_rules_between_spiking_areas_are_refused():
    with pytest.raises(na.SpecError, match=r"projections\[0\]\.plasticity: rule 'hebb' acts on rates"):
        pairing(5.0, {"rule": "hebb", "rate": 1.0})


def test_stdp_weight_snapshots_step_once_at_the_pairing():
    """Snapshots every 10 ms: the start weight until the post spike (pre at 50 ms, post 10 ms later),
    the learned weight from the next snapshot on, the last snapshot equal to the final weight when
    nothing spikes after it."""
    res = na.simulate(pairing(10.0), "200 ms", record_every=None, record_weights_every="10 ms", seed=0,
                      progress=False)
    trace = res.w_pre_to_post.values[:, 0, 0]
    times = res.weight_time.values
    np.testing.assert_allclose(times, np.arange(20) * 0.010, atol=1e-12)
    post = res.spike_time.values[res.spike_area.values == "post"][0]
    assert np.all(trace[times <= post] == 0.5)
    np.testing.assert_array_equal(trace[times > post + 1e-4], res.w_pre_to_post_final.values[0, 0])
    assert res.w_pre_to_post.attrs["units"] == "1"
