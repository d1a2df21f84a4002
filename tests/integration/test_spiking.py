"""Spiking areas: closed forms (LIF f-I curve, Poisson statistics), winner-take-all, mixed networks, and
equality with the same network written directly in Brian2."""
import numpy as np
import pytest

import neuroattn as na


def lif_area(n, **neuron):
    return {"n": n, "neuron": {"model": "lif", **neuron}}


def test_lif_f_i_curve_matches_the_closed_form():
    drives = np.array([21.0, 25.0, 30.0, 40.0, 60.0])  # mV of membrane drive (R*I)
    spec = na.load_spec({"name": "fi", "areas": {"E": lif_area(len(drives))},
                         "stimuli": [{"area": "E", "amplitude": drives.tolist(), "drive": "current"}]})
    res = na.simulate(spec, "2 s", record_every=None, seed=0, progress=False)
    counts = np.bincount(res.spike_unit.values, minlength=len(drives))
    # tau_m ln((I + v_rest - v_reset)/(I + v_rest - v_th)) + t_ref, with -70, -60, -50 mV, 20 ms, 2 ms
    isi = 0.02 * np.log((drives - 10.0) / (drives - 20.0)) + 0.002
    np.testing.assert_allclose(counts / 2.0, 1.0 / isi, rtol=0.02, atol=0.5)
    assert counts[0] > 0 and np.all(np.diff(counts) > 0)


@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")  # dt = tau on purpose
def test_poisson_input_has_its_rate_and_a_cv_of_one():
    """A relay neuron (no refractory period, one-step input) fires once per input spike."""
    spec = na.load_spec({"name": "poisson", "areas": {"E": lif_area(
        20, refractory="0 ms", tau_exc="0.1 ms", input_weight="10 V", v_reset="-70 mV")},
        "stimuli": [{"area": "E", "amplitude": 40.0}]})
    res = na.simulate(spec, "5 s", record_every=None, seed=3, progress=False)
    t, unit = res.spike_time.values, res.spike_unit.values
    rate = len(t) / (20 * 5.0)
    assert abs(rate - 40.0) < 3 * np.sqrt(40.0 / (20 * 5.0))  # three standard errors of a Poisson count
    isis = np.concatenate([np.diff(t[unit == k]) for k in range(20)])
    assert abs(isis.std() / isis.mean() - 1.0) < 0.05
    again = na.simulate(spec, "5 s", record_every=None, seed=3, progress=False)
    np.testing.assert_array_equal(again.spike_time.values, t)  # the seed fixes the spikes
    other = na.simulate(spec, "5 s", record_every=None, seed=4, progress=False)
    assert len(other.spike_time) != len(t) or not np.array_equal(other.spike_time.values, t)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spiking_winner_take_all_selects_the_stronger_input(seed):
    spec = na.load_spec({"name": "wta", "areas": {"E": {
        **lif_area(4), "competition": {"model": "lateral", "alpha": 0.0, "beta": 1.0, "weights": 1.0}}},
        "stimuli": [{"area": "E", "amplitude": [12000.0, 10000.0, 10000.0, 10000.0]}]})
    alone = spec.replace({"areas.E.competition": None})
    rates = np.array([na.simulate(s, "1 s", record_every=None, seed=seed, progress=False).r_final.values
                      for s in (spec, alone)])
    assert np.all(rates[1] > 10)  # without competition every unit fires
    assert rates[0, 0] > 20 and rates[0, 0] > 4 * rates[0, 1:].max()  # with it, the strongest input wins


def test_mixed_networks_pass_rates_both_ways():
    spec = na.load_spec({"name": "mixed", "areas": {
        "R": {"n": 2, "tau": "10 ms", "transfer": "relu"},
        "S": lif_area(2),
        "back": {"n": 2, "tau": "10 ms", "transfer": "linear"}},
        "projections": [{"source": "R", "target": "S", "weights": [[12000.0, 0.0], [0.0, 9000.0]]},
                        {"source": "S", "target": "back", "weights": [[1.0, 0.0], [0.0, 1.0]]}],
        "stimuli": [{"area": "R", "amplitude": [1.0, 1.0]}]})
    res = na.simulate(spec, "2 s", record_every="10 ms", seed=0, progress=False)
    s_rates = res.r_final.values[2:4]
    assert s_rates[0] > s_rates[1] > 0  # R drives S at 12000 and 9000 Hz of Poisson input
    late = res.r.sel(time=slice(1.0, 2.0)).mean("time").values
    np.testing.assert_allclose(late[4:6], late[2:4], rtol=0.1)  # 'back' follows S's filtered rate (Hz)


