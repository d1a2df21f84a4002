"""Paired conditions in sweeps: a Zip of conditions unstacks to one axis, and the attention modulation
index and the suppression ratio over it match closed forms."""
import numpy as np
import pytest

import neuroattn as na
from neuroattn.sweeps import Grid, Sample, Table, Zip, compare, unstack

CUED = """
name: cue-gain
areas:
  V1: {n: 2, tau: 10 ms, transfer: relu}
  C: {n: 2, tau: 10 ms, transfer: linear}
projections:
  - {source: C, target: V1, mode: gain, weights: [[1.0, 0.0], [0.0, 1.0]], scale: 1.0}
stimuli:
  - {area: V1, amplitude: 1.0}
  - {area: C, amplitude: [1.0, 0.0]}
"""


def test_attention_modulation_index_of_a_gain_cue_matches_the_closed_form():
    """Without competition V1's steady state is u_i = (1 + g r_C,i) I with r_C the cue (linear, no
    coupling): the cued unit answers 1 + g, the uncued 1, so AMI = g / (2 + g)."""
    gains = [0.5, 1.0, 2.0]
    space = Grid({"projections[C->V1].scale": gains}) * Zip({"stimuli[1].amplitude": [[1.0, 0.0], [0.0, 1.0]]},
                                                            name="cue")
    ds = na.sweep(na.load_spec(CUED), space, "300 ms", progress=False)
    paired = unstack(ds)
    assert paired.r_final.sizes == {"projections[C->V1].scale": 3, "cue": 2, "unit": 4}
    assert not paired.r_final.isnull().any()
    assert paired["stimuli[1].amplitude"].dims == ("cue",)
    ami = compare(ds, "r_final", "cue", 0, 1, unit=0)
    g = np.array(gains)
    np.testing.assert_allclose(ami.values, g / (2 + g), rtol=1e-9)
    assert ami.dims == ("projections[C->V1].scale",) and ami.attrs["units"] == "1"
    assert "cue = 0 vs cue = 1" in ami.attrs["long_name"]
    by_value = compare(ds, "r_final", "cue", {"stimuli[1].amplitude": "[1.0, 0.0]"},
                       {"stimuli[1].amplitude": "[0.0, 1.0]"}, unit=0)
    np.testing.assert_array_equal(by_value.values, ami.values)


def test_suppression_ratio_of_divisive_normalisation_matches_the_closed_form():
    """u_i = I_i / (sigma + beta sum_j r_j) at rest (ReLU, the pool includes the unit). One stimulus:
    beta u^2 + sigma u - 1 = 0; a pair: 2 beta u^2 + sigma u - 1 = 0. The ratio is pair / single."""
    spec = na.load_spec("""
name: norm
areas:
  V1:
    n: 2
    tau: 10 ms
    transfer: relu
    competition: {model: divisive, beta: 1.0, sigma: 1.0}
stimuli:
  - {area: V1, amplitude: [1.0, 0.0]}
""")
    betas = np.array([0.5, 1.0, 2.0])
    space = Grid({"areas.V1.competition.beta": betas.tolist()}) * Table(
        [{"stimuli[0].amplitude": [1.0, 0.0]}, {"stimuli[0].amplitude": [1.0, 1.0]}], name="stimulus")
    ds = na.sweep(spec, space, "400 ms", progress=False)
    ratio = compare(ds, "r_final", "stimulus", 1, 0, how="suppression_ratio", unit=0)
    single = (-1 + np.sqrt(1 + 4 * betas)) / (2 * betas)
    pair = (-1 + np.sqrt(1 + 8 * betas)) / (4 * betas)
    np.testing.assert_allclose(ratio.values, pair / single, rtol=1e-9)
    assert np.all(ratio.values < 1)


def test_unstack_keeps_zips_tables_and_samples_as_one_axis_each():
    spec = na.models.seed_competition()
    one = na.sweep(spec, Zip({"areas.V1.competition.beta": [0.2, 0.4, 0.6]}), "10 ms", progress=False)
    assert unstack(one).r_final.dims == ("areas.V1.competition.beta", "unit")
    two = na.sweep(spec, Zip({"areas.V1.competition.beta": [0.2, 0.4], "areas.V1.tau": ["10 ms", "20 ms"]}) *
                   Sample({"areas.V1.baseline": (0.0, 0.1)}, 3, seed=1),
                   "10 ms", seeds=[0, 1], progress=False)
    grid = unstack(two)
    assert dict(grid.u_final.sizes) == {"condition": 2, "sample": 3, "seed": 2, "unit": 4}
    assert grid["areas.V1.tau"].attrs["units"] == "s" and grid["areas.V1.tau"].values.tolist() == [0.01, 0.02]
    assert grid["areas.V1.baseline"].dims == ("sample",)
    k = 2 * 3 * 1 + 2 * 2 + 1  # condition 1, sample 2, seed index 1 (the seed varies fastest)
    np.testing.assert_array_equal(grid.u_final.isel(condition=1, sample=2, seed=1).values,
                                  two.u_final.isel(point=k).values)


def test_comparisons_name_what_is_wrong():
    ds = na.sweep(na.load_spec(CUED), Zip({"stimuli[1].amplitude": [[1.0, 0.0], [0.0, 1.0]]}, name="cue"),
                  "10 ms", progress=False)
    with pytest.raises(na.NeuroAttnError, match="how: must be one of"):
        compare(ds, "r_final", "cue", 0, 1, how="nope")
    with pytest.raises(na.NeuroAttnError, match="2 is not along 'cue'"):
        compare(ds, "r_final", "cue", 0, 2)
    with pytest.raises(na.NeuroAttnError, match="has no dim 'condition'"):
        compare(ds, "r_final", "condition", 0, 1)
    with pytest.raises(na.SweepError, match="name: must be a new"):
        Zip({"a": [1]}, name="a")


def test_sweep_files_name_a_zip_axis():
    from neuroattn.sweeps.space import axes, from_config

    space = from_config({"product": [{"grid": {"projections[C->V1].scale": [0.5, 1.0]}},
                                     {"zip": {"stimuli[1].amplitude": [[1, 0], [0, 1]], "areas.V1.tau": ["10 ms", "20 ms"]},
                                      "name": "cue"}]})
    assert axes(space.describe()) == [("projections[C->V1].scale", ["projections[C->V1].scale"], 2),
                                      ("cue", ["stimuli[1].amplitude", "areas.V1.tau"], 2)]
    with pytest.raises(na.SweepError, match="only a zip or a table"):
        from_config({"grid": {"a": [1]}, "name": "x"})
