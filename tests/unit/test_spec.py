"""Spec construction, YAML round trips and the one-line errors of bad input (no simulation)."""
import math

import numpy as np
import pytest

import neuroattn as na
from neuroattn.spec import spec_hash
from neuroattn.spec.quantities import format_time, parse_time
from paths import MODELS


def test_issue_yaml_loads_as_written(seed_yaml):
    spec = na.load_spec(seed_yaml)
    v1 = spec.areas["V1"]
    assert (v1.n, v1.tau, v1.transfer.kind) == (4, 0.01, "relu")
    assert v1.competition.model == "seed" and v1.competition.beta == 0.6
    assert v1.competition.weights.value == -0.3 and v1.competition.include_self is True
    assert spec.stimuli[0].amplitude == [1.0, 0.98, 0.96, 0.94]


def test_yaml_round_trip_is_exact(seed_yaml, tmp_path):
    spec = na.load_spec(seed_yaml)
    assert na.load_spec(na.dump_spec(spec)) == spec
    path = tmp_path / "m.yaml"
    na.dump_spec(spec, path)
    assert na.load_spec(path) == spec


def test_models_folder_matches_factory():
    from neuroattn.models import seed_competition

    assert na.load_spec(MODELS / "seed_competition.yaml") == seed_competition()


@pytest.mark.parametrize("text, seconds", [("10 ms", 0.01), ("2s", 2.0), ("0.5 second", 0.5),
                                           ("250 us", 250e-6), ("1e-4 s", 1e-4), (0, 0.0)])
def test_parse_time(text, seconds):
    assert math.isclose(parse_time(text), seconds, rel_tol=1e-15)


def test_time_accepts_brian2_quantity():
    from neuroattn.units import ms

    assert na.Area(n=2, tau=10 * ms).tau == pytest.approx(0.01, rel=1e-15)


@pytest.mark.parametrize("seconds", [0.01, 1e-4, 0.1 + 0.2, 2.0, 1 / 3, 123.456, 13 * 1e-3, 7e-3 + 1e-18])
def test_format_time_inverts_parse_time(seconds):
    assert parse_time(format_time(seconds)) == seconds


def test_shorthands():
    area = na.Area(n=3, tau="5 ms", transfer="tanh(u)", competition={"model": "seed", "weights": -0.1})
    assert area.transfer.kind == "expression" and area.competition.weights.value == -0.1
    m = na.Area(n=2, tau="5 ms", competition={"model": "lateral", "weights": [[0, 1], [1, 0]]})
    assert m.competition.weights.kind == "matrix"


def test_area_list_is_keyed_by_name():
    spec = na.NetworkSpec(areas=[na.Area(name="A", n=2, tau="1 ms"), na.Area(name="B", n=3, tau="1 ms")])
    assert list(spec.areas) == ["A", "B"] and spec.n_units == 5
    assert spec.area_slices() == {"A": slice(0, 2), "B": slice(2, 5)}


def test_weight_patterns():
    x = np.arange(8) / 8
    ring = na.Gaussian(amplitude=1.0, sigma=0.1).matrix(x, x, period=1.0)
    assert np.allclose(ring, ring.T) and np.allclose(np.diag(ring), 1.0)
    assert ring[0, 7] == pytest.approx(ring[0, 1])  # periodic wrap: unit 7 neighbours unit 0
    r1 = na.Random(seed=4).matrix(x, x)
    assert np.array_equal(r1, na.Random(seed=4).matrix(x, x)) and not np.array_equal(r1, na.Random(seed=5).matrix(x, x))
    sparse = na.Random(seed=1, density=0.3).matrix(np.arange(100), np.arange(100))
    assert 0.2 < np.mean(sparse != 0) < 0.4


def test_stimulus_envelope_steps_and_ramps():
    stim = na.Stimulus(area="A", onset="1 ms", offset="3 ms", ramp="0.5 ms")
    env = stim.envelope(40, 1e-4)
    assert np.all(env[:10] == 0) and np.all(env[30:] == 0)
    assert env[10] == 0 and env[12] == pytest.approx(0.4) and np.all(env[15:30] == 1)


def test_spec_hash_is_stable_and_content_based(seed_yaml):
    a, b = na.load_spec(seed_yaml), na.load_spec(seed_yaml)
    assert spec_hash(a) == spec_hash(b)
    assert spec_hash(a) != spec_hash(a.replace(name="other"))


def test_expression_transfer_math():
    f = na.Expression(expr="u**2/(1+u**2)")
    assert f.value(1.0) == pytest.approx(0.5)
    assert f.derivative(1.0) == pytest.approx(0.5)  # 2u/(1+u^2)^2 at 1


