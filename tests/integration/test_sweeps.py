"""Sweeps end to end: numbers equal separate runs, stores resume, faults are survived."""
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import xarray as xr

import neuroattn as na
from neuroattn.models import seed_competition
from neuroattn.sweeps import metrics_table, open_sweep

BETA = "areas.V1.competition.beta"


def _noisy_spec():
    spec = seed_competition(n=3, beta=0.3)
    data = spec.model_dump(mode="json")
    data["stimuli"][0]["noise"] = {"sigma": 0.05, "tau": "5 ms"}
    return na.NetworkSpec.from_dict(data)


def test_sweep_equals_separate_runs_point_by_point():
    spec = _noisy_spec()
    betas = [0.0, 0.4, 0.7]
    ds = na.sweep(spec, {BETA: betas}, "50 ms", seeds=[1, 2], chunk_size=4, progress=False,
                  record="traces", record_every=10, variables=["r"])
    assert ds.sizes["point"] == 6 and list(ds.seed.values) == [1, 2] * 3
    assert list(ds[BETA].values) == [0.0, 0.0, 0.4, 0.4, 0.7, 0.7]
    for k in range(6):
        one = na.simulate(spec.replace(areas={"V1": spec.areas["V1"].replace(
            competition=spec.areas["V1"].competition.replace(beta=float(ds[BETA][k])))}),
            "50 ms", seed=int(ds.seed[k]), record_every=10, record=("r",), progress=False)
        np.testing.assert_allclose(ds.r.isel(point=k).values, one.r.values, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ds.u_final.isel(point=k).values, one.u_final.values, rtol=0, atol=1e-12)
    # the same seed gives the same noise at every beta: at beta = 0 the two seeds differ
    assert not np.allclose(ds.r.isel(point=0).values, ds.r.isel(point=1).values)


def test_grid_sweep_unstacks_to_its_axes():
    spec = _noisy_spec()
    ds = na.sweep(spec, {BETA: [0.0, 0.5], "stimuli[0].noise.sigma": [0.0, 0.01, 0.02]}, "20 ms", seeds=[0, 1],
                  progress=False, metrics=["wta_index"])
    grid = na.sweeps.unstack(ds)
    assert grid.wta_index_V1.sizes == {BETA: 2, "stimuli[0].noise.sigma": 3, "seed": 2}
    point = ds.isel(point=5)  # beta 0.0, sigma 0.02, seed 1 (the seed varies fastest)
    assert float(grid.wta_index_V1.sel({BETA: 0.0, "stimuli[0].noise.sigma": 0.02, "seed": 1})) == \
        float(point.wta_index_V1)


def test_chunking_changes_numbers_by_rounding_only():
    spec = _noisy_spec()
    space = {BETA: np.linspace(0, 1, 7)}
    a = na.sweep(spec, space, "30 ms", seeds=[3], chunk_size=7, progress=False)
    b = na.sweep(spec, space, "30 ms", seeds=[3], chunk_size=2, progress=False)
    xr.testing.assert_allclose(a.u_final, b.u_final, rtol=0, atol=1e-12)  # BLAS blocking differs with K


def test_points_of_different_structure_share_a_chunk():
    spec = na.load_spec("""
name: delayed
areas:
  A: {n: 2, tau: 10 ms, transfer: linear}
  B: {n: 2, tau: 10 ms, transfer: linear}
projections:
  - {source: A, target: B, weights: 0.5}
stimuli:
  - {area: A, amplitude: [1.0, 0.5]}
""")
    ds = na.sweep(spec, {"projections[A->B].delay": ["0 ms", "5 ms"]}, "20 ms", chunk_size=2, progress=False)
    assert list(ds["projections[A->B].delay"].values) == [0.0, 0.005]  # times as seconds
    for k, delay in enumerate(["0 ms", "5 ms"]):
        data = spec.model_dump(mode="json")
        data["projections"][0]["delay"] = delay
        one = na.simulate(na.NetworkSpec.from_dict(data), "20 ms", record_every=None, progress=False)
        np.testing.assert_allclose(ds.u_final.isel(point=k).values, one.u_final.values, atol=1e-12)


