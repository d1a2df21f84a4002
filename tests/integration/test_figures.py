"""Figures: what they draw equals the data, every axis has a unit, `neuroattn plot` writes PNG/PDF/SVG or
nothing, and the README's first command shows a competition that has settled."""
import re

import numpy as np
import pytest

import neuroattn as na
from neuroattn.cli import main
from neuroattn.results import load, save
from paths import MODELS, ROOT

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF", ".svg": b"<?xml"}


@pytest.fixture(scope="module")
def hierarchy(tmp_path_factory):
    res = na.simulate(na.load_spec("cortical_hierarchy"), "120 ms", record_every=10, progress=False)
    path = tmp_path_factory.mktemp("fig") / "hier.nc"
    save(res, path)
    return res, path


@pytest.fixture(scope="module")
def oja(tmp_path_factory):
    res = na.simulate(na.load_spec(MODELS / "oja.yaml"), "60 ms", record_every=10, progress=False)
    path = tmp_path_factory.mktemp("fig") / "oja.nc"
    save(res, path)
    return res, path


@pytest.fixture(scope="module")
def spiking(tmp_path_factory):
    spec = na.load_spec({"name": "lif", "areas": {"E": {"n": 5, "neuron": {"model": "lif"}}},
                         "stimuli": [{"area": "E", "amplitude": [21.0, 25.0, 30.0, 40.0, 60.0],
                                      "drive": "current"}]})
    res = na.simulate(spec, "200 ms", record_every=20, seed=0, progress=False)
    path = tmp_path_factory.mktemp("fig") / "lif.nc"
    save(res, path)
    return res, path


def _labelled(axes):
    """Every y label carries a unit in parentheses (or names the feature axis), and so does the shared
    x label of the bottom panel."""
    return re.search(r"\(.+\)", axes[-1].get_xlabel()) and all(
        re.search(r"\(.+\)", ax.get_ylabel()) or "preferred" in ax.get_ylabel() for ax in axes)


def test_traces_draw_the_data_with_units_and_one_legend(hierarchy):
    from neuroattn.plotting import traces

    res, _ = hierarchy
    fig = traces(res, ["V1", "PFC"])
    v1, pfc = fig.axes
    assert _labelled([v1, pfc]) and "rate r (a.u.)" in v1.get_ylabel()
    x = res.feature.values[(res.area == "V1").values]
    for line in v1.lines:  # each line is one unit's trace, in ms, labelled by its preferred location
        k = int(np.flatnonzero(np.isclose(x, float(line.get_label())))[0])
        np.testing.assert_allclose(line.get_xdata(), res.time.values * 1e3)
        np.testing.assert_allclose(line.get_ydata(), res.r.sel(unit=res.area == "V1").values[:, k])
    assert len({tuple(line.get_color()) for line in v1.lines}) == 8  # distinguishable
    assert [line.get_color() for line in v1.lines] == [line.get_color() for line in pfc.lines]  # same feature, same colour
    assert len(fig.legends) == 1 and fig.legends[0].get_title().get_text() == "preferred\nlocation"
    assert not v1.get_legend() and not pfc.get_legend()


def test_traces_of_many_units_get_a_colour_bar():
    from neuroattn.plotting import traces

    spec = na.load_spec({"name": "wide", "areas": {"V1": {"n": 24, "tau": "10 ms"}},
                         "stimuli": [{"area": "V1", "amplitude": 1.0}]})
    fig = traces(na.simulate(spec, "20 ms", record_every=10, progress=False))
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "preferred feature"  # the colour bar


def test_heatmap_shows_every_unit_in_feature_order(hierarchy):
    from neuroattn.plotting import heatmap

    res, _ = hierarchy
    fig = heatmap(res, ["V1", "temporal"])
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 2 and _labelled(panels)
    for ax, area in zip(panels, ["V1", "temporal"]):
        data = res.r.sel(unit=res.area == area)
        order = np.argsort(data.feature.values, kind="stable")
        np.testing.assert_allclose(np.asarray(ax.collections[0].get_array()).reshape(len(order), -1),
                                   data.values[:, order].T)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert [ax.get_ylabel() for ax in bars] == ["rate r (a.u.)"] * 2


def test_raster_and_weights_label_their_axes(spiking, oja):
    from neuroattn.plotting import raster, weights

    res, _ = spiking
    ax = raster(res)
    assert ax.get_xlabel() == "time (s)" and len(ax.lines[0].get_xdata()) == res.sizes["spike"]
    ax = weights(oja[0], "x->y")
    assert ax.images and "pre-synaptic" in ax.get_xlabel()
    assert ax.figure.axes[1].get_ylabel() == "weight (dimensionless)"


@pytest.mark.parametrize("kind, suffix, fixture", [
    ("traces", ".png", "hierarchy"), ("traces", ".pdf", "hierarchy"), ("heatmap", ".svg", "hierarchy"),
    ("raster", ".pdf", "spiking"), ("weights", ".png", "oja")])
def test_cli_plot_writes_the_format_its_suffix_names(request, tmp_path, capsys, kind, suffix, fixture):
    _, path = request.getfixturevalue(fixture)
    out = tmp_path / f"fig{suffix}"
    assert main(["plot", str(path), "--kind", kind, "--out", str(out)]) == 0
    assert out.read_bytes()[:len(MAGIC[suffix])] == MAGIC[suffix] and out.stat().st_size > 5_000
    assert f"-> {out}" in capsys.readouterr().out


