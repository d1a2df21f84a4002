"""The pathway-reorganisation experiment: attention selects, the attended synapses strengthen, weak
unattended ones are pruned, a reserve unit is recruited at the attended location, and discrimination
there improves while the control does not (three seeds: distractor order and test noise)."""
import subprocess
import sys

import numpy as np
import pytest

from neuroattn import reorganisation as ro
from neuroattn.exceptions import NeuroAttnError
from paths import EXPERIMENTS


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_whole_chain_holds(seed):
    trained, test = ro.run("3 s", seed=seed, n_trials=80, progress=False)
    w = ro.pathway(trained)
    assert float(w["A"][-1]) > float(w["A"][0]) + 0.2  # the attended pathway strengthens
    assert float(w["B"][-1]) == pytest.approx(float(w["B"][0]), abs=1e-3)  # the unattended one does not
    count = trained.n_synapses_V1_to_parietal.values
    assert count[-1] < count[0]
    mask = trained.mask_V1_to_parietal_final.values
    parietal = trained.isel(unit=(trained.area == "parietal").values)
    at_a = np.isclose(parietal.feature.values, ro.A)
    n = trained.sizes["pre_V1_to_parietal"]
    assert mask[np.arange(n), np.arange(n)].all()  # every unit keeps its main (strong) synapse
    assert (~mask[~at_a]).sum() > 0.5 * (count[0] - count[-1])  # the pruned ones: mostly onto unattended units
    assert (~mask[~at_a]).sum() / (~at_a).sum() > (~mask[at_a]).sum() / at_a.sum()
    when = trained.recruit_time_parietal.values
    recruited = np.isfinite(when)
    np.testing.assert_array_equal(recruited, np.isclose(trained.reserve_feature_parietal.values, ro.A))
    z = ro.improvement(test)
    assert float(z.sel(pair="trained")) > 2.0  # beyond twice the standard error of the change
    assert float(z.sel(pair="control")) < 2.0
    d = ro.discrimination(test)
    assert float(d.sel(phase="after", pair="trained")) > float(d.sel(phase="before", pair="trained"))


def test_short_run_figure_and_table(tmp_path):
    trained, test = ro.run("300 ms", seed=0, n_trials=3, dt="0.5 ms", progress=False)
    table = ro.summary(trained, test)
    assert "d′ trained pair" in table and "reserve units recruited" in table
    assert test.sizes["point"] == 2 * 2 * 2 * 3
    from neuroattn.plotting import masks, recruitment, reorganisation_figure, synapse_count

    fig = reorganisation_figure(trained, test, path=tmp_path / "figure.png")
    assert len(fig.axes) == 4 and (tmp_path / "figure.png").stat().st_size > 10_000
    assert fig.axes[3].get_ylabel().startswith("d′")
    assert len(masks(trained, "V1->parietal", times=[0.0, 0.2]).axes) == 2
    ax = synapse_count(trained, "V1->parietal")
    assert ax.get_ylabel() == "synapses (count)"
    assert "recruited" in recruitment(trained, "parietal").get_title()
    with pytest.raises(NeuroAttnError, match="no 'n_synapses_V1_to_PFC'"):
        synapse_count(trained, "V1->PFC")
    with pytest.raises(NeuroAttnError, match="select one point"):
        recruitment(test, "parietal")


@pytest.mark.slow
def test_the_experiment_script_saves_results_and_a_figure(tmp_path):
    out = subprocess.run([sys.executable, str(EXPERIMENTS / "pathway_reorganisation.py"), "--out", str(tmp_path),
                          "--train", "0.5 s", "--trials", "3"], capture_output=True, text=True, cwd=tmp_path,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "d′ trained pair" in out.stdout
    for name in ("pathway_reorganisation_training.nc", "pathway_reorganisation_test.nc",
                 "pathway_reorganisation.png"):
        assert (tmp_path / name).stat().st_size > 1000