def test_bad_spiking_input_is_one_line():
    with pytest.raises(na.SpecError, match=r"areas\.E\.neuron\.tau_m: must be a time with its unit"):
        na.load_spec({"areas": {"E": lif_area(2, tau_m="20 mV")}})
    with pytest.raises(na.SpecError, match=r"areas\.E\.neuron: v_threshold must be above v_reset"):
        na.load_spec({"areas": {"E": lif_area(2, v_threshold="-65 mV")}})
    spec = na.load_spec({"areas": {"E": lif_area(2)}, "stimuli": [{"area": "E", "amplitude": -5.0}]})
    with pytest.raises(na.BuildError, match=r"stimuli\[0\]\.amplitude: a Poisson rate must not be negative"):
        na.simulate(spec, "10 ms", progress=False)


def test_a_spiking_network_equals_the_same_network_written_in_brian2():
    import brian2 as b

    rng = np.random.default_rng(1)
    n_e, n_i = 40, 10
    spec = na.load_spec({"name": "ei", "areas": {"E": lif_area(n_e), "I": lif_area(n_i)},
        "projections": [
            {"source": "E", "target": "E", "weights": {"kind": "random", "distribution": "uniform", "low": 0.5,
                                                       "high": 1.5, "density": 0.2, "seed": 1}},
            {"source": "E", "target": "I", "weights": {"kind": "random", "distribution": "uniform", "low": 1.0,
                                                       "high": 2.0, "density": 0.3, "seed": 2}},
            {"source": "I", "target": "E", "weights": {"kind": "random", "distribution": "uniform", "low": -4.0,
                                                       "high": -2.0, "density": 0.4, "seed": 3}, "delay": "1 ms"}],
        "stimuli": [{"area": "E", "amplitude": rng.uniform(8000, 12000, n_e).tolist()}]})
    res = na.simulate(spec, "300 ms", record_every=None, seed=7, target="numpy", progress=False)

    # the same network, by hand
    eqs = """dv/dt = (v_rest - v + s_exc + s_inh)/tau_m : volt (unless refractory)
             ds_exc/dt = -s_exc/tau_exc : volt
             ds_inh/dt = -s_inh/tau_inh : volt
             rate : Hz"""
    ns = dict(v_rest=-70 * b.mV, tau_m=20 * b.ms, tau_exc=5 * b.ms, tau_inh=10 * b.ms, v_threshold=-50 * b.mV,
              v_reset=-60 * b.mV, t_ref=2 * b.ms, input_weight=0.5 * b.mV)
    b.prefs.codegen.target = "numpy"
    dt = 0.1 * b.ms
    E = b.NeuronGroup(n_e, eqs, threshold="v > v_threshold", reset="v = v_reset", refractory="t_ref",
                      method="euler", namespace=ns, dt=dt)
    I = b.NeuronGroup(n_i, eqs, threshold="v > v_threshold", reset="v = v_reset", refractory="t_ref",
                      method="euler", namespace=ns, dt=dt)
    E.v, I.v = -70 * b.mV, -70 * b.mV
    objects = [E, I]
    for p in spec.projections:
        w = spec.projection_matrix(p)
        for sign, channel in ((1, "exc"), (-1, "inh")):
            post, pre = np.nonzero(sign * w > 0)
            if not len(pre):
                continue
            S = b.Synapses({"E": E, "I": I}[p.source], {"E": E, "I": I}[p.target], "w : 1",
                           on_pre=f"s_{channel}_post += w*mV", dt=dt)
            S.connect(i=pre, j=post)
            S.w = w[post, pre]
            if p.delay:
                S.delay = p.delay * b.second
            objects.append(S)
    E.rate = np.asarray(spec.stimuli[0].amplitude) * b.Hz  # Poisson input: a count per step, as PoissonInput
    poisson = E.run_regularly("s_exc += input_weight*poisson(rate*dt)", when="before_synapses")
    mon = b.SpikeMonitor(E)
    net = b.Network(E, I, *objects[2:], poisson, mon)
    b.seed(7)
    net.run(300 * b.ms, namespace={})
    mine = res.spike_time.values[res.spike_area.values == "E"]
    units = res.spike_unit.values[res.spike_area.values == "E"]
    theirs_t, theirs_i = np.asarray(mon.t / b.second), np.asarray(mon.i)
    order = np.lexsort((theirs_i, theirs_t))
    mine_order = np.lexsort((units, mine))
    assert len(mine) > 100
    np.testing.assert_array_equal(mine[mine_order], theirs_t[order])
    np.testing.assert_array_equal(units[mine_order], theirs_i[order])


