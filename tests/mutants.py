"""Mutation check: deliberate bugs in the engine, and which tests catch each.

Run by hand (not collected by pytest, not part of CI)::

    python tests/mutants.py                 # every mutant, the table at the end
    python tests/mutants.py --list          # the mutants and where they apply
    python tests/mutants.py --only delay-off-by-one dropped-gain
    python tests/mutants.py --jobs 2        # two mutants at a time

Each mutant is one textual change to one file of the package. The script copies the checkout (the
files git tracks plus untracked ones it does not ignore) into a temporary folder, applies the change
there, and runs the mutant's tests in that copy (``PYTHONPATH`` points at the copy, so the CLI's
subprocesses import it too). The working tree is never touched. A mutant whose text is not found is
reported as ``anchor missing``: the engine changed and the mutant must be brought up to date.

A mutant is *caught* when at least one of its tests fails; the table names the failing tests. Before
the mutants, the same tests run on an unmutated copy: a failure there makes the table meaningless, and
the script stops.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The fast correctness net: the generated networks, the references and the invariants.
NET = ("tests/reference/test_generated.py", "tests/reference/test_generated_plasticity.py",
       "tests/reference/test_shared_groups.py", "tests/reference/test_against_numpy.py",
       "tests/integration/test_divergence.py")
#: The net with the slow (compiled) tests too, for code only compiled targets run.
COMPILED = ("-m", "slow or not slow", "tests/reference/test_generated.py::test_compiled_paths",
            "tests/reference/test_kernels.py", "tests/reference/test_plastic_kernels.py")
SPIKING = ("tests/reference/test_generated_spiking.py", "tests/integration/test_stdp.py",
           "tests/integration/test_spiking.py")


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the checkout
    old: str  # must occur exactly once
    new: str
    what: str
    tests: tuple = NET


MUTANTS = (
    Mutant("swapped-transfer", "neuroattn/spec/transfer.py",
           "np.subtract(u, threshold, out=tmp)", "np.add(u, threshold, out=tmp)",
           "the sigmoid's in-place rate update uses u + threshold"),
    Mutant("swapped-transfer-code", "neuroattn/spec/transfer.py",
           'return "1/(1 + exp(-f_gain*(u - f_threshold)))"', 'return "clip(u - f_threshold, 0, inf)"',
           "the sigmoid's Brian2 code is the ReLU's", tests=NET + COMPILED[2:3]),
    Mutant("delay-off-by-one", "neuroattn/engine/coupling.py",
           "                src = line[(step - d) % (d + 1)]",
           "                src = line[(step - d + 1) % (d + 1)]",
           "a delayed projection reads the rates of one step later than its delay"),
    Mutant("dropped-gain", "neuroattn/engine/equations.py",
           "drive = f\"(1 + {' + '.join(gain)})*{drive}\"", "drive = drive",
           "gain projections are dropped from the drive"),
    Mutant("hebb-sign", "neuroattn/spec/plasticity.py",
           'return c["rate"] * _outer(y, x), {}', 'return -c["rate"] * _outer(y, x), {}',
           "Hebb's rule with its sign flipped (numpy)"),
    Mutant("oja-decay-sign", "neuroattn/spec/plasticity.py",
           "(_outer(y, x) - (y * y)[:, :, None] * w)", "(_outer(y, x) + (y * y)[:, :, None] * w)",
           "Oja's decay term added instead of subtracted (numpy)"),
    Mutant("noise-late", "neuroattn/engine/coupling.py",
           "        if step > 0:\n            for process, view in self._noises:",
           "        if step > 1:\n            for process, view in self._noises:",
           "the OU noise starts one step late"),
    Mutant("include-self-ignored", "neuroattn/spec/competition.py",
           "row_sum = w.sum(axis=1) if self.include_self else w.sum(axis=1) - np.diag(w)",
           "row_sum = w.sum(axis=1)",
           "the seed model's beta sum always includes j = i"),
    Mutant("onset-off-by-one", "neuroattn/spec/stimulus.py",
           "        on = round(self.onset / dt)\n        env",
           "        on = round(self.onset / dt) + 1\n        env",
           "a stimulus starts one step after its onset"),
    Mutant("ramp-early", "neuroattn/spec/stimulus.py",
           "np.clip((k - on) / (self.ramp / dt), 0.0, 1.0)", "np.clip((k - on + 1) / (self.ramp / dt), 0.0, 1.0)",
           "a stimulus ramp one step ahead"),
    Mutant("transposed-weights", "neuroattn/engine/coupling.py",
           "np.ascontiguousarray(c.weights if batched else c.weights.T)", "np.ascontiguousarray(c.weights)",
           "fixed couplings multiply by W instead of W^T (square projections run silently)"),
    Mutant("ou-kick", "neuroattn/engine/noise.py",
           "self._kick = (sigma * np.sqrt(2.0 * dt / tau)).ravel()", "self._kick = (sigma * np.sqrt(dt / tau)).ravel()",
           "the OU noise's stationary deviation is sigma/sqrt(2)"),
    Mutant("divisive-sign", "neuroattn/spec/competition.py",
           'equation: ClassVar[str] = "I/(sigma + beta*rec)"', 'equation: ClassVar[str] = "I/(sigma + beta*r)"',
           "divisive normalisation by the unit's own rate, not the pool"),
    Mutant("lateral-alpha", "neuroattn/spec/competition.py",
           'equation: ClassVar[str] = "alpha*r - beta*rec + I"', 'equation: ClassVar[str] = "alpha*rec - beta*rec + I"',
           "the lateral model's self-excitation reads the recurrent sum"),
    Mutant("spike-delay", "neuroattn/engine/spiking.py",
           "syn.delay = proj.delay * brian2.second", "syn.delay = 2 * proj.delay * brian2.second",
           "a spiking projection's delay doubled", tests=SPIKING),
)


def checkout_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def copy_checkout(dest: Path, files: list[str]) -> None:
    for f in files:
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, target)


def apply(mutant: Mutant, tree: Path) -> bool:
    path = tree / mutant.path
    text = path.read_text()
    if text.count(mutant.old) != 1:
        return False
    path.write_text(text.replace(mutant.old, mutant.new))
    return True


def run_tests(tree: Path, tests: tuple, timeout: float) -> tuple[int, list[str], float]:
    """(pytest's exit status, the failing test ids, seconds) for `tests` in the copy `tree`."""
    args = [a for a in tests if a.startswith("-") or a == "slow or not slow" or (tree / a.split("::")[0]).exists()]
    env = dict(os.environ, PYTHONPATH=str(tree), MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", *args],
                              cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, ["(timed out)"], time.perf_counter() - start
    failed = sorted({m.group(1) for m in re.finditer(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, re.M)})
    return proc.returncode, failed, time.perf_counter() - start


def trial(mutant: Mutant, files: list[str], timeout: float) -> tuple[str, list[str], float]:
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as tmp:
        tree = Path(tmp)
        copy_checkout(tree, files)
        if not apply(mutant, tree):
            return "anchor missing", [], 0.0
        status, failed, seconds = run_tests(tree, mutant.tests, timeout)
    if status == -1:
        return "timed out", failed, seconds
    if status in (0, 5):
        return "SURVIVED", [], seconds
    return "caught", failed, seconds


def baseline(files: list[str], suites: set, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="mutant-baseline-") as tmp:
        tree = Path(tmp)
        copy_checkout(tree, files)
        check = subprocess.run([sys.executable, "-c", "import neuroattn; print(neuroattn.__file__)"], cwd=tree,
                               env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True, text=True)
        if not check.stdout.startswith(str(tree)):
            sys.exit(f"mutants: the copy does not import its own package ({check.stdout.strip() or check.stderr})")
        for tests in suites:
            status, failed, seconds = run_tests(tree, tests, timeout)
            if status not in (0, 5):
                sys.exit(f"mutants: the unmutated tests fail ({', '.join(failed) or status}); fix them first")
            print(f"baseline: {len(tests)} test paths pass unmutated ({seconds:.0f} s)", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per test run (default 1800)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = parser.parse_args(argv)
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:24s} {m.path:36s} {m.what}")
        return 0
    unknown = set(args.only or ()) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(sorted(unknown))} (see --list)")
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    files = checkout_files()
    if not args.no_baseline:
        baseline(files, {m.tests for m in chosen}, args.timeout)
    rows = []
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for m, (verdict, failed, seconds) in zip(chosen, pool.map(lambda m: trial(m, files, args.timeout), chosen)):
            caught_by = ", ".join(f.split("::")[-1] for f in failed[:3]) + (f" (+{len(failed) - 3})" if len(failed) > 3 else "")
            rows.append((m.name, verdict, len(failed), caught_by, seconds))
            print(f"{m.name}: {verdict} ({len(failed)} failing, {seconds:.0f} s) {caught_by}", flush=True)
    print("\n| mutant | what | verdict | failing tests | e.g. |\n|---|---|---|---|---|")
    for (name, verdict, n, caught_by, _), m in zip(rows, chosen):
        print(f"| {name} | {m.what} | {verdict} | {n} | {caught_by} |")
    return 0 if all(r[1] == "caught" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
