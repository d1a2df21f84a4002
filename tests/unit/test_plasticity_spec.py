"""Plasticity, pattern and task specs: the issue's YAML as written, and one-line errors for bad input."""
import pytest

import neuroattn as na

from paths import MODELS


def test_the_oja_yaml_loads_as_written_and_round_trips():
    spec = na.load_spec(MODELS / "oja.yaml")
    rule = spec.projections[0].plasticity
    assert rule.rule == "oja" and rule.rate == 2.0
    assert spec.stimuli[0].presentation.order == "random"
    assert na.load_spec(na.dump_spec(spec)) == spec


def test_the_schedule_lays_out_presentations_and_gaps():
    spec = na.load_spec({"areas": {"x": {"n": 2, "tau": "1 ms"}}, "stimuli": [{
        "area": "x", "onset": "2 ms", "patterns": [[1, 0], [0, 1]],
        "presentation": {"duration": "3 ms", "gap": "1 ms", "n": 3}}]})
    schedule = spec.stimuli[0].schedule(20, 1e-3)
    assert schedule.tolist() == [-1, -1, 0, 0, 0, -1, 1, 1, 1, -1, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1]


BASE = {"name": "p", "areas": {"x": {"n": 2, "tau": "1 ms"}, "y": {"n": 2, "tau": "1 ms"}},
        "projections": [{"source": "x", "target": "y", "weights": 0.1, "plasticity": {"rule": "hebb", "rate": 1.0}}],
        "stimuli": [{"area": "x", "patterns": [[1, 0], [0, 1]], "presentation": {"duration": "5 ms"}}]}


@pytest.mark.parametrize("path, value, match", [
    ("projections.0.plasticity.rule", "hebbb", r"projections\[0\]\.plasticity: unknown plasticity rule 'hebbb'.*"
                                               r"did you mean 'hebb'"),
    ("projections.0.plasticity", {"rule": "gated", "rate": 1, "gate": {"area": "PFC"}},
     r"projections\[0\]\.plasticity\.gate\.area: no area named 'PFC'"),
    ("projections.0.plasticity", {"rule": "hebb", "rate": 1, "w_min": 1, "w_max": 0},
     r"projections\[0\]\.plasticity: w_min must be <= w_max"),
    ("projections.0.plasticity", {"rule": "bcm", "rate": 1, "theta_tau": "-5 ms"},
     r"projections\[0\]\.plasticity\.theta_tau: must be a positive time"),
    ("projections.0.plasticity", {"rule": "hebb", "rate": -1},
     r"projections\[0\]\.plasticity\.rate: must be >= 0"),
    ("stimuli.0.patterns", [[1, 0, 0], [0, 1, 0]], r"stimuli\[0\]\.patterns: each pattern needs one value per unit"),
    ("stimuli.0.presentation", None, r"stimuli\[0\]: patterns and presentation go together"),
    ("tasks", [{"area": "PFC", "decide_at": "1 ms", "rewarded": [0, 1]}], r"tasks\[0\]\.area: no area named 'PFC'"),
    ("projections.0.plasticity", {"rule": "reward", "rate": 1.0, "task": "go"},
     r"plasticity\.task: no task named 'go'"),
])
def test_bad_plasticity_input_is_one_line_naming_the_field(path, value, match):
    import copy

    data = copy.deepcopy(BASE)
    node, keys = data, path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    node[keys[-1]] = value
    with pytest.raises(na.SpecError, match=match) as info:
        na.load_spec(data)
    assert "\n" not in str(info.value)


def test_standalone_refuses_plastic_weights_with_one_line():
    spec = na.load_spec(BASE)
    with pytest.raises(na.BuildError, match=r"x->y: plastic weights need coupling='matmul' on a runtime target"):
        na.simulate(spec, "5 ms", coupling="synapses", progress=False)
