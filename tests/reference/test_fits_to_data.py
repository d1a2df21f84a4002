"""Fits to recorded data: Roitman & Shadlen's monkeys and McAdams & Maunsell's attention gain."""
import importlib.util

import numpy as np
import pytest
from paths import EXPERIMENTS, MODELS

import neuroattn as na


def _experiment(name: str):
    spec = importlib.util.spec_from_file_location(name, EXPERIMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_data_and_model_files():
    from neuroattn.data import roitman_shadlen

    data = roitman_shadlen()
    assert len(data) == 6149 and set(data.monkey) == {1, 2}
    assert sorted(data.coh.unique()) == [0.0, 0.032, 0.064, 0.128, 0.256, 0.512]
    assert "Roitman" in data.attrs["citation"]
    assert na.load_spec(MODELS / "wong_wang.yaml") == na.models.wong_wang()


@pytest.mark.slow
def test_roitman_shadlen_fit_reaches_its_stated_accuracy():
    """A short fit of monkey 2 (the experiment's five parameters; population 16, 20 generations, 40
    trials per coherence, 6 Nelder-Mead rounds; seeded, so deterministic): with 400 fresh trials per
    coherence the fitted model's accuracy lies within 0.10 of the data at every coherence and its
    median RT of correct trials within 10 % (measured: 0.080 and 6.3 %)."""
    rs = _experiment("fit_roitman_shadlen")
    from neuroattn.data import roitman_shadlen
    from neuroattn.fitting import behaviour_table

    result = rs.fit_monkey(2, trials=40, population=16, generations=20, local_iterations=6, progress=False)
    g = rs.goodness(behaviour_table(roitman_shadlen(monkey=2)), rs.model_table(result, trials=400))
    assert np.all(np.abs(g.acc_model - g.acc_data) <= 0.10), g
    assert np.all(np.abs(g.rt_error) <= 0.10), g
    assert g.acc_model.is_monotonic_increasing or np.all(np.diff(g.acc_model) > -0.03)
    assert set(result.params) == set(rs.PARAMS) and np.isfinite(result.value)


def test_example_fit_file_loads():
    from neuroattn.fitting.config import load_fit

    spec, data, kwargs = load_fit(EXPERIMENTS / "fit_roitman_shadlen.yaml")
    assert spec == na.models.wong_wang() and set(data.monkey) == {1}
    assert kwargs["objective"]["kind"] == "rt_likelihood" and "objective.threshold" in kwargs["params"]


@pytest.mark.slow
def test_attention_gain_fit_reaches_the_observed_gain_at_the_peak():
    ag = _experiment("fit_attention_gain")
    result = ag.fit_gain(generations=5, population=8, local_iterations=4, profile=False, progress=False)
    peak, total = ag.model_gain(result)
    assert abs(peak - ag.GAIN) < 0.1
    assert 1.0 < total < peak  # the hierarchy's feedback sharpens as it scales
    assert 0.2 < result.params[ag.SCALE] < 3.0
