"""Spiking networks on cpp_standalone compile once per structure: later batches only set numbers
(``run_args``) and reseed the program, and give the same spikes as a program built for them."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.engine import NetworkCache, RunSettings, run

pytestmark = pytest.mark.slow  # compiles C++ programs


def _spec(drive=12000.0, beta=1.0, tau_m="20 ms", w_fb=4.0):
    return na.load_spec({"name": "wta-sa", "areas": {
        "E": {"n": 4, "neuron": {"model": "lif", "tau_m": tau_m},
              "competition": {"model": "lateral", "alpha": 0.0, "beta": beta, "weights": 1.0}},
        "F": {"n": 4, "neuron": {"model": "lif"}}},
        "projections": [{"source": "E", "target": "F", "weights": [[w_fb if i == j else 0.0 for j in range(4)]
                                                                  for i in range(4)], "delay": "2 ms"}],
        "stimuli": [{"area": "E", "amplitude": [drive, 10000.0, 10000.0, 10000.0]},
                    {"area": "F", "amplitude": 8000.0, "onset": "100 ms"}]})


def test_a_compiled_spiking_program_takes_new_numbers_and_seeds_and_equals_a_fresh_build():
    settings = RunSettings.parse("300 ms", dt="0.1 ms", record_every=None)
    first = [_spec(), _spec(drive=11000.0)]
    second = [_spec(drive=9000.0, beta=0.5, tau_m="15 ms", w_fb=6.0), _spec(drive=13000.0, w_fb=2.0)]
    with NetworkCache() as cache:
        a = run(first, settings, seeds=[3, 4], target="cpp_standalone", cache=cache, provenance=False)
        compiled = cache._network
        b = run(second, settings, seeds=[7, 8], target="cpp_standalone", cache=cache, provenance=False)
        assert cache._network is compiled  # same structure and connectivity: no second compile
    for batch, seeds, cached in ((first, [3, 4], a), (second, [7, 8], b)):
        fresh = run(batch, settings, seeds=seeds, target="cpp_standalone", provenance=False)
        assert fresh.spike_time.size > 20
        np.testing.assert_array_equal(cached.spike_unit.values, fresh.spike_unit.values)
        np.testing.assert_allclose(cached.spike_time.values, fresh.spike_time.values, atol=1e-12)
    assert not np.array_equal(a.r_final.values, b.r_final.values)


def test_other_connectivity_compiles_anew():
    settings = RunSettings.parse("50 ms", dt="0.1 ms", record_every=None)
    with NetworkCache() as cache:
        run([_spec()], settings, seeds=[0], target="cpp_standalone", cache=cache, provenance=False)
        compiled = cache._network
        res = run([_spec(w_fb=-4.0)], settings, seeds=[0], target="cpp_standalone", cache=cache, provenance=False)
        assert cache._network is not compiled  # inhibitory instead of excitatory synapses: other synapses
    assert res.spike_time.size > 0


def test_a_spiking_sweep_on_standalone_equals_its_runtime_counterpart_in_shape_and_outcome(tmp_path):
    """A β sweep of the spiking WTA on cpp_standalone, two chunks through one compiled program."""
    res = na.sweep(_spec(), {"areas.E.competition.beta": [0.0, 0.5, 1.0, 2.0]}, "300 ms", target="cpp_standalone",
                   chunk_size=2, progress=False, seeds=0)
    rates = res.r_final.sel(unit=(res.area == "E").values).values  # (beta, unit)
    assert rates.shape == (4, 4)
    assert np.all(rates[0] > 0)  # no competition: every unit fires
    assert rates[-1, 0] > 0 and np.all(rates[-1, 1:] < rates[-1, 0])  # strong competition: the stronger input wins
