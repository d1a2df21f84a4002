"""Attention metrics on hand-made results: exact values, dims kept, errors named."""
import numpy as np
import pytest
import xarray as xr

import neuroattn as na
from neuroattn.analysis import (attention_modulation_index, classify_regime, selection_latency, selectivity_index,
                                suppression_ratio, winner, wta_index)


def result(r_final, traces=None, times=None, areas=("V1",) * 3):
    """A result-shaped Dataset: r_final (point, unit), optional r traces (point, time, unit)."""
    r_final = np.asarray(r_final, float)
    coords = {"unit": np.arange(r_final.shape[-1]), "area": ("unit", list(areas)),
              "feature": ("unit", np.linspace(0, 1, r_final.shape[-1]))}
    data = {"r_final": (("point", "unit"), r_final), "diverged": (("point",), np.zeros(len(r_final), bool))}
    if traces is not None:
        coords["time"] = times
        data["r"] = (("point", "time", "unit"), np.asarray(traces, float))
    return xr.Dataset(data, coords=coords)


def test_ratio_indices():
    assert float(attention_modulation_index(3.0, 1.0)) == 0.5
    assert float(selectivity_index(1.0, 1.0)) == 0.0
    assert float(suppression_ratio(0.6, 0.8)) == pytest.approx(0.75)
    assert np.isnan(attention_modulation_index(0.0, 0.0))
    a = xr.DataArray([2.0, 1.0], dims="point")
    assert attention_modulation_index(a, xr.DataArray([1.0, 1.0], dims="point")).dims == ("point",)


def test_wta_index_and_winner_per_point():
    res = result([[1.0, 0.0, 0.0], [1.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(wta_index(res, "V1").values[:2], [1.0, 0.5])
    assert np.isnan(wta_index(res, "V1").values[2])
    assert winner(res, "V1").values.tolist() == [0, 2, -1]
    with pytest.raises(na.NeuroAttnError, match="no area named 'PFC'"):
        wta_index(res, "PFC")


def test_selection_latency_is_when_the_lead_holds_for_good():
    t = np.arange(0, 0.1, 0.01)
    lead = np.where(t >= 0.05, 1.0, 0.0)
    lead[2] = 1.0  # an early transient lead that does not hold is not a selection
    traces = np.stack([np.stack([0.2 + lead, np.full_like(t, 0.2), np.zeros_like(t)], -1),
                       np.full((len(t), 3), 0.5)])
    res = result(traces[:, -1], traces, t)
    lat = selection_latency(res, "V1", criterion=0.5, onset=0.01)
    assert lat.values[0] == pytest.approx(0.04) and np.isnan(lat.values[1])
    assert lat.attrs["units"] == "s"


def test_classify_regime_rules():
    t = np.linspace(0, 1, 200)
    flat = np.ones((200, 3)) * [1.0, 0.9, 0.8]
    osc = np.stack([0.5 + 0.3 * np.sin(2 * np.pi * 10 * t)] * 3, -1)
    wta = np.ones((200, 3)) * [1.0, 0.05, 0.05]
    quiet = np.zeros((200, 3))
    traces = np.stack([flat, osc, wta, quiet])
    res = result(traces[:, -1], traces, t)
    assert classify_regime(res).values.tolist() == ["coexistence", "oscillation", "winner-take-all", "quiescent"]
    res["diverged"][:] = [True, False, False, False]
    assert classify_regime(res).values[0] == "runaway"
    with pytest.raises(na.NeuroAttnError, match="several areas"):
        classify_regime(result([[1.0, 0.0, 0.0]], areas=("V1", "V1", "PFC")))