@pytest.mark.parametrize("args, match", [
    (["--out", "OUT/f.jpg"], "out: figures are saved as .png, .pdf or .svg"),
    (["--out", "OUT/nofolder/f.png"], "out: the folder"),
    (["--areas", "V9", "--out", "OUT/f.png"], "areas: no area named 'V9'"),
    (["--var", "w", "--out", "OUT/f.png"], "var: the result has no traces of 'w'"),
    (["--point", "3", "--out", "OUT/f.png"], "point: the result has one point"),
    (["--kind", "raster", "--out", "OUT/f.png"], "raster: the result has no spikes"),
    (["--kind", "weights", "--out", "OUT/f.png"], "connection: name the plastic connection"),
    (["--kind", "pie", "--out", "OUT/f.png"], "invalid choice: 'pie'"),
])
def test_cli_plot_errors_are_one_line_and_write_nothing(tmp_path, capsys, hierarchy, args, match):
    _, path = hierarchy
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    code = 2
    try:
        code = main(["plot", str(path), *args])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("neuroattn: error: ") and match in err and "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_plot_needs_a_point_of_a_batch(tmp_path, capsys):
    specs = [na.models.seed_competition(beta=b) for b in (0.5, 0.6)]
    path = tmp_path / "batch.nc"
    save(na.simulate_batch(specs, "20 ms", record_every=10, progress=False), path)
    assert main(["plot", str(path), "--out", str(tmp_path / "f.png")]) == 2
    assert "choose one with --point 0..1" in capsys.readouterr().err
    assert main(["plot", str(path), "--point", "1", "--out", str(tmp_path / "f.svg")]) == 0


def test_cli_run_plot_accepts_pdf_and_svg(tmp_path):
    for suffix in (".pdf", ".svg"):
        fig = tmp_path / f"t{suffix}"
        assert main(["run", "seed_competition", "--duration", "20ms", "--out", str(tmp_path / "r.nc"),
                     "--plot", str(fig), "--quiet"]) == 0
        assert fig.read_bytes()[:len(MAGIC[suffix])] == MAGIC[suffix]


def test_the_readme_first_command_shows_a_settled_competition(tmp_path, monkeypatch):
    """The README's first command, run as written: the winner has reached its closed-form fixed point
    and no rate still moves over the last tenth of the run."""
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"```bash\n(.*?)\n```", readme, re.S).group(1)
    args = command.split("neuroattn ", 1)[1].split()
    assert args[:2] == ["run", "seed_competition"]
    monkeypatch.chdir(tmp_path)
    assert main(args + ["--quiet"]) == 0
    res = load(args[args.index("--out") + 1])
    assert (tmp_path / args[args.index("--plot") + 1]).stat().st_size > 10_000
    spec = na.load_spec("seed_competition")
    seed = spec.areas["V1"].competition
    n, w, beta = spec.areas["V1"].n, seed.weights.value, seed.beta
    # the winner alone (the others at r = 0): 0 = -u + (-beta n w) u + I_0 for ReLU, include_self
    winner = spec.stimuli[0].amplitude[0] / (1 + beta * n * w)
    r = res.r.values
    assert r[-1, 0] == pytest.approx(winner, rel=1e-4) and np.all(r[-1, 1:] == 0)
    late = r[int(0.9 * len(r)):]
    assert np.ptp(late, axis=0).max() < 1e-4 * winner  # settled: flat over the last tenth


def test_cli_plot_of_a_sweep_point_marks_that_points_stimulus(tmp_path, capsys):
    """A sweep stores its base spec; the figure of one point uses the spec of that point."""
    from neuroattn.cli import _one_point, _open_result
    from neuroattn.plotting import traces

    store = tmp_path / "onsets.zarr"
    na.sweep(na.load_spec("seed_competition"), {"stimuli[0].onset": ["10 ms", "60 ms"]}, "100 ms",
             record="traces", record_every=10, store=str(store), progress=False)
    assert main(["plot", str(store), "--point", "1", "--out", str(tmp_path / "p1.svg")]) == 0
    one = _one_point(_open_result(store), 1)
    band, = traces(one).axes[0].patches
    assert band.get_x() == pytest.approx(60.0) and one.attrs["title"] == "seed-competition: stimuli[0].onset = 0.06 s"


def test_cli_plot_draws_a_sweeps_regime_map_and_its_bifurcation_diagram(tmp_path):
    """The regime strip of a beta sweep has one coloured cell per swept value; the bifurcation diagram
    continues the fixed points of the stored spec over the same values."""
    store = tmp_path / "beta.zarr"
    betas = [0.2, 0.5, 0.8]
    na.sweep(na.load_spec("seed_competition"), {"areas.V1.competition.beta": betas}, "300 ms",
             metrics=["regime"], store=str(store), progress=False)
    for kind in ("regime", "bifurcation"):
        out = tmp_path / f"{kind}.png"
        assert main(["plot", str(store), "--kind", kind, "--out", str(out)]) == 0
        assert out.stat().st_size > 1000
