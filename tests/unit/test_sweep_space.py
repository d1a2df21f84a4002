"""Parameter spaces, dotted paths and sweep files: no simulation runs here."""

import numpy as np
import pytest

import neuroattn as na
from neuroattn.sweeps import Grid, Sample, Table, Zip, apply, from_config, get_value, make_plan, parse_path
from neuroattn.sweeps.config import load_sweep
from neuroattn.sweeps.paths import set_values, spec_data
from paths import EXPERIMENTS


@pytest.fixture
def two_area():
    return na.load_spec("""
name: two
areas:
  V1: {n: 3, tau: 10 ms, competition: {model: seed, beta: 0.5, weights: -0.2}}
  PFC: {n: 2, tau: 50 ms}
projections:
  - {source: PFC, target: V1, weights: 0.5, scale: 1.0, kind: feedback, mode: gain}
stimuli:
  - {name: cue, area: PFC, amplitude: 1.0}
""")


def test_parse_path_reads_keys_positions_and_names():
    assert parse_path("areas.V1.competition.beta") == ["areas", "V1", "competition", "beta"]
    assert parse_path("projections[PFC->V1].scale") == ["projections", "[PFC->V1]", "scale"]
    assert parse_path("stimuli[0].amplitude") == ["stimuli", 0, "amplitude"]


@pytest.mark.parametrize("path, value", [("areas.V1.competition.beta", 0.5), ("projections[PFC->V1].scale", 1.0),
                                          ("stimuli[0].amplitude", 1.0), ("stimuli[cue].amplitude", 1.0),
                                          ("areas.PFC.tau", "50.0 ms")])
def test_get_value_follows_every_path_form(two_area, path, value):
    assert get_value(spec_data(two_area), path) == value


def test_unknown_path_names_the_closest_valid_ones(two_area):
    with pytest.raises(na.SweepError, match=r"'areas\.V1\.competiton\.beta'.*closest: areas\.V1\.competition\.beta"):
        get_value(spec_data(two_area), "areas.V1.competiton.beta")
    with pytest.raises(na.SweepError, match="projections\\[PFC->V1\\].scale"):
        get_value(spec_data(two_area), "projections[PFC->V2].scale")


def test_set_values_copies_only_what_it_changes(two_area):
    base = spec_data(two_area)
    out = set_values(base, {"areas.V1.competition.beta": 2.0, "areas.V1.tau": "5 ms"})
    assert base["areas"]["V1"]["competition"]["beta"] == 0.5  # the base is untouched
    assert out["areas"]["PFC"] is base["areas"]["PFC"]  # branches off the path are shared
    spec = apply(base, {"areas.V1.competition.beta": 2.0, "areas.V1.tau": "5 ms"})
    assert spec.areas["V1"].competition.beta == 2.0 and spec.areas["V1"].tau == pytest.approx(0.005)


def test_invalid_value_is_a_sweep_error_naming_the_field(two_area):
    with pytest.raises(na.SweepError, match=r"areas\.PFC\.tau.*positive"):
        apply(spec_data(two_area), {"areas.PFC.tau": "-5 ms"})


def test_grid_zip_and_product_lay_out_points():
    g = Grid({"a": [1, 2], "b": [10, 20, 30]})
    assert g.n_points == 6 and g.shape == (2, 3)
    assert g.columns() == {"a": [1, 1, 1, 2, 2, 2], "b": [10, 20, 30, 10, 20, 30]}
    z = Zip({"c": [0.1, 0.2], "d": [5, 6]})
    p = g * z
    assert p.n_points == 12
    cols = p.columns()
    assert list(zip(cols["a"], cols["b"], cols["c"]))[:3] == [(1, 10, 0.1), (1, 10, 0.2), (1, 20, 0.1)]
    assert cols["d"] == [5, 6] * 6
    with pytest.raises(na.SweepError, match="one length"):
        Zip({"c": [1, 2], "d": [1]})
    with pytest.raises(na.SweepError, match="swept twice"):
        Grid({"a": [1]}) * Zip({"a": [2]})


