"""64 malformed inputs through the command line: each exits with status 2, prints exactly one line that
names the field, writes nothing, and takes under 2 s and 500 MB (files and arguments, every kind)."""
import time
import tracemalloc

import pytest

from neuroattn.cli import main

GOOD = """name: bad-input
areas:
  V1:
    n: 3
    tau: 10 ms
    transfer: relu
    competition: {model: lateral, alpha: 0.2, beta: 1.0, weights: 0.5}
  PFC: {n: 3, tau: 20 ms}
projections:
  - {source: V1, target: PFC, weights: 0.3}
stimuli:
  - {name: a, area: V1, amplitude: [1.0, 0.5, 0.2]}
"""
PLASTIC = GOOD.replace("weights: 0.3}", "weights: 0.3, plasticity: {rule: hebb, rate: 1.0}}")
PATTERNS = GOOD.replace("amplitude: [1.0, 0.5, 0.2]}", "patterns: [[1, 0, 0], [0, 1, 0]], presentation: {duration: 5 ms}}")
SWEEP = "model: m.yaml\nspace: {grid: {areas.V1.competition.beta: [0.5, 1.0]}}\nduration: 10 ms\n"


def edit(old, new, base=GOOD):
    assert old in base, old
    return base.replace(old, new, 1)


SPECS = [  # (spec file text or bytes, expected words of the message)
    ("name: x\n", "areas"),
    ("name: x\nareas: {}\n", "areas"),
    (edit("n: 3", "n: 0"), "areas.V1.n"),
    (edit("n: 3", "n: -3"), "areas.V1.n"),
    (edit("n: 3", "n: 2.5"), "areas.V1.n"),
    (edit("n: 3", "n: true"), "areas.V1.n"),
    (edit("n: 3", "n: 1000000000"), "areas.V1"),
    (edit("tau: 10 ms", "tau: -5 ms"), "areas.V1.tau"),
    (edit("tau: 10 ms", "tau: 10"), "areas.V1.tau"),
    (edit("tau: 10 ms", "tau: 10 mV"), "areas.V1.tau"),
    (edit("transfer: relu", "transfer: {kind: sigmoid, gain: -1}"), "areas.V1.transfer.gain"),
    (edit("transfer: relu", "transfer: {kind: relux}"), "areas.V1.transfer"),
    (edit("transfer: relu", "transfer: u/0"), "areas.V1.transfer"),
    (edit("transfer: relu", "transfer: __import__('os')"), "areas.V1.transfer"),
    (edit("transfer: relu", "transfer: u + 9**9**9**9"), "areas.V1.transfer"),
    (edit("model: lateral", "model: laterl"), "areas.V1.competition"),
    (edit("beta: 1.0", "beta: x"), "areas.V1.competition.beta"),
    (edit("weights: 0.5}", "weights: [[1, 2], [3, 4]]}"), "areas.V1.competition.weights"),
    (edit("{model: lateral, alpha: 0.2, beta: 1.0, weights: 0.5}", "{model: divisive, weights: -1.0}"),
     "areas.V1.competition"),
    (edit("{name: a, area: V1,", "{name: a, area: V2,"), "stimuli[0].area"),
    (edit("[1.0, 0.5, 0.2]", "[1.0, 0.5]"), "stimuli[0].amplitude"),
    (edit("amplitude: [1.0, 0.5, 0.2]}", "amplitude: 1.0, onset: 50 ms, offset: 10 ms}"), "stimuli[0]"),
    (edit("amplitude: [1.0, 0.5, 0.2]}", "amplitude: 1.0, noise: {sigma: -1}}"), "stimuli[0].noise.sigma"),
    (edit("{source: V1, target: PFC,", "{source: V3, target: PFC,"), "projections[0].source"),
    (edit("weights: 0.3}", "weights: [[1, 2]]}"), "projections[0].weights"),
    (edit("  - {source: V1, target: PFC, weights: 0.3}", "  - {source: V1, target: PFC, weights: 0.3}\n"
          "  - {source: V1, target: PFC, weights: 0.1}"), "projections[1].name"),
    (edit("    n: 3\n", "    n: 3\n    n: 4\n"), "given twice"),
    ("a: &a [1, 2, 3]\nb: [*a, *a, *a]\nareas: {V1: {n: 1, tau: 1 ms}}\n", "aliases"),
    ("areas: !!python/object/apply:os.system ['true']\n", "spec YAML"),
    ("name: x\n".encode("utf-16"), "UTF-8"),
    (b"\x00\x01\x02\xff", "UTF-8"),
    ("", "spec YAML"),
    ("- 1\n- 2\n", "spec YAML"),
    ('areas:\n  "V1\\n": {n: 1, tau: 1 ms}\n', "areas"),
    (edit("    tau: 10 ms\n", "    tau: 10 ms\n    colour: red\n"), "areas.V1.colour"),
    (edit("rule: hebb", "rule: hebbb", PLASTIC), "projections[0].plasticity"),
    (edit("rate: 1.0}}", "rate: 1.0, w_min: 1, w_max: 0}}", PLASTIC), "projections[0].plasticity"),
    (edit("{rule: hebb, rate: 1.0}", "{rule: gated, rate: 1.0, gate: {area: X}}", PLASTIC),
     "projections[0].plasticity.gate.area"),
    (edit("[[1, 0, 0], [0, 1, 0]]", "[[1, 0], [0, 1]]", PATTERNS), "stimuli[0].patterns"),
    (edit(", presentation: {duration: 5 ms}", "", PATTERNS), "stimuli[0]"),
    (PATTERNS + "tasks:\n  - {area: X, decide_at: 4 ms, rewarded: [0, 1]}\n", "tasks[0].area"),
    (PATTERNS + "tasks:\n  - {area: PFC, decide_at: 4 ms, rewarded: [0, 7]}\n", "tasks[0].rewarded"),
    (edit("    competition: {model: lateral, alpha: 0.2, beta: 1.0, weights: 0.5}\n",
          "    dynamics: {equations: 'du/dt = (-u + b*r + I)/tau : 1', parameters: {tau: 10 ms}}\n"),
     "areas.V1.dynamics"),
    (edit("  PFC: {n: 3, tau: 20 ms}", "  PFC: {n: 3, neuron: {model: lif, tau_m: 20 mV}}"), "areas.PFC.neuron.tau_m"),
    (edit("  PFC: {n: 3, tau: 20 ms}", "  PFC: {n: 3, neuron: {model: lif, v_threshold: -65 mV}}"),
     "areas.PFC.neuron"),
    (GOOD + "  - {name: a, area: PFC, amplitude: 1.0}\n", "stimuli[1].name"),
]
ARGS = [  # (extra run arguments, expected words)
    (["--seed", str(2**64)], "seed"),
    (["--dt", "20ms"], "dt"),
    (["--duration", "1s", "--dt", "1e-9ms"], "dt"),
    (["--duration=-1s"], "duration"),
    (["--record-every", "0"], "record_every"),
    (["--record-every", "2 V"], "record_every"),
    (["--target", "gpu"], "target"),
    (["--duration", "10 parsecs"], "duration"),
]
SWEEPS = [  # (sweep file text, expected words)
    (SWEEP.replace("competition.beta", "competition.bta"), "areas.V1.competition.bta"),
    (SWEEP.replace("[0.5, 1.0]", "[0.5, x]"), "space"),
    (SWEEP.replace("{grid: {areas.V1.competition.beta: [0.5, 1.0]}}",
                   "{grid: {areas.V1.tau: [10 ms, -5 ms]}}"), "areas.V1.tau"),
    (SWEEP.replace("[0.5, 1.0]", "{linspace: [0, 1, 1e9]}"), "linspace"),
    (SWEEP + "backend: dask\nscheduler: tcp://203.0.113.7:8786\n", "scheduler"),
    (SWEEP + "backend: gpu\n", "backend"),
    (SWEEP + "duration: 20 ms\n", "given twice"),
    ("model: !!python/name:os.system\n", "sweep file"),
    (SWEEP.replace("model: m.yaml", "model: missing.yaml"), "missing.yaml"),
    (SWEEP + "record: {traces_every: 10, variables: [w]}\n", "variables"),
]


