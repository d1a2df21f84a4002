"""Every result kind describes itself: units and long_name on every variable and coordinate (CF),
flag_values/flag_meanings on categorical codes, swept coordinates in the units of what they sweep;
`open_result` reopens them all; `import neuroattn` stays light and its subpackages load on first use."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import neuroattn as na
from neuroattn.analysis import REGIMES

BETA, TAU = "areas.V1.competition.beta", "areas.V1.tau"


def undescribed(ds):
    return sorted(str(k) for k in list(ds.data_vars) + list(ds.coords)
                  if not {"units", "long_name"} <= set(ds[k].attrs))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    spec = na.models.seed_competition()
    out = {"simulate": na.simulate(spec, "40 ms", record_every=10, record=("u", "r", "I", "E"), progress=False),
           "simulate, final only": na.simulate(spec, "40 ms", record_every=None, progress=False),
           "simulate_batch": na.simulate_batch([spec, spec.replace({BETA: 0.5})], "40 ms",
                                               point_coords={BETA: [0.6, 0.5], "condition": ["a", "b"]},
                                               seed=[0, 1], progress=False),
           "plastic": na.simulate(na.load_spec(
               "name: oja\nareas:\n  x: {n: 2, tau: 1 ms, transfer: linear}\n  y: {n: 1, tau: 1 ms, transfer: linear}\n"
               "projections:\n  - {source: x, target: y, weights: [[0.1, 0.2]], plasticity: {rule: oja, rate: 1.0}}\n"
               "stimuli:\n  - {area: x, amplitude: [1.0, 0.5]}\n"), "20 ms", record_weights_every="5 ms", progress=False),
           "spiking": na.simulate(na.load_spec("areas:\n  S: {n: 3, neuron: {model: lif}}\n"
                                               "stimuli:\n  - {area: S, amplitude: 800.0}\n"), "40 ms",
                                  record_every=10, progress=False)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", na.DivergenceWarning)
        space = {BETA: [0.5, 1.2], TAU: ["10 ms", "20 ms"]}
        metrics = ["wta_index", "winner", "regime", "selection_latency", "mean_rate", "max_rate"]
        out["sweep"] = na.sweep(spec, space, "40 ms", seeds=[0, 1], metrics=metrics, record="traces",
                                record_every=50, progress=False)
        store = tmp_path_factory.mktemp("store") / "s.zarr"
        na.sweep(spec, space, "40 ms", metrics=metrics, store=store, progress=False)
        out["sweep store"] = na.open_result(store)
    return out


KINDS = ["simulate", "simulate, final only", "simulate_batch", "plastic", "spiking", "sweep", "sweep store"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_variable_and_coordinate_has_units_and_a_long_name(results, kind):
    ds = results[kind]
    assert undescribed(ds) == []
    assert ds["time"].attrs["units"] == "s" if "time" in ds.coords else True
    for name in ds.data_vars:
        if name.startswith("regime_"):
            attrs = ds[name].attrs
            assert list(attrs["flag_values"]) == list(range(len(REGIMES)))
            assert attrs["flag_meanings"].split() == [r.replace("-", "_") for r in REGIMES]


@pytest.mark.parametrize("kind", ["sweep", "sweep store"])
def test_swept_coordinates_carry_the_units_of_what_they_sweep(results, kind):
    ds = results[kind]
    assert ds[TAU].attrs["units"] == "s" and sorted(set(ds[TAU].values)) == [0.01, 0.02]
    assert ds[BETA].attrs == {"units": "1", "long_name": "V1 competition beta", "path": BETA}
    assert ds["selection_latency_V1"].attrs["units"] == "s"
    assert ds["max_rate_V1"].attrs["units"] == ds["r_final"].attrs["units"] == "1"
    assert "V1" in ds["wta_index_V1"].attrs["long_name"]


def test_batch_point_coordinates_are_described(results):
    ds = results["simulate_batch"]
    assert ds[BETA].attrs["long_name"] == "V1 competition beta" and ds["condition"].attrs["units"] == "1"
    assert ds["seed"].attrs["long_name"] == "noise seed"


def test_spiking_rates_are_in_hertz(results):
    ds = results["spiking"]
    assert "Hz" in ds["r_final"].attrs["units"] and ds["spike_time"].attrs["units"] == "s"


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_open_result_reopens_saved_results_with_their_attributes(results, tmp_path, suffix):
    ds = results["simulate"]
    path = na.results.save(ds, tmp_path / f"r{suffix}")
    back = na.open_result(path)
    assert undescribed(back) == [] and back["r"].attrs == ds["r"].attrs
    np.testing.assert_array_equal(back.r.values, ds.r.values)
    sweep = results["sweep"]
    na.sweeps.export_netcdf(sweep, tmp_path / "sweep.nc")
    assert undescribed(na.open_result(tmp_path / "sweep.nc")) == []
    with pytest.raises(na.NeuroAttnError, match="no such file"):
        na.open_result(tmp_path / "missing.nc")
    with pytest.raises(na.NeuroAttnError, match=r"\.nc \(NetCDF\) or \.zarr"):
        na.open_result(tmp_path / "r.csv")


def test_import_is_light_and_subpackages_load_on_first_use(tmp_path):
    code = ("import sys, neuroattn as na\n"
            "light = not any(m in sys.modules for m in ('brian2', 'matplotlib', 'neuroattn.analysis',"
            " 'neuroattn.sweeps', 'neuroattn.plotting'))\n"
            "print(light, na.results.load.__name__, na.analysis.bifurcation.__name__, na.sweeps.sweep.__name__,"
            " na.plotting.regime.__name__, 'brian2' in sys.modules, 'matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.split() == ["True", "load", "bifurcation", "sweep", "regime", "False", "False"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        na.nope