# -- bad input: every case raises SpecError naming the field, the constraint and the value ------------
BAD = [
    ("tau: 10 ms", "tau: -5 ms", "areas.V1.tau", "positive time", "-5 ms"),
    ("tau: 10 ms", "tau: 10 mV", "areas.V1.tau", "time with a unit", "10 mV"),
    ("tau: 10 ms", "tau: 10", "areas.V1.tau", "time with a unit", "10"),
    ("n: 4", "n: -1", "areas.V1.n", ">= 1", "-1"),
    ("n: 4", "n: 2.5", "areas.V1.n", "whole number", "2.5"),
    ("n: 4", "n: 4\n    colour: red", "areas.V1.colour", "unknown field", "red"),
    ("area: V1", "area: V2", "stimuli[0].area", "no area named 'V2'", "V1"),
    ("[1.0, 0.98, 0.96, 0.94]", "[1.0, 2.0]", "stimuli[0].amplitude", "has 2 entries", "n=4"),
    ("value: -0.3", "value: .nan", "areas.V1.competition.weights.value", "finite", "nan"),
    ("value: -0.3", "value: .inf", "areas.V1.competition.weights.value", "finite", "inf"),
    ("{kind: relu}", "{kind: relux}", "areas.V1.transfer", "unknown transfer", "relux"),
    ("{kind: relu}", "'foo(u)'", "areas.V1.transfer.expr", "unknown function", "foo(u)"),
    ("{kind: relu}", "'u +* 2'", "areas.V1.transfer.expr", "not a valid expression", "u +* 2"),
    ("{kind: relu}", "'x + 1'", "areas.V1.transfer.expr", "unknown name 'x'", "x + 1"),
    ("{kind: uniform, value: -0.3}", "{kind: matrix, value: [[1, 2], [3, 4]]}",
     "areas.V1.competition.weights", "must be 4x4", "2x2"),
    ("{kind: uniform, value: -0.3}", "{kind: matrix, value: [[1, 2], [3]]}",
     "areas.V1.competition.weights.value", "same length", "[3]"),
    ("model: seed", "model: sead", "areas.V1.competition", "unknown competition model 'sead'", "sead"),
]


@pytest.mark.parametrize("old, new, field, constraint, value", BAD)
def test_bad_yaml_names_field_constraint_value(seed_yaml, old, new, field, constraint, value):
    assert old in seed_yaml
    with pytest.raises(na.SpecError) as info:
        na.load_spec(seed_yaml.replace(old, new, 1))
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(field + ":"), msg
    assert constraint in msg and value in msg, msg


def test_unknown_area_in_projection_suggests_name(seed_yaml):
    text = seed_yaml + "projections:\n  - {source: V1, target: PFc, weights: 0.1}\n"
    with pytest.raises(na.SpecError, match=r"^projections\[0\]\.target: no area named 'PFc' \(areas: V1\)"):
        na.load_spec(text)


def test_projection_matrix_shape_is_checked():
    areas = {"A": na.Area(n=2, tau="1 ms"), "B": na.Area(n=3, tau="1 ms")}
    with pytest.raises(na.SpecError, match=r"projections\[0\]\.weights: matrix must be 3x2"):
        na.NetworkSpec(areas=areas, projections=[na.Projection(source="A", target="B", weights=np.ones((2, 3)))])


def test_direct_construction_errors_name_the_class():
    with pytest.raises(na.SpecError, match=r"^Area\.tau: must be a positive time \(got '-5 ms'\)$"):
        na.Area(n=4, tau="-5 ms")
    with pytest.raises(na.SpecError, match=r"Stimulus: offset must come after onset"):
        na.Stimulus(area="A", onset="10 ms", offset="5 ms")
    with pytest.raises(na.SpecError, match=r"Divisive.*non-negative weights"):
        na.Divisive(weights=-1.0)


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(na.SpecError, match="no such file"):
        na.load_spec(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("areas: [1,\n")
    with pytest.raises(na.SpecError, match=r"spec YAML: does not parse at line"):
        na.load_spec(bad)
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(na.SpecError, match="must be a mapping"):
        na.load_spec(bad)


def test_specs_are_frozen(seed_yaml):
    spec = na.load_spec(seed_yaml)
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="Instance is frozen"):
        spec.name = "x"
    assert spec.replace(name="x").name == "x" and spec.name == "seed-competition"


def test_replace_takes_the_sweeps_dotted_paths():
    spec = na.models.seed_competition()
    out = spec.replace({"areas.V1.competition.beta": 0.7, "stimuli[0].amplitude": [1, 1, 1, 1]})
    assert out.areas["V1"].competition.beta == 0.7 and out.stimuli[0].amplitude == [1.0] * 4
    assert spec.areas["V1"].competition.beta == 0.6  # specs are frozen: a copy changed
    assert out.areas["V1"].competition.weights is spec.areas["V1"].competition.weights  # reused, not rebuilt
    assert spec.replace({"stimuli[0].amplitude[1]": 0.5}).stimuli[0].amplitude[1] == 0.5  # into a plain list
    with pytest.raises(na.SpecError, match=r"no parameter 'areas\.V1\.competition\.bta'.*closest: "
                                           r"areas\.V1\.competition\.beta"):
        spec.replace({"areas.V1.competition.bta": 0.7})
    with pytest.raises(na.SpecError, match=r"beta: must be a number"):
        spec.replace({"areas.V1.competition.beta": "high"})
