"""Running tiny networks: result schema, provenance, file round trips, divergence, the CLI."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import xarray as xr

import neuroattn as na
from neuroattn.cli import main
from neuroattn.results import load, save
from paths import MODELS

SEED_YAML = MODELS / "seed_competition.yaml"


@pytest.fixture(scope="module")
def result():
    spec = na.load_spec(SEED_YAML)
    return na.simulate(spec, "50 ms", dt="0.1 ms", seed=3, record_every=10)


def test_result_schema(result):
    assert dict(result.u.sizes) == {"time": 50, "unit": 4}
    assert set(result.data_vars) >= {"u", "r", "I", "u_final", "r_final", "diverged"}
    assert list(result.area.values) == ["V1"] * 4 and list(result.index.values) == [0, 1, 2, 3]
    assert np.allclose(result.time.values, np.arange(50) * 1e-3) and result.time.attrs["units"] == "s"
    assert np.allclose(result.I.values, [1.0, 0.98, 0.96, 0.94])
    assert np.allclose(result.r.values, np.maximum(result.u.values, 0))


def test_provenance(result):
    attrs = result.attrs
    assert na.load_spec(attrs["spec"]) == na.load_spec(SEED_YAML)
    assert attrs["seed"] == 3 and attrs["dt"] == 1e-4 and attrs["diverged"] == 0
    for pkg in ("neuroattn", "brian2", "numpy"):
        assert attrs[f"{pkg}_version"]


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_save_load_round_trip_exact(result, tmp_path, suffix):
    path = save(result, tmp_path / f"r{suffix}")
    back = load(path)
    xr.testing.assert_identical(back.drop_vars("area"), result.drop_vars("area"))
    assert list(back.area.values) == list(result.area.values)


def test_times_as_quantities_and_strings_agree():
    from neuroattn.units import ms, second

    spec = na.load_spec(SEED_YAML)
    a = na.simulate(spec, 0.02 * second, dt=0.1 * ms, record_every=None)
    b = na.simulate(spec, "20 ms", dt="0.1 ms", record_every=None)
    assert np.array_equal(a.u_final.values, b.u_final.values)


def test_record_every_as_time():
    res = na.simulate(na.load_spec(SEED_YAML), "20 ms", record_every="2 ms")
    assert res.sizes["time"] == 10


@pytest.mark.parametrize("kwargs, match", [
    ({"duration": "-1 s"}, r"duration: must be a positive time"),
    ({"duration": "1 s", "dt": "3 ms"}, r"duration: must be a whole number of steps"),
    ({"duration": "10 ms", "record_every": 0}, r"record_every: must be between"),
    ({"duration": "10 ms", "target": "gpu"}, r"target: must be one of numpy, cython, cpp_standalone"),
    ({"duration": "10 ms", "record": ["v"]}, r"record: can trace u, r, I, E \(got 'v'\)"),
    ({"duration": 10}, r"duration: must be a time with a unit"),
])
def test_bad_run_arguments(kwargs, match):
    spec = na.load_spec(SEED_YAML)
    duration = kwargs.pop("duration")
    with pytest.raises(na.SimulationError, match=match):
        na.simulate(spec, duration, **kwargs)


def test_divergence_is_flagged_not_crashed():
    spec = na.NetworkSpec(areas={"A": na.Area(n=3, tau="10 ms", transfer="linear",
                                              competition=na.Seed(beta=-5.0, weights=1.0))},
                          stimuli=[na.Stimulus(area="A", amplitude=1.0)])
    with pytest.warns(na.DivergenceWarning, match="1 of 1 point"):
        res = na.simulate(spec, "200 ms", record_every=None)
    assert res.attrs["diverged"] == 1 and bool(res.diverged)


def test_batch_flags_divergence_per_point():
    specs = [na.NetworkSpec(areas={"A": na.Area(n=2, tau="10 ms", transfer="linear",
                                                competition=na.Seed(beta=b, weights=1.0))}) for b in (0.0, -9.0)]
    specs = [s.replace(stimuli=[{"area": "A", "amplitude": 1.0}]) for s in specs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", na.DivergenceWarning)
        res = na.simulate_batch(specs, "200 ms", record_every=None, point_coords={"beta": [0.0, -9.0]})
    assert res.diverged.values.tolist() == [False, True]
    assert res.beta.values.tolist() == [0.0, -9.0]


def test_batch_refuses_different_structures():
    a = na.load_spec(SEED_YAML)
    b = a.replace(stimuli=[])
    with pytest.raises(na.BuildError, match="point 1 differs from point 0 in the structure of its stimuli"):
        na.simulate_batch([a, b], "1 ms")


def test_delay_with_synapses_is_a_build_error():
    spec = na.NetworkSpec(areas={"A": na.Area(n=2, tau="5 ms"), "B": na.Area(n=2, tau="5 ms")},
                          projections=[na.Projection(source="A", target="B", weights=0.1, delay="2 ms")])
    with pytest.raises(na.BuildError, match=r"projections\[A->B\]\.delay"):
        na.simulate(spec, "5 ms", coupling="synapses")


# -- CLI ------------------------------------------------------------------------------------------------
def test_cli_run_writes_result_and_plot(tmp_path, capsys):
    out, png = tmp_path / "res.nc", tmp_path / "traces.png"
    code = main(["run", str(SEED_YAML), "--duration", "30ms", "--out", str(out),
                 "--plot", str(png), "--seed", "1", "--record-every", "5"])
    assert code == 0
    res = load(out)
    assert res.sizes["time"] == 60 and res.attrs["seed"] == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "seed-competition" in capsys.readouterr().out


@pytest.mark.parametrize("args, match", [
    (["run", "nope.yaml", "--duration", "1s"], "no such file"),
    (["run", str(SEED_YAML), "--duration", "3"], "duration: must be a time with a unit"),
    (["run", str(SEED_YAML), "--duration", "1s", "--dt", "-1 ms"], "dt: must be a positive time"),
    (["run", "BADSPEC", "--duration", "1s"], "areas.V1.tau: must be a positive time"),
])
def test_cli_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, args, match):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED_YAML.read_text().replace("10 ms", "-10 ms"))
    out = tmp_path / "res.nc"
    args = [str(bad) if a == "BADSPEC" else a for a in args] + ["--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("neuroattn: error: ") and match in err and "\n" not in err
    assert not out.exists()


def test_cli_bad_out_suffix(tmp_path, capsys):
    assert main(["run", str(SEED_YAML), "--duration", "1ms", "--out", str(tmp_path / "r.csv")]) == 2
    assert ".nc (NetCDF) or .zarr" in capsys.readouterr().err


def test_python_dash_m_and_info(tmp_path):
    out = subprocess.run([sys.executable, "-m", "neuroattn", "info"], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    assert "brian2" in out.stdout and "target" in out.stdout
