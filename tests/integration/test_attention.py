"""The cortical hierarchy and the attention paradigms: qualitative outcomes, for every noise seed."""

import numpy as np
import pytest

import neuroattn as na
from neuroattn import paradigms as P
from neuroattn.models import cortical_hierarchy
from paths import MODELS

SEEDS = [0, 1, 2]


def rates(result, area, location, condition):
    """Window rate of the unit at `location` in `area`, one value per seed, for `condition`."""
    r = P.at(P.window_rates(result, area), location)
    return r.sel(point=(result.condition == condition).values).values


def test_yaml_and_factory_give_the_same_hierarchy():
    spec = na.load_spec(MODELS / "cortical_hierarchy.yaml")
    assert spec == cortical_hierarchy()
    assert list(spec.areas) == ["V1", "A1", "parietal", "temporal", "PFC", "amygdala"]
    taus = {name: a.tau for name, a in spec.areas.items()}
    assert taus["V1"] == taus["A1"] < taus["parietal"] < taus["PFC"]  # sensory fastest, PFC slowest
    wide = cortical_hierarchy(n_features=12, feedback_mode="bias", feedback_delay="5 ms")
    assert all(a.n == 12 for a in wide.areas.values())
    feedback = [p for p in wide.projections if p.kind == "feedback"]
    assert len(feedback) == 5 and all(p.mode == "bias" and p.delay == pytest.approx(0.005) for p in feedback)


def _tuning_spec(mode, scale, delay="0 ms"):
    """V1 of the hierarchy (16 units, ReLU, no competition) under spatially flat feedback from a top area."""
    v1 = cortical_hierarchy(n_features=16).areas["V1"]
    return na.NetworkSpec(
        name="tuning", areas={"V1": v1, "top": na.Area(n=1, tau="20 ms", transfer="linear")},
        projections=[na.Projection(source="top", target="V1", weights=1.0, scale=scale, kind="feedback",
                                   mode=mode, delay=delay)],
        stimuli=[na.models.visual(0.5, 1.0), na.Stimulus(area="top", amplitude=0.5, onset="50 ms")])


@pytest.mark.parametrize("delay", ["0 ms", "20 ms"])
def test_gain_feedback_scales_a_tuning_curve_and_bias_feedback_shifts_it(delay):
    plain = na.simulate(_tuning_spec("gain", 0.0), "400 ms", record_every=None, progress=False).r_final
    gain = na.simulate(_tuning_spec("gain", 0.8, delay), "400 ms", record_every=None, progress=False).r_final
    bias = na.simulate(_tuning_spec("bias", 0.3, delay), "400 ms", record_every=None, progress=False).r_final
    v1 = (plain.area == "V1").values
    x, base, g, b = plain.feature.values[v1], plain.values[v1], gain.values[v1], bias.values[v1]
    on = base > 1e-6 * base.max()
    # gain: every responding unit is scaled by the same factor 1 + 0.8 * r_top (r_top = 0.5)
    np.testing.assert_allclose(g[on] / base[on], 1.4, rtol=1e-6)

    def width(curve):
        w = curve / curve.sum()
        mean = np.sum(w * x)
        return np.sqrt(np.sum(w * (x - mean) ** 2))

    assert width(g) == pytest.approx(width(base), rel=1e-9)  # the width does not change
    # bias: every unit gains the same constant 0.3 * r_top, so the curve shifts up unchanged in shape
    np.testing.assert_allclose(b - base, 0.15, rtol=1e-6)
    assert np.ptp(b - base) < 1e-9 and width(b) > width(base)  # a constant pedestal broadens it


@pytest.fixture(scope="module")
def selective():
    return P.run("selective", seeds=SEEDS)


def test_selective_cued_stimulus_wins_in_v1_parietal_and_pfc(selective):
    for area in ("V1", "parietal", "PFC"):
        assert np.all(rates(selective, area, P.A, "cue A") > rates(selective, area, P.B, "cue A")), area
        assert np.all(rates(selective, area, P.B, "cue B") > rates(selective, area, P.A, "cue B")), area
    # the cue ended at 200 ms: PFC holds the template until the stimuli come on at 300 ms
    delay = P.at(P.window_rates(selective, "PFC", (0.25, 0.3)), P.A).sel(point=(selective.condition == "cue A").values)
    other = P.at(P.window_rates(selective, "PFC", (0.25, 0.3)), P.B).sel(point=(selective.condition == "cue A").values)
    assert np.all(delay.values > 0.5) and np.all(other.values < 0.1)


def test_selective_without_cue_the_inputs_decide(selective):
    for area in ("V1", "parietal", "PFC"):
        assert np.all(rates(selective, area, P.A, "no cue, A stronger") > rates(selective, area, P.B, "no cue, A stronger"))
        assert np.all(rates(selective, area, P.B, "no cue, B stronger") > rates(selective, area, P.A, "no cue, B stronger"))