def test_diverging_points_are_nan_and_flagged_and_the_sweep_goes_on():
    betas = [0.2, 0.7, 1.5, 3.0]  # with ReLU and w=-0.3 on 4 units, beta above 5/6 runs away
    with pytest.warns(na.DivergenceWarning, match="2 point"):
        ds = na.sweep(seed_competition(), {BETA: betas}, "1 s", chunk_size=2, metrics=["regime", "winner"],
                      progress=False)
    assert ds.diverged.values.tolist() == [False, False, True, True]
    assert np.isnan(ds.u_final.values[2:]).all() and np.isfinite(ds.u_final.values[:2]).all()
    assert ds.winner_V1.values[2:].tolist() == [-1, -1]
    from neuroattn.analysis import REGIMES

    assert [REGIMES[c] for c in ds.regime_V1.values] == ["coexistence", "winner-take-all", "runaway", "runaway"]
    table = metrics_table(ds)
    assert list(table[BETA]) == betas and "regime_V1" in table and "diverged" in table


def test_store_resumes_only_missing_chunks_and_refuses_other_sweeps(tmp_path):
    spec = seed_competition()
    space = {BETA: np.linspace(0, 0.8, 6)}
    store = tmp_path / "s.zarr"
    ref = na.sweep(spec, space, "100 ms", chunk_size=2, progress=False, metrics=["wta_index"])
    ds = na.sweep(spec, space, "100 ms", chunk_size=2, progress=False, metrics=["wta_index"], store=store)
    np.testing.assert_array_equal(ds.u_final.values, ref.u_final.values)
    assert ds.attrs["sweep_id"] and ds.attrs["spec_hash"] == ref.attrs["spec_hash"]
    # forget chunk 1 and mark chunk 0 with a sentinel: a rerun recomputes chunk 1 and leaves chunk 0 alone
    xr.Dataset({"chunk_done": (("chunk",), [False])}).to_zarr(store, region={"chunk": slice(1, 2)})
    nan = xr.Dataset({"u_final": (("point", "unit"), np.full((2, 4), np.nan))})
    nan.to_zarr(store, region={"point": slice(2, 4)})
    sentinel = xr.Dataset({"u_final": (("point", "unit"), np.full((2, 4), 7.0))})
    sentinel.to_zarr(store, region={"point": slice(0, 2)})
    again = na.sweep(spec, space, "100 ms", chunk_size=2, progress=False, metrics=["wta_index"], store=store)
    assert again.chunk_done.values.all()
    np.testing.assert_array_equal(again.u_final.values[2:], ref.u_final.values[2:])
    assert (again.u_final.values[:2] == 7.0).all()
    with pytest.raises(na.SweepError, match="different sweep \\(the space differs\\)"):
        na.sweep(spec, {BETA: [0.1]}, "100 ms", chunk_size=2, progress=False, store=store)
    with pytest.raises(na.SweepError, match="different sweep \\(the spec differs\\)"):
        na.sweep(seed_competition(w=-0.2), space, "100 ms", chunk_size=2, progress=False, metrics=["wta_index"],
                 store=store)
    fresh = na.sweep(spec, space, "100 ms", chunk_size=2, progress=False, metrics=["wta_index"], store=store,
                     overwrite=True)
    np.testing.assert_array_equal(fresh.u_final.values, ref.u_final.values)
    na.sweeps.export_netcdf(fresh, tmp_path / "s.nc")
    back = xr.open_dataset(tmp_path / "s.nc")
    np.testing.assert_array_equal(back.u_final.values, ref.u_final.values)
    back.close()


def _write_sweep_file(path, model, n_points, chunk_size):
    path.write_text(f"""model: {model}
space:
  grid:
    {BETA}: {{linspace: [0, 0.8, {n_points}]}}
duration: 400 ms
record: {{metrics: [wta_index, winner]}}
chunk_size: {chunk_size}
""")


def _done(store):
    import zarr

    try:
        return np.asarray(zarr.open_array(store / "chunk_done", mode="r")[:], bool)
    except Exception:  # the store is not there yet
        return None


