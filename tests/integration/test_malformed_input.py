"""Malformed input is refused in one line naming the field, quickly, writing nothing."""
import subprocess
import sys
import time

import pytest

import neuroattn as na

GOOD = """name: seed
areas:
  V1:
    n: 2
    tau: 10 ms
stimuli:
  - {area: V1, amplitude: 1.0}
"""


@pytest.mark.parametrize("text, match", [
    (GOOD + "areas:\n  V2: {n: 1, tau: 1 ms}\n", r"spec YAML: does not parse at line \d+.*the key 'areas' is given twice"),
    (GOOD.replace("    n: 2\n", "    n: 2\n    n: 3\n"), r"the key 'n' is given twice"),
    ("a: &x [1, 2]\nb: *x\n", r"aliases \(\*name\) are not allowed"),
    ("areas: !!python/object/apply:os.system ['true']\n", r"spec YAML: does not parse"),
    (GOOD.replace("n: 2", "n: true"), r"areas\.V1\.n: must be a whole number, not true/false"),
    (GOOD.replace("tau: 10 ms", "tau: 10 ms\n    transfer: u/0"), r"areas\.V1\.transfer\.expr: .*not finite"),
    (GOOD.replace("tau: 10 ms", "tau: 10 ms\n    transfer: u + 9**9**9**9"),
     r"areas\.V1\.transfer\.expr: .*exponent above 100"),
    (GOOD.replace("tau: 10 ms", "tau: 10 ms\n    transfer: '" + "u+" * 1500 + "u'"), r"longer than 2000"),
    ('areas:\n  "V1\\n": {n: 1, tau: 1 ms}\n', r"areas: area name must start with a letter"),
])
def test_bad_yaml_is_one_line_and_fast(text, match):
    started = time.perf_counter()
    with pytest.raises(na.SpecError, match=match) as info:
        na.load_spec(text)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("content, match", [
    ("name: x\n".encode("utf-16"), r"spec file: .* is not UTF-8 text"),
    (b"\x00\x01\x02\xff\xfe", r"spec file: .* is not UTF-8 text"),
])
def test_unreadable_files_are_one_line(tmp_path, content, match):
    path = tmp_path / "model.yaml"
    path.write_bytes(content)
    with pytest.raises(na.SpecError, match=match):
        na.load_spec(path)


@pytest.mark.parametrize("seed", [2**64, -1, 1.5, True])
def test_bad_seeds_are_one_line(seed):
    with pytest.raises(na.SimulationError, match=r"seed: must be a whole number from 0 to 2\*\*32 - 1"):
        na.simulate(na.load_spec(GOOD), "1 ms", seed=seed, progress=False)


def test_the_cli_refuses_a_duplicate_key_with_status_2_and_writes_nothing(tmp_path):
    spec = tmp_path / "model.yaml"
    spec.write_text(GOOD.replace("    n: 2\n", "    n: 2\n    n: 3\n"))
    out = subprocess.run([sys.executable, "-m", "neuroattn", "run", str(spec), "--duration", "10ms",
                          "--out", str(tmp_path / "r.nc")], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "the key 'n' is given twice" in out.stderr
    assert not (tmp_path / "r.nc").exists()


def test_a_step_larger_than_a_time_constant_is_refused_and_a_coarse_one_warns():
    spec = na.load_spec(GOOD)
    with pytest.raises(na.SimulationError, match=r"dt: 20 ms is larger than the time constant areas\.V1\.tau = 10 ms"):
        na.simulate(spec, "100 ms", dt="20 ms", progress=False)
    with pytest.warns(na.exceptions.NumericsWarning, match=r"dt is 0.2 of the time constant areas\.V1\.tau") as w:
        na.simulate(spec, "100 ms", dt="2 ms", progress=False)
    assert w[0].filename == __file__  # the warning points at the caller
    with pytest.warns(na.exceptions.NumericsWarning, match=r"dt is 2 of"):  # allowed, still warned
        na.simulate(spec, "100 ms", dt="20 ms", allow_large_dt=True, progress=False)


def test_times_that_are_not_whole_steps_warn():
    spec = na.load_spec(GOOD.replace("amplitude: 1.0}", "amplitude: 1.0, onset: 0.25 ms}"))
    with pytest.warns(na.exceptions.NumericsWarning, match=r"stimuli\[0\]\.onset: 0.25 ms is not a whole number"):
        na.simulate(spec, "10 ms", dt="0.1 ms", progress=False)


def test_a_run_of_too_many_steps_is_refused_at_once():
    started = time.perf_counter()
    with pytest.raises(na.SimulationError, match=r"would be 1e\+12 steps"):
        na.simulate(na.load_spec(GOOD), "1 s", dt="1e-9 ms", progress=False)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("area, match", [
    ("n: 1000000000", r"areas\.V1\.n: the network needs ~\d.* GiB \(1000000000 units"),
    ("n: 300000\n    competition: {model: lateral, weights: 0.1}", r"areas\.V1\.n: the network needs ~.* of weights"),
])
def test_a_network_too_large_for_the_machine_is_refused_before_allocating(area, match):
    started = time.perf_counter()
    with pytest.raises(na.SpecError, match=match):
        na.load_spec(GOOD.replace("n: 2", area))
    assert time.perf_counter() - started < 2.0