def test_divided_attention_keeps_both_each_below_selective():
    res = P.run("divided", seeds=SEEDS)
    for area in ("V1", "parietal"):
        both_a, both_b = rates(res, area, P.A, "attend both"), rates(res, area, P.B, "attend both")
        neither_a, neither_b = rates(res, area, P.A, "attend neither"), rates(res, area, P.B, "attend neither")
        assert np.all(both_a > neither_a) and np.all(both_b > neither_b), area  # both stay represented
        assert np.all(both_a < rates(res, area, P.A, "attend A")), area  # each below selective attention
        assert np.all(both_b < rates(res, area, P.B, "attend B")), area
    assert np.all(rates(res, "PFC", P.A, "attend both") > 0.5) and np.all(rates(res, "PFC", P.B, "attend both") > 0.5)


def test_integrative_congruent_enhance_incongruent_compete():
    res = P.run("integrative", seeds=SEEDS)
    visual, auditory_b = rates(res, "parietal", P.A, "visual"), rates(res, "parietal", P.B, "auditory B")
    congruent = rates(res, "parietal", P.A, "congruent")
    assert np.all(congruent > visual) and np.all(congruent > rates(res, "parietal", P.A, "auditory"))
    assert np.all(rates(res, "V1", P.A, "congruent") > rates(res, "V1", P.A, "visual"))  # through feedback
    assert np.all(rates(res, "A1", P.A, "congruent") > rates(res, "A1", P.A, "auditory"))
    assert np.all(rates(res, "parietal", P.A, "incongruent") < visual)
    assert np.all(rates(res, "parietal", P.B, "incongruent") < auditory_b)


def test_biased_competition_pair_between_and_pulled_toward_the_attended():
    res = P.run("biased", seeds=SEEDS)
    unit = P.PARADIGMS["biased"].locations["P"]
    p, n, pair = (rates(res, "temporal", unit, c) for c in ("P", "N", "pair"))
    att_p, att_n = rates(res, "temporal", unit, "pair, attend P"), rates(res, "temporal", unit, "pair, attend N")
    assert np.all((n < pair) & (pair < p))
    assert np.all(att_p > pair) and np.all(att_n < pair)  # each moves toward that stimulus's response
    assert np.all(np.abs(att_p - p) < np.abs(att_n - p)) and np.all(np.abs(att_n - n) < np.abs(att_p - n))


def test_salience_capture_beats_a_weak_cue_not_a_strong_one():
    res = P.run("salience", seeds=SEEDS)
    T, D = P.PARADIGMS["salience"].locations["T"], P.PARADIGMS["salience"].locations["D"]
    assert np.all(rates(res, "PFC", D, "weak cue") > rates(res, "PFC", T, "weak cue"))
    assert np.all(rates(res, "PFC", T, "strong cue") > rates(res, "PFC", D, "strong cue"))
    assert np.all(rates(res, "PFC", T, "weak cue, no value") > rates(res, "PFC", D, "weak cue, no value"))
    assert np.all(rates(res, "amygdala", D, "weak cue") > 5 * rates(res, "amygdala", D, "weak cue, no value"))


def test_traces_mark_cues_and_stimuli_only_in_the_area_they_drive(tmp_path, selective):
    from matplotlib.colors import to_rgb

    from neuroattn.plotting import traces
    from neuroattn.plotting.traces import CUE_COLOUR, STIMULUS_COLOUR

    trial = selective.isel(point=int(np.flatnonzero(selective.condition.values == "cue A")[0]))
    fig = traces(trial, areas=["V1", "PFC"], path=tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 10_000 and len(fig.axes) == 2

    def shaded(ax, colour):
        return sum(np.allclose(p.get_facecolor()[:3], to_rgb(colour)) for p in ax.patches)

    v1, pfc = fig.axes
    assert shaded(v1, CUE_COLOUR) == 0 and shaded(pfc, CUE_COLOUR) == 1  # cue A only; the absent cue B is not marked
    assert shaded(v1, STIMULUS_COLOUR) == 1 and shaded(pfc, STIMULUS_COLOUR) == 0  # both stimuli share one epoch
    for ax in (v1, pfc):  # a band along the top of the panel (axes coordinates), above every trace
        low, high = ax.get_ylim()
        for patch in ax.patches:
            assert patch.get_y() >= 0.9 and patch.get_y() + patch.get_height() == pytest.approx(1.0)
            assert max(line.get_ydata().max() for line in ax.lines) <= low + patch.get_y() * (high - low)
    assert len(v1.lines) == 8  # one line per unit


def test_paradigm_errors_and_figure(tmp_path, selective):
    with pytest.raises(na.NeuroAttnError, match="no paradigm 'selectiv'"):
        P.condition_specs("selectiv")
    from neuroattn.plotting import paradigm_figure

    fig = paradigm_figure(selective, ("V1", "PFC"), example="cue B", path=tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 10_000 and len(fig.axes) >= 4
    with pytest.raises(na.NeuroAttnError, match="no condition"):
        paradigm_figure(selective, example="cue C")
