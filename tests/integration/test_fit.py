"""Fits: parameter recovery, decision times, resumption after SIGKILL, backends, stores."""
import functools
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import neuroattn as na
from neuroattn.exceptions import FitError
from neuroattn.fitting import synthetic_data

P = "areas.V4.dynamics.parameters."
TRUE = {P + "g": 1.5, P + "width": 1.2, P + "beta": 2.0}
BOUNDS = {P + "g": (0.5, 4.0, "log"), P + "width": (0.5, 3.0), P + "beta": (0.1, 10.0, "log")}
OBJ = {"kind": "squared_error", "area": "V4", "window": (0.1, 0.2), "conditions": {"c": P + "c"}}
CONTRASTS = pd.DataFrame({"c": [0.25, 0.5, 1.0]})
RUN = dict(duration="200 ms", dt="1 ms")


@functools.lru_cache(maxsize=None)
def _recovery_data(seed: int) -> pd.DataFrame:
    """Tuning curves at three contrasts, averaged over 20 noisy trials of the true parameters."""
    return synthetic_data(na.models.tuned_population(), TRUE, OBJ, CONTRASTS, trials=20, seed=1000 + seed, **RUN)


def _small_fit(**kwargs):
    options = dict(objective=OBJ, trials=2, seed=3, population=6, generations=3, local_iterations=2,
                   profile_points=3, progress=False, **RUN)
    options.update(kwargs)
    return na.fit(na.models.tuned_population(), _recovery_data(0), BOUNDS, **options)


#: Stated recovery tolerances (relative): normalisation is the least constrained by three contrasts.
TOLERANCE = {P + "g": 0.075, P + "width": 0.075, P + "beta": 0.15}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_parameter_recovery_within_stated_tolerances(seed):
    """Three parameters (gain, tuning width, divisive normalisation) of noisy tuning curves at three
    contrasts (20 trials each) come back within `TOLERANCE` for three data seeds; the fits see 4 trials
    per contrast with other noise seeds than the data."""
    res = na.fit(na.models.tuned_population(), _recovery_data(seed), BOUNDS, OBJ, trials=4, seed=seed,
                 population=20, generations=20, local_iterations=5, profile=False, progress=False, **RUN)
    for path, true in TRUE.items():
        assert abs(res.params[path] - true) <= TOLERANCE[path] * true, (path, res.params[path], true)
    assert res.value < 0.01


def test_decision_times_of_linear_ramps_are_exact_between_samples():
    """u_i = k_i t crosses theta at theta/k_i; sampled every 7 ms, interpolation puts it exactly there."""
    from neuroattn.analysis import decision_times

    spec = na.NetworkSpec.from_dict({"name": "ramps", "areas": {"A": {"n": 3, "transfer": "linear", "dynamics": {
        "equations": "du/dt = k/tau : 1", "parameters": {"k": [1.0, 2.5, 2.0], "tau": "1 s"}}}}})
    specs = [spec, spec.replace({"areas.A.dynamics.parameters.k": [0.1, 0.2, 0.3]})]
    res = na.simulate_batch(specs, "1 s", dt="1 ms", record=["u"], record_every=7, seed=0, progress=False)
    out = decision_times(res, "A", 0.5, var="u")
    assert out.choice.values.tolist() == [1, -1]
    # Euler on du/dt = k is exact: u(step j) = k j dt, so the crossing is at theta/k = 0.2 s
    assert out.decision_time.values[0] == pytest.approx(0.5 / 2.5, abs=1e-12)
    assert np.isnan(out.decision_time.values[1])


@pytest.fixture(scope="module")
def stored_fit(tmp_path_factory):
    store = tmp_path_factory.mktemp("fit") / "fit.zarr"
    return store, _small_fit(store=store)


def test_fit_is_reproducible_and_history_is_complete(stored_fit):
    _, a = stored_fit
    b = _small_fit()  # in memory, same seed
    assert a.params == b.params and a.value == b.value
    np.testing.assert_array_equal(a.history.loss.values, b.history.loss.values)
    stages = set(a.history.stage.values.tolist())
    assert stages == {"differential_evolution", "l-bfgs-b", "profile"}
    assert a.history.sizes["evaluation"] >= 6 * 4  # the initial population and three generations at least
    assert a.value == a.history.loss.values.min()
    assert a.spec.areas["V4"].dynamics.parameters["g"] == pytest.approx(a.params[P + "g"])
    assert set(a.profile.parameter.values) == set(BOUNDS)


