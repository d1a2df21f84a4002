"""Structural plasticity and reserve units in specs: the fields, the unit layout, one-line errors."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.exceptions import SpecError
from neuroattn.spec.weights import Sparse


def spec_of(structural=None, reserve=None, rule=None, extra_areas=None, plastic=True):
    rule = rule or {"rule": "hebb", "rate": 1.0, "w_min": 0.0}
    areas = {"x": {"n": 3, "tau": "10 ms", "transfer": "linear"},
             "y": {"n": 2, "tau": "10 ms", "transfer": "linear", **({"reserve": reserve} if reserve else {})},
             **(extra_areas or {})}
    proj = {"source": "x", "target": "y", "weights": [[1.0, 0.1, 0.0], [0.0, 1.0, 0.1]]}
    if plastic:
        proj["plasticity"] = rule
    if structural is not None:
        proj["structural"] = structural
    return na.load_spec({"areas": areas, "projections": [proj]})


def one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_structural_fields_and_defaults():
    spec = spec_of({"every": "50 ms", "prune_below": 0.05, "prune_after": "1 s", "grow_above": 0.2})
    st = spec.projections[0].structural
    assert (st.every, st.prune_after, st.max_new, st.coactivity_tau, st.regrow) == (0.05, 1.0, 1, 1.0, False)
    assert list(spec.structural_connections()) == ["x->y"]


@pytest.mark.parametrize("structural, rule, field", [
    ({"grow_above": -0.1}, None, "grow_above"),
    ({"prune_below": 0.01}, {"rule": "hebb", "rate": 1.0, "w_min": 0.05}, "prune_below"),
    ({"max_new": -1}, None, "max_new"),
    ({"every": "0 ms"}, None, "every"),
    ({"prune_after": "-1 s"}, None, "prune_after"),
])
def test_nonsensical_thresholds_are_one_line_naming_the_field(structural, rule, field):
    with pytest.raises(SpecError) as err:
        spec_of(structural, rule=rule)
    assert field in one_line(err)
    assert "projections[0]" in str(err.value) or "projections.0" in str(err.value)


def test_structural_needs_plasticity():
    with pytest.raises(SpecError) as err:
        spec_of({"prune_below": 0.1}, plastic=False)
    assert "structural" in one_line(err) and "plasticity" in str(err.value)


def test_reserve_needs_plastic_input():
    reserve = {"n": 2, "recruit_when": {"above": 0.5, "duration": "10 ms"}}
    with pytest.raises(SpecError) as err:
        spec_of(reserve=reserve, plastic=False)
    assert one_line(err).startswith("areas.y.reserve:") and "plastic input" in str(err.value)
    spec_of(reserve={"n": 2}, plastic=False)  # never recruited: no plastic input needed


def test_recruit_when_naming_a_missing_area():
    reserve = {"n": 2, "recruit_when": {"area": "PFX", "above": 0.5, "duration": "10 ms"}}
    with pytest.raises(SpecError) as err:
        spec_of(reserve=reserve, extra_areas={"PFC": {"n": 2, "tau": "10 ms"}})
    assert one_line(err).startswith("areas.y.reserve.recruit_when.area: no area named 'PFX'")
    assert "did you mean 'PFC'" in str(err.value)


@pytest.mark.parametrize("reserve, field", [
    ({"n": 2, "parents": [0, 2]}, "reserve.parents"),
    ({"n": 2, "parents": [0]}, "parents"),
    ({"n": 2, "recruited": [2]}, "recruited"),
    ({"n": 0}, "reserve.n"),
])
def test_bad_reserves(reserve, field):
    with pytest.raises(SpecError) as err:
        spec_of(reserve=reserve)
    assert field in one_line(err)


def test_reserve_on_a_spiking_area_is_refused():
    with pytest.raises(SpecError) as err:
        na.Area(n=4, neuron={"model": "lif"}, reserve={"n": 1})
    assert "reserve" in one_line(err)


def test_reserve_units_follow_the_area_and_copy_their_parents():
    spec = spec_of(reserve={"n": 3, "parents": [1, 1, 0]})
    y = spec.areas["y"]
    assert (y.n, y.n_units) == (2, 5)
    np.testing.assert_array_equal(y.unit_map(), [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(y.unit_features(), y.feature_values()[[0, 1, 1, 1, 0]])
    assert spec.n_units == 3 + 5
    assert spec.area_slices()["y"] == slice(3, 8)
    default = na.Area(n=8, tau="10 ms", reserve={"n": 4})
    np.testing.assert_array_equal(default.unit_map()[8:], [0, 2, 4, 6])  # spread over the area


def test_sparse_pattern():
    w = Sparse(shape=(2, 3), post=[0, 1], pre=[2, 0], value=[0.5, -1.0]).matrix([0, 1], [0, 1, 2])
    np.testing.assert_array_equal(w, [[0, 0, 0.5], [-1.0, 0, 0]])
    dense = np.array([[0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(Sparse.from_matrix(dense).matrix([0, 1], [0, 1]), dense)
    with pytest.raises(SpecError) as err:
        Sparse(shape=(2, 2), post=[0, 2], pre=[0, 0], value=[1, 1])
    assert "post" in one_line(err)
    with pytest.raises(SpecError):
        Sparse(shape=(2, 2), post=[0], pre=[0, 1], value=[1])


def test_full_size_matrices_are_accepted_for_areas_with_reserve_units():
    spec = spec_of(reserve={"n": 1})
    full = np.ones((3, 3)).tolist()
    spec.replace({"projections[x->y].weights": full})
    with pytest.raises(SpecError) as err:
        spec.replace({"projections[x->y].weights": np.ones((4, 3)).tolist()})
    assert "projections[0].weights" in one_line(err)