@pytest.mark.slow
def test_sweep_killed_with_sigkill_resumes_to_a_complete_store(tmp_path):
    model = tmp_path / "model.yaml"
    na.dump_spec(seed_competition(), model)
    sweep_file = tmp_path / "sweep.yaml"
    _write_sweep_file(sweep_file, model, n_points=60, chunk_size=2)
    store = tmp_path / "out.zarr"
    cmd = [sys.executable, "-m", "neuroattn", "sweep", str(sweep_file), "--out", str(store), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    deadline = time.time() + 240
    done = None
    while time.time() < deadline and proc.poll() is None:
        done = _done(store)
        if done is not None and done.sum() >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be killed: " + proc.stderr.read().decode()[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _done(store)
    assert 2 <= killed_at.sum() < killed_at.size  # killed mid-run
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-1000:]
    ds = open_sweep(store).load()
    assert ds.chunk_done.values.all()
    assert ds.sizes["point"] == 60 and np.array_equal(ds.point.values, np.arange(60))
    ref = na.sweep(seed_competition(), {BETA: np.linspace(0, 0.8, 60)}, "400 ms", chunk_size=60,
                   metrics=["wta_index", "winner"], progress=False)
    np.testing.assert_allclose(ds.u_final.values, ref.u_final.values, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ds.winner_V1.values, ref.winner_V1.values)
    np.testing.assert_array_equal(ds[BETA].values, ref[BETA].values)


@pytest.mark.slow
def test_processes_backend_gives_identical_numbers(tmp_path):
    spec = _noisy_spec()
    space = {BETA: np.linspace(0, 1, 6)}
    ref = na.sweep(spec, space, "50 ms", seeds=[0, 1], chunk_size=3, progress=False, metrics=["wta_index"])
    ds = na.sweep(spec, space, "50 ms", seeds=[0, 1], chunk_size=3, progress=False, metrics=["wta_index"],
                  backend="processes", workers=2, store=tmp_path / "p.zarr").load()
    np.testing.assert_array_equal(ds.u_final.values, ref.u_final.values)
    np.testing.assert_array_equal(ds.wta_index_V1.values, ref.wta_index_V1.values)


