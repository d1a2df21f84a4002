"""The bifurcation, phase-plane and regime plots: what they draw, their labels and legends."""
import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

import neuroattn as na
from neuroattn.analysis import REGIMES, bifurcation, phase_plane, regime_attrs
from neuroattn.plotting import bifurcation as plot_bifurcation
from neuroattn.plotting import phase_plane as plot_phase_plane
from neuroattn.plotting import regime as plot_regime

EI = na.load_spec("""
name: ei
areas:
  E: {n: 1, tau: 10 ms, transfer: relu, baseline: 10}
  I: {n: 1, tau: 30 ms, transfer: relu, baseline: -10}
projections:
  - {source: E, target: E, weights: 1.25}
  - {source: I, target: E, weights: -1.0}
  - {source: E, target: I, weights: 1.0}
""")


def test_bifurcation_plot_marks_the_hopf_point_and_labels_its_axes(tmp_path):
    bif = bifurcation(EI, "areas.I.tau", [f"{v:g} ms" for v in np.linspace(20, 60, 9)])
    ax = plot_bifurcation(bif, unit=("E", 0), path=tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 0
    assert ax.get_xlabel() == "I tau (s)" and "(1)" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["stable", "unstable"] and labels[2] == "Hopf point: 0.04 s"
    marker = [line for line in ax.get_lines() if line.get_marker() == "*"][0]
    assert marker.get_xdata()[0] == pytest.approx(0.04) and marker.get_ydata()[0] == pytest.approx(80 / 3)
    solid = ax.get_lines()[0]  # stable part: tau_I below 40 ms only
    assert np.isfinite(solid.get_ydata()[solid.get_xdata() < 0.04]).all()
    assert np.isnan(solid.get_ydata()[solid.get_xdata() > 0.04]).all()
    plt.close("all")
    with pytest.raises(na.NeuroAttnError, match="var: must be"):
        plot_bifurcation(bif, var="x")


def test_phase_plane_plot_draws_both_nullclines():
    pp = phase_plane(EI, "E", "I", x_range=(0, 50), y_range=(0, 40), n=21)
    ax = plot_phase_plane(pp, fixed_points=([80 / 3], [50 / 3]))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["E nullcline (du/dt = 0)", "I nullcline (du/dt = 0)", "fixed point"]
    assert ax.get_xlabel() == "u of E (1)" and ax.get_ylabel() == "u of I (1)"
    plt.close("all")


def sweep_like(beta, w, codes):
    """A sweep-shaped Dataset along point (beta fastest) with regime codes."""
    B, W = np.meshgrid(beta, w)
    ds = xr.Dataset({"regime_V1": (("point",), codes.ravel().astype(np.int8), regime_attrs("V1"))},
                    coords={"point": np.arange(B.size),
                            "b": ("point", B.ravel(), {"units": "1", "long_name": "V1 competition beta"}),
                            "w": ("point", W.ravel(), {"units": "1", "long_name": "V1 weight"})})
    ds.attrs["space"] = json.dumps({"grid": {"w": list(w), "b": list(beta)}})
    return ds


def test_regime_map_colours_every_point_and_overlays_the_boundary():
    beta, w = np.linspace(0.1, 1.5, 15), np.linspace(-0.6, -0.1, 11)
    B, W = np.meshgrid(beta, w)
    codes = np.where(-1 - 4 * B * W > 0, REGIMES.index("runaway"), REGIMES.index("winner-take-all"))
    ds = sweep_like(beta, w, codes)
    edge = lambda b: -1 / (4 * b)  # noqa: E731
    ax = plot_regime(ds, "b", "w", boundary={"-1 - 4βw = 0": edge})
    mesh = ax.collections[0]
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(codes.shape), codes)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["winner-take-all", "runaway", "-1 - 4βw = 0"]
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), edge(line.get_xdata()))
    assert ax.get_xlabel() == "V1 competition beta (1)" and ax.get_ylabel() == "V1 weight (1)"
    plt.close("all")
    strip = plot_regime(ds.isel(point=slice(0, 15)), "b", boundary=0.5)
    assert [ln.get_xdata()[0] for ln in strip.get_lines()] == [0.5]
    plt.close("all")
    with pytest.raises(na.NeuroAttnError, match="no swept coordinate 'x'"):
        plot_regime(ds, "x", "w")