def _check(tmp_path, capsys, argv, words):
    before = set(p.name for p in tmp_path.iterdir())
    tracemalloc.start()
    started = time.perf_counter()
    try:
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse refuses the arguments themselves
            code = exit.code
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("neuroattn: error: "), err
    assert words in err, err
    assert set(p.name for p in tmp_path.iterdir()) == before  # nothing written
    assert elapsed < 2.0 and peak < 500 * 2**20, (elapsed, peak)


@pytest.fixture(autouse=True, scope="module")
def _warm():
    """Import the engine once so that the timing measures the refusal, not Brian2's first import."""
    import neuroattn.engine  # noqa: F401


@pytest.mark.filterwarnings("ignore::neuroattn.exceptions.NumericsWarning")
@pytest.mark.parametrize("content, words", SPECS, ids=range(len(SPECS)))
def test_a_bad_spec_file(tmp_path, capsys, content, words):
    path = tmp_path / "model.yaml"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    _check(tmp_path, capsys, ["run", str(path), "--duration", "10ms", "--out", str(tmp_path / "r.nc")], words)


@pytest.mark.parametrize("args, words", ARGS, ids=range(len(ARGS)))
def test_bad_run_arguments(tmp_path, capsys, args, words):
    path = tmp_path / "model.yaml"
    path.write_text(GOOD)
    argv = ["run", str(path), "--duration", "100ms", "--out", str(tmp_path / "r.nc")] + args
    _check(tmp_path, capsys, argv, words)


@pytest.mark.parametrize("content, words", SWEEPS, ids=range(len(SWEEPS)))
def test_a_bad_sweep_file(tmp_path, capsys, content, words):
    (tmp_path / "m.yaml").write_text(GOOD)
    (tmp_path / "s.yaml").write_text(content)
    _check(tmp_path, capsys, ["sweep", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o.zarr")], words)