def _kill_workers_mid_sweep(tmp_path, n_points: int, kill: int) -> None:
    """Run a Dask sweep into a store, SIGKILL `kill` of its 2 workers once a chunk is done, and check
    that it ends complete and equal to an uninterrupted run."""
    from dask.distributed import Client, LocalCluster

    spec = seed_competition()
    space = {BETA: np.linspace(0, 0.8, n_points)}
    store = tmp_path / "d.zarr"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        assert len(pids) == 2
        box = {}

        def run():
            try:
                box["ds"] = na.sweep(spec, space, "2 s", chunk_size=2, progress=False, backend="dask",
                                     scheduler=cluster.scheduler_address, store=store)
            except BaseException as err:  # reported below
                box["error"] = err

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.time() + 240
        while time.time() < deadline:
            done = _done(store)
            if done is not None and done.sum() >= 1:
                break
            time.sleep(0.05)
        assert not _done(store).all(), "the sweep ended before the workers could be killed"
        for pid in pids[:kill]:
            os.kill(pid, signal.SIGKILL)
        thread.join(timeout=300)
    assert "error" not in box, box.get("error")
    ds = box["ds"].load()
    assert ds.chunk_done.values.all()
    ref = na.sweep(spec, space, "2 s", chunk_size=n_points, progress=False)
    np.testing.assert_allclose(ds.u_final.values, ref.u_final.values, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_dask_local_cluster_survives_a_killed_worker(tmp_path):
    _kill_workers_mid_sweep(tmp_path, 60, kill=1)


@pytest.mark.slow
def test_dask_sweep_completes_when_every_worker_dies(tmp_path):
    """Both workers die (the nannies start new ones); the plan travels with the tasks, so the
    scheduler reruns the lost chunks on the new workers."""
    _kill_workers_mid_sweep(tmp_path, 40, kill=2)


@pytest.mark.slow
def test_dask_backend_with_its_own_local_cluster(tmp_path):
    spec = _noisy_spec()
    space = {BETA: np.linspace(0, 1, 4)}
    ref = na.sweep(spec, space, "50 ms", seeds=[5], chunk_size=1, progress=False)
    ds = na.sweep(spec, space, "50 ms", seeds=[5], chunk_size=1, progress=False, backend="dask", workers=2)
    np.testing.assert_array_equal(ds.u_final.values, ref.u_final.values)


@pytest.mark.slow
def test_cpp_standalone_sweep_compiles_once_per_structure(monkeypatch):
    from neuroattn.engine import compiled

    builds = []
    original = compiled.CompiledNetwork.__init__

    def counting(self, *args, **kwargs):
        builds.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(compiled.CompiledNetwork, "__init__", counting)
    spec = _noisy_spec()
    space = {BETA: np.linspace(0, 1, 7)}  # chunks of 3, 3 and 1 (padded): one program
    ref = na.sweep(spec, space, "50 ms", seeds=[4], chunk_size=3, progress=False, record="traces", record_every=10,
                   variables=["r"], metrics=["wta_index"])
    ds = na.sweep(spec, space, "50 ms", seeds=[4], chunk_size=3, progress=False, record="traces", record_every=10,
                  variables=["r"], metrics=["wta_index"], target="cpp_standalone")
    assert len(builds) == 1
    np.testing.assert_allclose(ds.r.values, ref.r.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.wta_index_V1.values, ref.wta_index_V1.values, rtol=0, atol=1e-12)
    import brian2
    from brian2.devices.device import runtime_device

    assert brian2.get_device() is runtime_device  # the sweep handed the device back


@pytest.mark.slow
def test_a_kept_standalone_project_is_not_compiled_again(monkeypatch, tmp_path):
    """Brian2's setup files are compiled as one unoptimised file next to the code objects; a second
    sweep of the same structure (a new NetworkCache, the project kept on disk) compiles no code
    object again (only the setup file, when Brian2 writes its clocks in another order)."""
    monkeypatch.setenv("NEUROATTN_BUILD_CACHE", str(tmp_path))
    spec = seed_competition(n=3, beta=0.3)
    kw = dict(chunk_size=2, progress=False, target="cpp_standalone")
    first = na.sweep(spec, {BETA: [0.1, 0.5]}, "20 ms", **kw)
    names = {p.name for p in tmp_path.glob("*/*.o")}
    assert "neuroattn_setup.o" in names and "main.o" not in names and "objects.o" not in names
    objects = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/code_objects/*.o")}
    assert len(objects) == 2  # rates, and the state update, which computes the coupling's product too
    again = na.sweep(spec, {BETA: [0.2, 0.7]}, "20 ms", **kw)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/code_objects/*.o")} == objects
    assert not np.allclose(again.u_final.values, first.u_final.values)  # new numbers, same program


@pytest.mark.slow
def test_cpp_standalone_batches_split_over_cores_equal_one_program(monkeypatch):
    """A compiled batch run as 3 copies of one program on parts of its points (7 points per chunk:
    parts of 3, 3 and 1 padded to 3) gives the numbers of the numpy target, point for point, noise
    included, and compiles once."""
    from neuroattn.engine import compiled

    builds = []
    original = compiled.CompiledNetwork.__init__

    def counting(self, *args, **kwargs):
        builds.append(args[0].n_points)
        original(self, *args, **kwargs)

    monkeypatch.setattr(compiled.CompiledNetwork, "__init__", counting)
    monkeypatch.setenv("NEUROATTN_CORES", "3")
    spec = _noisy_spec()
    space = {BETA: np.linspace(0, 1, 9)}  # chunks of 7 and 2
    kw = dict(seeds=[4], chunk_size=7, progress=False, record="traces", record_every=10, variables=["r", "u"])
    ref = na.sweep(spec, space, "50 ms", target="numpy", **kw)
    ds = na.sweep(spec, space, "50 ms", target="cpp_standalone", **kw)
    assert builds == [3]  # one program for parts of 3 points
    for var in ("r", "u", "u_final", "r_final"):
        np.testing.assert_allclose(ds[var].values, ref[var].values, rtol=0, atol=1e-12)
    assert np.ptp(ds.r_final.values[:, 0]) > 0  # the points differ: each part ran its own numbers
