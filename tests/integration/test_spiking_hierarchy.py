"""The hierarchy in spiking form: gain projections and stimulus noise on spiking areas, the rate→spike
mapping of `spiking_form` against the LIF closed form, and the selective-attention paradigm."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn import paradigms
from neuroattn.models import spiking_form


def _lif(n, **neuron):
    return {"n": n, "neuron": {"model": "lif", **neuron}}


def _gain_network(gain, input_weight="0.5 mV"):
    """A constant-rate area R (r = 2 from the start) multiplies spiking T's Poisson input by 1 + gain*2."""
    areas = {"R": {"n": 1, "tau": "10 ms", "transfer": "relu", "u0": 2.0}, "T": _lif(3, input_weight=input_weight)}
    projections = [{"source": "R", "target": "T", "mode": "gain", "weights": [[gain / 2]] * 3}] if gain else []
    return na.load_spec({"name": "gain", "areas": areas, "projections": projections,
                         "stimuli": [{"area": "R", "amplitude": 2.0}, {"area": "T", "amplitude": 9000.0}]})


def test_a_gain_projection_scales_a_spiking_areas_input_exactly():
    """Gain g multiplies every input spike's jump: the same spikes as input_weight * (1 + g)."""
    gained = na.simulate(_gain_network(0.5), "1 s", record_every=None, seed=5, progress=False)
    scaled = na.simulate(_gain_network(0.0, input_weight=f"{0.5 * 1.5!r} mV"), "1 s", record_every=None,
                         seed=5, progress=False)
    plain = na.simulate(_gain_network(0.0), "1 s", record_every=None, seed=5, progress=False)
    assert len(gained.spike_time) == len(scaled.spike_time) > 1.5 * len(plain.spike_time)
    np.testing.assert_allclose(gained.spike_time.values, scaled.spike_time.values, atol=1e-12)


def test_gain_from_a_spiking_area_reads_its_rate_in_hz():
    spec = na.load_spec({"name": "gain-spk", "areas": {"S": _lif(1), "T": _lif(2)},
                         "projections": [{"source": "S", "target": "T", "mode": "gain", "weights": [[0.05], [0.0]]}],
                         "stimuli": [{"area": "S", "amplitude": 12000.0}, {"area": "T", "amplitude": 9000.0}]})
    res = na.simulate(spec, "2 s", record_every=None, seed=1, progress=False)
    s_rate, t_rates = res.r_final.values[0], res.r_final.values[1:]
    assert s_rate > 20  # S fires, so T's first unit gets 1 + 0.05 * r_S > 2 times the input
    assert t_rates[0] > 1.5 * t_rates[1] > 0


def test_noise_on_a_spiking_stimulus_is_seeded_and_zero_noise_changes_nothing():
    def spec(sigma):
        return na.load_spec({"name": "noisy", "areas": {"E": _lif(4)}, "stimuli": [
            {"area": "E", "amplitude": 10000.0, "noise": {"sigma": sigma, "tau": "20 ms"}}]})
    plain = na.simulate(spec(0.0), "1 s", record_every=None, seed=2, progress=False)
    quiet = na.simulate(spec(0.0).replace({"stimuli[0].noise": None}), "1 s", record_every=None, seed=2,
                        progress=False)
    np.testing.assert_array_equal(plain.spike_time.values, quiet.spike_time.values)
    noisy = [na.simulate(spec(4000.0), "1 s", record_every=None, seed=s, progress=False) for s in (2, 2, 3)]
    np.testing.assert_array_equal(noisy[0].spike_time.values, noisy[1].spike_time.values)
    assert not np.array_equal(noisy[0].spike_time.values, noisy[2].spike_time.values)
    assert not np.array_equal(noisy[0].spike_time.values, plain.spike_time.values)


def test_noise_on_a_spiking_area_on_standalone_is_refused_in_one_line():
    spec = na.load_spec({"name": "noisy", "areas": {"E": _lif(2)}, "stimuli": [
        {"area": "E", "amplitude": 10000.0, "noise": {"sigma": 100.0}}]})
    with pytest.raises(na.BuildError, match=r"^stimuli\[0\]\.noise: .*runtime target") as err:
        na.simulate(spec, "10 ms", target="cpp_standalone", progress=False)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("transfer", [{"kind": "relu"}, {"kind": "sigmoid", "gain": 8.0, "threshold": 0.5}])
def test_spiking_form_fires_at_rate_unit_where_the_rate_model_reaches_095(transfer):
    """The converted area's neurons start firing where f = 0.05 and fire at `rate_unit` where f = 0.95
    (the LIF closed form under the mean input; Poisson fluctuations add some firing near rheobase)."""
    f = na.load_spec({"name": "x", "areas": {"A": {"n": 1, "tau": "10 ms", "transfer": transfer}}}).areas["A"].transfer
    c = f.constants()
    grid = np.linspace(-5, 5, 200001)
    at = [grid[np.argmin(np.abs(f.f(grid, c) - level))] for level in (0.05, 0.95)]
    rate_spec = na.load_spec({"name": "fi", "areas": {"A": {"n": 6, "tau": "20 ms", "transfer": transfer}},
                              "stimuli": [{"area": "A", "amplitude": [at[0]] * 3 + [at[1]] * 3}]})
    res = na.simulate(spiking_form(rate_spec, rate_unit=40.0), "4 s", record_every=None, seed=0, progress=False)
    counts = np.bincount(res.spike_unit.values, minlength=6) / 4.0
    assert np.all(counts[:3] < 0.25 * 40.0)
    np.testing.assert_allclose(counts[3:], 40.0, rtol=0.15)


def test_spiking_form_refuses_what_it_cannot_map():
    with pytest.raises(na.NeuroAttnError, match="^rate_unit: "):
        spiking_form(na.models.seed_competition(), rate_unit=0.0)
    with pytest.raises(na.NeuroAttnError, match="^neuron: unknown neuron model 'hh'"):
        spiking_form(na.models.seed_competition(), "hh")


@pytest.mark.parametrize("neuron", ["lif", "adex"])
def test_spiking_hierarchy_selective_attention_matches_the_rate_model(neuron):
    """Cue A (ended before the stimuli) makes A win in parietal and PFC, cue B makes B win: in the rate
    hierarchy and in its spiking form, for each of three seeds."""
    rate = paradigms.run("selective", seeds=[0], target="numpy", progress=False)
    spiking = paradigms.run("selective", na.models.cortical_hierarchy(neuron=neuron), seeds=[0, 1, 2],
                            target="numpy", progress=False)
    for res in (rate, spiking):
        for area in ("parietal", "PFC"):
            rates = paradigms.window_rates(res, area)
            for cued, other in (("A", "B"), ("B", "A")):
                sel = rates.sel(point=(res.condition == f"cue {cued}").values)
                win = paradigms.at(sel, getattr(paradigms, cued)).values
                lose = paradigms.at(sel, getattr(paradigms, other)).values
                assert np.all(win > 1.5 * lose) and np.all(win > 0), (area, cued, win, lose)
    assert spiking.spike_time.size > 0 and spiking.r.attrs.get("units") in ("Hz", "1 (Hz for spiking areas)")
