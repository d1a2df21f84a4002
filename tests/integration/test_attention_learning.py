"""The attention-learning experiment: the attended pathway strengthens and responds more; the
unattended pathway does not (seeds differ in the order of the distractors)."""
import subprocess
import sys

import numpy as np
import pytest

from neuroattn import learning
from paths import EXPERIMENTS


@pytest.mark.parametrize("seed", [0, 1])
def test_attended_pathway_strengthens_and_unattended_does_not(seed):
    spec = learning.training_spec()
    spec = spec.replace({"stimuli[pairs].presentation.seed": seed})
    import neuroattn as na

    trained = na.simulate(spec, "6 s", dt="0.5 ms", seed=seed, record_every=None, record_weights_every="500 ms",
                          progress=False)
    w = learning.pathway_weights(trained)
    # B: PFC at B is a sigmoid's tail (~1e-4), so its gate is almost zero and the weight all but unchanged
    assert float(w["A"]) > 1.2 and float(w["B"]) == pytest.approx(0.5, abs=1e-4)
    before, after = learning.tuning_specs(spec, [learning.A, learning.B]), \
        learning.tuning_specs(na.learned_spec(spec, trained), [learning.A, learning.B])
    tuning = na.simulate_batch(before + after, "500 ms", dt="0.5 ms", seed=0, record_every="5 ms", progress=False,
                               point_coords={"phase": ["before"] * 2 + ["after"] * 2,
                                             "location": [learning.A, learning.B] * 2})
    r = learning.responses(tuning, "parietal")
    assert float(r.sel(phase="after", location=learning.A)) > 1.5 * float(r.sel(phase="before", location=learning.A))
    assert float(r.sel(phase="after", location=learning.B)) <= float(r.sel(phase="before", location=learning.B))
    # the trajectory is recorded and monotone for the attended pathway's start
    trace = learning.pathway_weights(trained, final=False)["A"].values
    assert trace[0] == pytest.approx(0.5) and np.all(np.diff(trace[:3]) > 0)


@pytest.mark.slow
def test_the_experiment_script_saves_results_and_a_figure(tmp_path):
    out = subprocess.run([sys.executable, str(EXPERIMENTS / "attention_learning.py"), "--out", str(tmp_path),
                          "--train", "4 s"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "V1->parietal weight, after" in out.stdout
    for name in ("attention_learning_training.nc", "attention_learning_tuning.nc", "attention_learning.png"):
        assert (tmp_path / name).stat().st_size > 1000
