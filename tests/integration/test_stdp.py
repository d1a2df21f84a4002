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


def _conductance_stdp(post_poisson: bool) -> na.NetworkSpec:
    """Three Poisson-driven pre neurons onto two post neurons through a conductance STDP projection
    (1 ms delay); the post neurons are driven near threshold by a current, and optionally also by a
    Poisson input (then they have current synapses as well)."""
    neuron = {"model": "lif", "refractory": "3 ms"}
    stimuli = [{"area": "pre", "amplitude": [900.0, 1100.0, 1300.0]},
               {"area": "post", "amplitude": 19.0, "drive": "current"}]
    if post_poisson:
        stimuli.append({"area": "post", "amplitude": 300.0})
    return na.load_spec({"name": "conductance-stdp", "areas": {
        "pre": {"n": 3, "neuron": {**neuron, "input_weight": "5 mV"}}, "post": {"n": 2, "neuron": neuron}},
        "projections": [{"source": "pre", "target": "post", "weights": [[0.3, 0.2, 0.25], [0.15, 0.3, 0.2]],
                         "delay": "1 ms", "synapse": {"kind": "conductance"},
                         "plasticity": {**RULE, "w_max": 0.6}}],
        "stimuli": stimuli})


@pytest.mark.parametrize("post_poisson", [False, True], ids=["conductance-only", "with-current-input"])
def test_stdp_on_a_conductance_projection_jumps_the_conductance_by_the_weight(post_poisson):
    """Each pre spike, one delay later, adds its synapse's weight (as it is before that spike's own
    update) to the post neuron's g_exc; no current variable receives anything from it. Checked on
    every step from the Euler recurrence g[t] = g[t-1] (1 - dt/tau_exc) + arrivals."""
    import brian2

    from neuroattn.engine import device
    from neuroattn.engine.batch import batch_params
    from neuroattn.engine.builder import build_network

    spec, dt, steps = _conductance_stdp(post_poisson), 1e-4, 3000
    with device.use_target("numpy"):
        built = build_network(batch_params([spec]), dt=dt, n_steps=steps, seeds=[0], target="numpy")
        post = built.spiking.groups["post"].group
        syn = built.spiking.stdp["pre->post"][0]
        g = brian2.StateMonitor(post, "g_exc", record=True, when="end", order=100)
        w = brian2.StateMonitor(syn, "w", record=True, when="start", order=-100)
        pre = brian2.SpikeMonitor(built.spiking.groups["pre"].group)
        built.network.add(g, w, pre)
        brian2.seed(0)
        built.network.run(steps * dt * brian2.second, namespace={})
    assert ("s_exc" in post.variables) == post_poisson  # current synapses only for the Poisson input
    g_exc, weights = g.g_exc[:], w.w[:]  # (post neuron, step), (synapse, step)
    arrivals = np.zeros_like(g_exc)
    steps_of = np.round(np.asarray(pre.t[:] / brian2.second) / dt).astype(int) + 10  # + the 1 ms delay
    for i, k in zip(np.asarray(pre.i[:]), steps_of):
        for s in np.flatnonzero(np.asarray(syn.i[:]) == i):
            if k < steps:
                arrivals[syn.j[s], k] += weights[s, k]
    assert np.count_nonzero(arrivals) > 50
    tau_exc = 5e-3
    expected = np.concatenate([np.zeros((2, 1)), g_exc[:, :-1]], axis=1) * (1 - dt / tau_exc) + arrivals
    np.testing.assert_allclose(g_exc, expected, rtol=1e-12, atol=1e-15)


def test_conductance_stdp_equals_the_network_written_in_brian2():
    """The spec above (conductance only) against the same network written by hand: spikes, the post
    neurons' potential and the learned weights agree exactly."""
    import brian2 as b

    spec = _conductance_stdp(False)
    res = na.simulate(spec, "500 ms", record=["v"], record_every=1, seed=4, target="numpy", progress=False)

    b.prefs.codegen.target = "numpy"
    dt = 0.1 * b.ms
    ns = dict(v_rest=-70 * b.mV, tau_m=20 * b.ms, tau_exc=5 * b.ms, tau_inh=10 * b.ms, v_threshold=-50 * b.mV,
              v_reset=-60 * b.mV, t_ref=3 * b.ms, E_exc=0 * b.mV, E_inh=-80 * b.mV)
    pre = b.NeuronGroup(3, """dv/dt = (v_rest - v + s_exc + s_inh)/tau_m : volt (unless refractory)
                              ds_exc/dt = -s_exc/tau_exc : volt
                              ds_inh/dt = -s_inh/tau_inh : volt
                              rate : Hz""", threshold="v > v_threshold", reset="v = v_reset",
                        refractory="t_ref", method="euler", namespace=ns, dt=dt)
    post = b.NeuronGroup(2, """dv/dt = (v_rest - v + g_exc*(E_exc - v) + g_inh*(E_inh - v) + I_v)/tau_m
                                   : volt (unless refractory)
                               dg_exc/dt = -g_exc/tau_exc : 1
                               dg_inh/dt = -g_inh/tau_inh : 1
                               I_v : volt""", threshold="v > v_threshold", reset="v = v_reset",
                         refractory="t_ref", method="euler", namespace=ns, dt=dt)
    pre.v, post.v, post.I_v = -70 * b.mV, -70 * b.mV, 19 * b.mV
    pre.rate = [900, 1100, 1300] * b.Hz
    poisson = pre.run_regularly("s_exc += 5*mV*poisson(rate*dt)", when="before_synapses")
    stdp = b.Synapses(pre, post, """w : 1
                                   dapre/dt = -apre/(20*ms) : 1 (event-driven)
                                   dapost/dt = -apost/(30*ms) : 1 (event-driven)""",
                      on_pre="g_exc_post += w; apre += 0.02; w = clip(w - apost, 0, 0.6)",
                      on_post="apost += 0.021; w = clip(w + apre, 0, 0.6)", namespace={}, dt=dt)
    W = np.array([[0.3, 0.2, 0.25], [0.15, 0.3, 0.2]])
    post_idx, pre_idx = np.nonzero(W)
    stdp.connect(i=pre_idx, j=post_idx)
    stdp.w, stdp.delay = W[post_idx, pre_idx], 1 * b.ms
    spikes, v = b.SpikeMonitor(post), b.StateMonitor(post, "v", record=True, when="start")
    net = b.Network(pre, post, poisson, stdp, spikes, v)
    b.seed(4)
    net.run(500 * b.ms, namespace={})

    mine = res.spike_area.values == "post"
    assert mine.sum() > 20 and len(np.unique(res.spike_unit.values[mine])) == 2
    np.testing.assert_array_equal(res.spike_time.values[mine], np.asarray(spikes.t / b.second))
    np.testing.assert_array_equal(res.spike_unit.values[mine] - 3, np.asarray(spikes.i))
    np.testing.assert_allclose(res.v.values[:, 3:].T, np.asarray(v.v / b.volt), rtol=1e-12)  # summation order
    learned = np.zeros_like(W)
    learned[post_idx, pre_idx] = stdp.w[:]
    assert not np.allclose(learned, W)  # it learned
    np.testing.assert_array_equal(res.w_pre_to_post_final.values, learned)