def test_common_random_numbers_make_equal_candidates_score_equally():
    """Two identical candidates in one batch see the same noise, so their losses are identical."""
    from neuroattn.fitting.fit import _Evaluator
    from neuroattn.fitting.parameters import parse_params

    spec = na.models.tuned_population()
    objective = na.fitting.as_objective(OBJ)
    ev = _Evaluator(spec, _recovery_data(0), parse_params(BOUNDS, spec, objective), objective, trials=2, seed=3,
                    store=None, backend="batched", workers=None, scheduler=None, chunk_size=None, target=None, **RUN)
    losses = ev(np.array([[0.3, 0.4, 0.5], [0.3, 0.4, 0.5], [0.31, 0.4, 0.5]]), "test")
    assert losses[0] == losses[1] != losses[2]
    assert [row["stage"] for row in ev.rows] == ["test"] * 3


def test_rerun_on_a_finished_store_replays_it_without_simulating(stored_fit, monkeypatch):
    store, first = stored_fit
    _recovery_data(0)  # the data are simulated once, before simulation is switched off
    from neuroattn.sweeps import runners

    def no_simulation(*args, **kwargs):
        raise AssertionError("a finished batch was simulated again")

    monkeypatch.setattr(runners, "compute_chunk", no_simulation)
    again = _small_fit(store=store)
    assert again.params == first.params
    np.testing.assert_array_equal(again.history.loss.values, first.history.loss.values)
    stored = na.fitting.open_fit(store)
    np.testing.assert_array_equal(stored["history"].loss.values, first.history.loss.values)
    with pytest.raises(FitError, match=r"^store: .* holds a different fit; use a new path, or overwrite=True"):
        _small_fit(store=store, seed=4)


def _fit_file(tmp_path) -> tuple:
    data = tmp_path / "curves.csv"
    _recovery_data(0).to_csv(data, index=False)
    model = tmp_path / "model.yaml"
    na.dump_spec(na.models.tuned_population(), model)
    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text(f"""model: model.yaml
data: curves.csv
params:
  {P}g: [0.5, 4.0, log]
  {P}width: [0.5, 3.0]
  {P}beta: [0.1, 10.0, log]
objective: {{kind: squared_error, area: V4, window: [0.1, 0.2], conditions: {{c: {P}c}}}}
duration: 200 ms
dt: 1 ms
trials: 2
seed: 3
population: 12
generations: 8
local_iterations: 2
profile: false
""")
    reference = na.fit(na.models.tuned_population(), pd.read_csv(data), BOUNDS, OBJ, trials=2, seed=3,
                       population=12, generations=8, local_iterations=2, profile=False, progress=False, **RUN)
    return fit_file, reference


@pytest.mark.slow
def test_fit_killed_with_sigkill_resumes_to_the_uninterrupted_result(tmp_path):
    fit_file, reference = _fit_file(tmp_path)
    store = tmp_path / "fit.zarr"
    cmd = [sys.executable, "-m", "neuroattn", "fit", str(fit_file), "--out", str(store), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if (store / "evaluations" / "00004.zarr").exists():
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the fit ended before it could be killed: " + proc.stderr.read().decode()[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (store / "history").exists()  # killed mid-run
    rerun = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-1000:]
    assert f"{P}g = " in rerun.stdout and "fit: differential evolution" in rerun.stderr  # summary and progress
    stored = na.fitting.open_fit(store)
    np.testing.assert_array_equal(stored["history"].loss.values, reference.history.loss.values)
    assert json_params(stored) == reference.params


def json_params(stored) -> dict:
    import json

    return json.loads(stored["history"].attrs["best_params"])


@pytest.mark.slow
def test_processes_and_dask_backends_give_the_same_fit(tmp_path):
    """Two batches (the start and one generation) on each backend; its workers start once per batch."""
    ref = _small_fit(generations=1, local=None, profile=False)
    for backend in ("processes", "dask"):
        res = _small_fit(generations=1, local=None, profile=False, backend=backend, workers=2, chunk_size=20,
                         store=tmp_path / f"{backend}.zarr")
        np.testing.assert_array_equal(res.history.loss.values, ref.history.loss.values)
        assert res.params == ref.params


def test_a_user_function_objective_fits_a_target_rate():
    """A function of the batch result and the data: the peak unit's final rate against a target. With
    no noise and one parameter (the gain g), the fitted spec reproduces the target rate."""
    spec = na.models.tuned_population(noise=0.0)
    target = pd.DataFrame({"rate": [0.6]})

    def peak_rate_error(result, data):
        peak = result.r_final.isel(unit=4).groupby("candidate").mean()
        return ((peak - float(data.rate.iloc[0])) ** 2).values

    res = na.fit(spec, target, {P + "g": (0.5, 4.0)}, peak_rate_error, population=6, generations=4,
                 local="nelder-mead", local_iterations=6, profile=False, progress=False, **RUN)
    check = na.simulate(res.spec, RUN["duration"], dt=RUN["dt"], record_every=None, progress=False)
    assert float(check.r_final.isel(unit=4)) == pytest.approx(0.6, abs=0.005)
    assert list(target.columns) == ["rate"]  # the user's data are left as they were