@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")  # dt = tau on purpose
def test_patterns_on_a_spiking_area_are_poisson_rates_in_turn():
    spec = na.load_spec({"name": "patterns", "areas": {"E": lif_area(
        20, refractory="0 ms", tau_exc="0.1 ms", input_weight="10 V", v_reset="-70 mV")},
        "stimuli": [{"area": "E", "patterns": [[80.0] * 10 + [0.0] * 10, [0.0] * 10 + [40.0] * 10],
                     "presentation": {"duration": "500 ms"}}]})
    res = na.simulate(spec, "2 s", record_every=None, seed=1, progress=False)
    t, unit = res.spike_time.values, res.spike_unit.values
    for k, (first, second) in enumerate([(80.0, 0.0), (0.0, 40.0)] * 2):
        shown = (t >= 0.5 * k) & (t < 0.5 * (k + 1))
        rates = [np.sum(shown & (unit < 10)) / (10 * 0.5), np.sum(shown & (unit >= 10)) / (10 * 0.5)]
        for rate, expected in zip(rates, (first, second)):
            assert abs(rate - expected) <= 4 * np.sqrt(expected / 5.0) + 1e-9  # four standard errors; 0 is 0


def _wta(inhibition, weights=1.0):
    return na.load_spec({"name": "wta", "areas": {"E": {
        **lif_area(4, inhibition=inhibition), "competition": {"model": "lateral", "alpha": 0.0, "beta": 1.0,
                                                               "weights": weights}}},
        "stimuli": [{"area": "E", "amplitude": [12000.0, 10000.0, 10000.0, 10000.0]}]})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_shared_inhibitory_pool_selects_the_stronger_input_as_direct_inhibition_does(seed):
    """Dale's law: the neurons only excite (the pool and themselves); the pool inhibits. Its mean
    inhibition is the direct circuit's, so the winner fires about as much and the others far less."""
    rates = {}
    for inhibition in ("direct", "pool"):
        res = na.simulate(_wta(inhibition), "2 s", record_every=None, seed=seed, progress=False)
        late = res.spike_time.values > 0.5
        rates[inhibition] = np.bincount(res.spike_unit.values[late], minlength=4) / 1.5
    assert rates["pool"][0] > 2.5 * rates["pool"][1:].max()  # seeds 0-8: 3.1 to 8.5 times
    # the others are not silenced completely (the pool's inhibition fluctuates less than the winner's
    # direct volleys), and their residual firing inhibits the winner a little
    assert 0.6 * rates["direct"][0] < rates["pool"][0] < 1.1 * rates["direct"][0]  # seeds 0-8: 0.69 to 0.97


def test_a_pool_needs_uniform_inhibition():
    bumpy = {"kind": "gaussian", "amplitude": 1.0, "sigma": 0.2}
    spec = _wta("pool", bumpy).replace({"areas.E.features": {"name": "x"}})
    with pytest.raises(na.BuildError, match=r"^areas\.E\.neuron\.inhibition: a pool gives every neuron the same"):
        na.simulate(spec, "10 ms", progress=False)
