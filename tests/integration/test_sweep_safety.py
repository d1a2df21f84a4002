"""Sweeps refuse before creating anything, resume on any backend, and a file cannot choose a host."""
import subprocess
import sys

import numpy as np
import pytest

import neuroattn as na
from neuroattn.models import seed_competition
from neuroattn.sweeps import make_plan
from neuroattn.sweeps.space import as_space

BETA = "areas.V1.competition.beta"


def test_an_invalid_later_point_fails_before_the_store_exists(tmp_path):
    store = tmp_path / "s.zarr"
    with pytest.raises(na.SweepError, match=r"the point \(areas\.V1\.tau='-5 ms'\) gives an invalid spec"):
        na.sweep(seed_competition(), {"areas.V1.tau": ["10 ms", "20 ms", "-5 ms"]}, "10 ms", store=store,
                 progress=False)
    assert not store.exists() and list(tmp_path.iterdir()) == []


def test_the_default_chunking_does_not_depend_on_the_backend():
    space = as_space({BETA: np.linspace(0, 1, 1000)})
    sizes = {make_plan(seed_competition(), space, "10 ms").chunk_size for _ in range(2)}
    assert sizes == {125}  # 1000 points: 8 chunks, whatever the backend or worker count


def test_a_sweep_file_cannot_name_the_scheduler(tmp_path):
    (tmp_path / "s.yaml").write_text("model: m.yaml\nspace: {areas.V1.competition.beta: [0.1, 0.2]}\n"
                                     "duration: 10 ms\nbackend: dask\nscheduler: tcp://203.0.113.7:8786\n")
    (tmp_path / "m.yaml").write_text(na.dump_spec(seed_competition()))
    out = subprocess.run([sys.executable, "-m", "neuroattn", "sweep", str(tmp_path / "s.yaml"), "--out",
                          str(tmp_path / "o.zarr")], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 2
    assert "may not name a scheduler address" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.zarr").exists()


@pytest.mark.parametrize("space, match", [
    ({BETA: {"linspace": [0, 1, 1e9]}}, r"linspace would give 1e\+09 values"),
    ({BETA: {"arange": [0, 1, 1e-9]}}, r"arange would give 1e\+09 values"),
    ({BETA: list(range(4000)), "areas.V1.tau": ["10 ms"] * 4000}, r"the grid has 1.6e\+07 points"),
])
def test_huge_spaces_are_refused_before_allocating(space, match):
    import time

    from neuroattn.sweeps.space import from_config

    started = time.perf_counter()
    with pytest.raises(na.SweepError, match=match):
        s = from_config({"grid": space}) if isinstance(next(iter(space.values())), dict) else as_space(space)
        s.columns()
    assert time.perf_counter() - started < 2.0


def test_stale_temporary_folders_are_removed_and_a_concurrent_creator_is_shared(tmp_path, monkeypatch):
    import os

    from neuroattn.sweeps import store as store_module
    from neuroattn.sweeps.store import SweepStore

    stale = tmp_path / ".s.zarr.deadbeef.999999999.tmp"
    stale.mkdir()
    spec = seed_competition()
    plan = make_plan(spec, as_space({BETA: [0.1, 0.2]}), "10 ms")
    from neuroattn.sweeps.sweep import _attrs

    attrs = _attrs(spec, as_space({BETA: [0.1, 0.2]}), plan, "numpy")
    SweepStore(tmp_path / "s.zarr", plan).open(spec, attrs)
    assert not stale.exists() and (tmp_path / "s.zarr").exists()
    # two runs create one store at once: the one that loses the rename shares the winner's store
    real_rename, raced = os.rename, []

    def racing(src, dst):
        if not raced:
            raced.append(1)
            SweepStore(dst, plan).open(spec, attrs)  # the other run wins
        return real_rename(src, dst)

    monkeypatch.setattr(store_module.os, "rename", racing)
    SweepStore(tmp_path / "t.zarr", plan).open(spec, attrs)
    assert raced and not list(tmp_path.glob(".t.zarr.*.tmp"))
    monkeypatch.undo()
    ds = na.sweep(spec, {BETA: [0.1, 0.2]}, "10 ms", store=tmp_path / "t.zarr", progress=False)
    assert ds.chunk_done.values.all()


SHARED = """
import sys, numpy as np, neuroattn as na
from neuroattn.models import seed_competition
na.sweep(seed_competition(), {"areas.V1.competition.beta": np.linspace(0, 1, 24)}, "300 ms", chunk_size=2,
         store=sys.argv[1], progress=False)
"""


@pytest.mark.slow
def test_two_sweeps_on_one_store_compute_every_chunk_once(tmp_path, monkeypatch):
    """Two processes run the same sweep on one store at once: each chunk is computed and written by
    one of them (counted by a wrapper around the write), and both end with the complete store."""
    store = tmp_path / "shared.zarr"
    script = tmp_path / "run.py"
    script.write_text(SHARED)
    log = tmp_path / "writes.log"
    wrapper = tmp_path / "count_writes.py"
    wrapper.write_text(
        "import sys\nimport neuroattn.sweeps.store as s\n_write = s.SweepStore.write_chunk\n"
        "def write_chunk(self, index, chunk):\n"
        f"    open({str(log)!r}, 'a').write(f'{{index}}\\n')\n    return _write(self, index, chunk)\n"
        "s.SweepStore.write_chunk = write_chunk\nexec(open(sys.argv[2]).read())\n")
    procs = [subprocess.Popen([sys.executable, str(wrapper), str(store), str(script)], cwd=tmp_path,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    writes = [int(x) for x in log.read_text().split()]
    assert sorted(writes) == list(range(12))  # 24 points in chunks of 2: each computed and written once
    ds = na.sweeps.open_sweep(store).load()
    assert ds.chunk_done.values.all()
    ref = na.sweep(seed_competition(), {BETA: np.linspace(0, 1, 24)}, "300 ms", chunk_size=2, progress=False)
    np.testing.assert_array_equal(ds.u_final.values, ref.u_final.values)


def test_a_full_disk_is_one_line_and_the_rerun_completes(tmp_path, monkeypatch):
    import errno

    original_to_zarr = __import__("xarray").Dataset.to_zarr
    region_writes = []

    def full(self, *args, **kwargs):
        if kwargs.get("region"):
            if len(region_writes) >= 2:  # the disk fills after the first chunk (its data and its flag)
                raise OSError(errno.ENOSPC, "No space left on device")
            region_writes.append(1)
        return original_to_zarr(self, *args, **kwargs)

    monkeypatch.setattr("xarray.Dataset.to_zarr", full)
    store = tmp_path / "d.zarr"
    with pytest.raises(na.SweepError, match=r"store: cannot write chunk 1 to .*No space left on device.*rerun"):
        na.sweep(seed_competition(), {BETA: [0.1, 0.2, 0.3, 0.4]}, "10 ms", chunk_size=2, store=store,
                 progress=False)
    monkeypatch.undo()
    assert not list((tmp_path / ".d.zarr.leases").iterdir())  # the failed chunk's lease was dropped
    ds = na.sweep(seed_competition(), {BETA: [0.1, 0.2, 0.3, 0.4]}, "10 ms", chunk_size=2, store=store,
                  progress=False)
    assert ds.chunk_done.values.all()


def test_an_unreachable_scheduler_leaves_no_store(tmp_path):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = tmp_path / "u.zarr"
    with pytest.raises(na.SweepError, match=r"scheduler: cannot reach 'tcp://127.0.0.1:\d+'"):
        na.sweep(seed_competition(), {BETA: [0.1]}, "10 ms", backend="dask", scheduler=f"tcp://127.0.0.1:{port}",
                 store=store, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_duplicate_stimulus_names_are_refused():
    spec = na.spec.spec_to_dict(seed_competition())
    spec["stimuli"] = [{"name": "cue", "area": "V1", "amplitude": 1.0}, {"name": "cue", "area": "V1", "amplitude": 2.0}]
    with pytest.raises(na.SpecError, match=r"stimuli\[1\]\.name: 'cue' is used twice \(also stimuli\[0\]\)"):
        na.load_spec(spec)