def test_table_accepts_rows_and_checks_them():
    t = Table([{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    assert t.columns() == {"a": [1, 3], "b": [2, 4]}
    with pytest.raises(na.SweepError, match="row 1"):
        Table([{"a": 1}, {"b": 2}])


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_sample_is_seeded_and_inside_its_ranges(method):
    s = Sample({"x": (0.0, 2.0), "y": (1e-3, 1.0)}, n=40, seed=3, method=method, log=["y"])
    cols = s.columns()
    assert cols == Sample({"x": (0.0, 2.0), "y": (1e-3, 1.0)}, n=40, seed=3, method=method, log=["y"]).columns()
    assert cols != Sample({"x": (0.0, 2.0), "y": (1e-3, 1.0)}, n=40, seed=4, method=method, log=["y"]).columns()
    x, y = np.array(cols["x"]), np.array(cols["y"])
    assert np.all((0 <= x) & (x <= 2)) and np.all((1e-3 <= y) & (y <= 1))
    if method == "lhs":  # a Latin hypercube puts exactly one point in each of n equal strata per axis
        assert sorted(np.floor(x / 2 * 40).astype(int)) == list(range(40))
        assert sorted(np.floor((np.log(y) - np.log(1e-3)) / (-np.log(1e-3)) * 40).astype(int)) == list(range(40))


def test_space_from_yaml_forms():
    space = from_config({"product": [{"grid": {"a": {"linspace": [0, 1, 3]}}}, {"zip": {"b": {"arange": [0, 2, 1]}}}]})
    assert space.columns() == {"a": [0.0, 0.0, 0.5, 0.5, 1.0, 1.0], "b": [0.0, 1.0] * 3}
    with pytest.raises(na.SweepError, match="exactly one of grid"):
        from_config({"grid": {"a": [1]}, "zip": {"b": [1]}})
    with pytest.raises(na.SweepError, match="linspace"):
        from_config({"grid": {"a": {"linspce": [0, 1, 3]}}})


def test_plan_checks_paths_seeds_and_chunks_before_running(two_area):
    with pytest.raises(na.SweepError, match="closest"):
        make_plan(two_area, Grid({"areas.V1.competition.bta": [1, 2]}), "10 ms")
    plan = make_plan(two_area, Grid({"areas.V1.competition.beta": [0.1, 0.2, 0.3]}), "10 ms", seeds=[7, 8],
                     chunk_size=4)
    assert plan.n_points == 6 and plan.n_chunks == 2
    assert plan.seeds == [7, 8] * 3 and plan.columns["areas.V1.competition.beta"][:2] == [0.1, 0.1]
    assert plan.chunk_slice(1) == slice(4, 6)
    other = make_plan(two_area, Grid({"areas.V1.competition.beta": [0.1, 0.2, 0.3]}), "10 ms", seeds=[7, 9],
                      chunk_size=4)
    assert plan.identity() != other.identity()
    with pytest.raises(na.SweepError, match="metric"):
        make_plan(two_area, Grid({"areas.V1.competition.beta": [0.1]}), "10 ms", metrics=["wta"])
    with pytest.raises(na.SweepError, match="duration"):
        make_plan(two_area, Grid({"areas.V1.competition.beta": [0.1]}), "-1 ms")


@pytest.mark.parametrize("name", ["beta_sweep", "weight_sweep", "input_sweep"])
def test_shipped_sweep_files_load_and_plan(name):
    spec, space, kwargs = load_sweep(EXPERIMENTS / f"{name}.yaml")
    duration = kwargs.pop("duration")
    for key in ("backend", "workers", "scheduler"):
        kwargs.pop(key)
    plan = make_plan(spec, space, duration, **{k: v for k, v in kwargs.items()})
    assert plan.n_points == space.n_points * (len(kwargs["seeds"]) if np.ndim(kwargs["seeds"]) else 1)


def test_sweep_file_errors_name_the_field(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("model: nothere.yaml\nspace: {grid: {a: [1]}}\nduration: 1 s\nbackend: gpu\n")
    with pytest.raises(na.SweepError, match="backend"):
        load_sweep(f)
    f.write_text("model: nothere.yaml\nspace: {grid: {a: [1]}}\nduration: 1 s\n")
    with pytest.raises(na.SweepError, match="no such file"):
        load_sweep(f)


@pytest.mark.parametrize("values", [
    {"areas.V1.competition.beta": 1.5},
    {"areas.PFC.tau": "20 ms", "projections[PFC->V1].scale": 0.3},
    {"stimuli[cue].amplitude": [0.2, 0.4]},
    {"stimuli[0].onset": "5 ms", "areas.V1.competition.weights.value": -0.4},
    {"areas.V1.transfer.gain": 3.0},
])
def test_in_object_route_equals_the_plain_data_route(two_area, values):
    from neuroattn.sweeps.paths import apply_to_spec

    fast = apply_to_spec(two_area, values)
    assert fast == apply(spec_data(two_area), values)
    untouched = two_area.areas["PFC"] if "areas.PFC.tau" not in values else two_area.areas["V1"].transfer
    assert any(x is untouched for x in (fast.areas["PFC"], fast.areas["V1"].transfer))  # reused, not rebuilt


def test_in_object_route_keeps_cross_checks(two_area):
    from neuroattn.sweeps.paths import apply_to_spec

    with pytest.raises(na.SweepError, match="amplitude.*2 units"):
        apply_to_spec(two_area, {"stimuli[0].amplitude": [1.0, 2.0, 3.0]})
    with pytest.raises(na.SweepError, match="tau.*positive"):
        apply_to_spec(two_area, {"areas.PFC.tau": "-1 ms"})
