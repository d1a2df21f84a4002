"""Structural plasticity and reserve units from a model file: a good file runs through the command line,
and each bad one exits with status 2 and one line naming the field, writing nothing."""
import pytest

from neuroattn.cli import main

GOOD = """name: structural
areas:
  V1: {n: 3, tau: 10 ms, transfer: relu}
  PFC: {n: 3, tau: 20 ms}
  parietal:
    n: 3
    tau: 20 ms
    reserve: {n: 2, recruit_when: {area: PFC, above: 0.1, duration: 5 ms}}
projections:
  - source: V1
    target: parietal
    weights: 0.3
    plasticity: {rule: hebb, rate: 1.0, w_min: 0.0}
    structural: {every: 5 ms, prune_below: 0.01, prune_after: 10 ms, grow_above: 0.1}
stimuli:
  - {area: V1, amplitude: [1.0, 0.5, 0.2]}
  - {area: PFC, amplitude: 1.0}
"""
BAD = [
    (("grow_above: 0.1", "grow_above: -0.1"), "projections[0].structural.grow_above"),
    (("w_min: 0.0", "w_min: 0.05"), "structural.prune_below"),
    (("area: PFC, above", "area: PFX, above"), "areas.parietal.reserve.recruit_when.area"),
    (("    plasticity: {rule: hebb, rate: 1.0, w_min: 0.0}\n    structural: {every: 5 ms, prune_below: 0.01, "
      "prune_after: 10 ms, grow_above: 0.1}\n", ""), "areas.parietal.reserve"),
    (("every: 5 ms", "every: -5 ms"), "structural.every"),
    (("reserve: {n: 2,", "reserve: {n: 2, parents: [0, 7],"), "areas.parietal: reserve.parents"),
]


def test_a_good_file_runs(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(GOOD)
    assert main(["run", str(path), "--duration", "50ms", "--out", str(tmp_path / "r.nc")]) == 0
    import xarray as xr

    res = xr.open_dataset(tmp_path / "r.nc")
    assert "mask_V1_to_parietal_final" in res and "recruit_time_parietal" in res


@pytest.mark.parametrize("change, words", BAD, ids=range(len(BAD)))
def test_a_bad_file(tmp_path, capsys, change, words):
    old, new = change
    assert old in GOOD
    path = tmp_path / "model.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    assert main(["run", str(path), "--duration", "10ms", "--out", str(tmp_path / "r.nc")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not (tmp_path / "r.nc").exists()
