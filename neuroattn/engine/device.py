"""Choosing Brian2's code-generation target for one simulation, and restoring the old one after.

With no target given (and no ``NEUROATTN_TARGET``), `choose_target` picks one from what is installed
and the size of the run, in unit-steps (points x units x steps): numpy for small runs (nothing to
compile); cython from `CYTHON_FROM` on when Cython and a C++ compiler are installed (its code is
compiled once per model shape, ~15 s per code object, and cached on disk by Brian2); cpp_standalone
from `STANDALONE_FROM` on for models it can run (compiled once per structure and process, ~10-20 s,
then as fast as a C loop). The choice and its reason are stored in the result's provenance
(``target``, ``target_choice``).

No global state outlives a simulation: the previous target preference and device are put back, and a
standalone build directory is a fresh temporary folder, deleted afterwards.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from typing import Optional

import brian2
from brian2.devices.device import reset_device

from neuroattn.engine.inplace import inplace_target
from neuroattn.exceptions import SimulationError

TARGETS = ("numpy", "cython", "cpp_standalone")
#: Dropped from Brian2's compiler flags for neuroattn's runs: with it, gcc cannot call the vectorised
#: ``exp`` of glibc, which halves the speed of a sigmoid network. Nothing in the generated loops tests
#: for infinities or NaNs (run-aways are detected from the stored values after the run), so the
#: flags become those of a plain ``-O3 -march=native -ffast-math`` C loop.
SLOW_MATH_FLAGS = ("-fno-finite-math-only",)
#: The target of small runs, and of any run when no C++ compiler is installed.
DEFAULT_TARGET = "numpy"
#: Unit-steps (points x units x steps) from which the automatic choice is cython: about half a second
#: of the numpy target's work (the 200-point seed sweep, N=50 for 2 s at 0.1 ms, is 2e8 unit-steps).
CYTHON_FROM = 1e8
#: Unit-steps from which the automatic choice is cpp_standalone, for models it can run: about a
#: minute of work, so that its compile (which each process pays per structure) is a small part.
STANDALONE_FROM = 1e10


#: Units updated per step (points x units) from which a compiled standalone batch is split over every
#: core: below it, a program's start (reading its arguments, writing its results) is not paid back.
SPLIT_FROM = 10_000


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def program_parts(cores: Optional[int], *, units: int, splittable: bool) -> int:
    """Into how many programs, run at the same time, a compiled standalone batch is split.

    Points of a batch are independent, so a batch of K points runs as `parts` copies of one compiled
    program on K/parts points each, one per core, with no synchronisation between them (unlike
    OpenMP threads, which meet at barriers several times per step and stall whenever another process
    holds a core). `cores`: asked for (1: one program, as a sweep's worker processes ask, each on
    its own core); None chooses: ``NEUROATTN_CORES`` if set, else every core this process may use
    once the batch updates at least `SPLIT_FROM` units per step (`units`, all points). Batches that
    learn, recruit or spike (not `splittable`) run as one program: their results are not only per
    point.
    """
    if cores is None:
        env = os.environ.get("NEUROATTN_CORES")
        if env:
            try:
                cores = int(env)
            except ValueError:
                raise SimulationError(f"NEUROATTN_CORES: must be a whole number (got {env!r})") from None
        else:
            cores = available_cores() if units >= SPLIT_FROM else 1
    if cores < 1:
        raise SimulationError(f"cores: must be at least 1 (got {cores})")
    return int(cores) if splittable else 1


def compiled_targets() -> tuple[str, ...]:
    """The compiled targets this installation can use: Cython (the package) and a C++ compiler."""
    compiler = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if not compiler:
        return ()
    return (("cython",) if importlib.util.find_spec("Cython") is not None else ()) + ("cpp_standalone",)


def choose_target(target: Optional[str] = None, *, work: Optional[float] = None,
                  standalone: bool = True) -> tuple[str, str]:
    """The target for a run and why: ``(target, reason)``.

    Parameters
    ----------
    target : a target asked for (used as is), or None to choose (``NEUROATTN_TARGET`` first).
    work : the run's size in unit-steps (points x units x steps); None chooses as for a small run.
    standalone : whether the model can run on cpp_standalone (no tasks, patterns, plasticity,
        delays or spiking areas).
    """
    if not target:
        target = os.environ.get("NEUROATTN_TARGET") or None
        how = "from NEUROATTN_TARGET"
    else:
        how = "given"
    if target:
        if target not in TARGETS:
            raise SimulationError(f"target: must be one of {', '.join(TARGETS)} (got {target!r})")
        return target, how
    size = 0.0 if work is None else float(work)
    if size < CYTHON_FROM:
        return DEFAULT_TARGET, f"automatic: {size:.2g} unit-steps < {CYTHON_FROM:.0e} (not worth compiling)"
    installed = compiled_targets()
    if size >= STANDALONE_FROM and standalone and "cpp_standalone" in installed:
        return "cpp_standalone", f"automatic: {size:.2g} unit-steps >= {STANDALONE_FROM:.0e}, C++ compiler found"
    if "cython" in installed:
        return "cython", f"automatic: {size:.2g} unit-steps >= {CYTHON_FROM:.0e}, Cython installed"
    return DEFAULT_TARGET, f"automatic: {size:.2g} unit-steps, but no Cython and C++ compiler found"


def resolve_target(target: Optional[str], *, work: Optional[float] = None, standalone: bool = True) -> str:
    """The target `choose_target` picks (without the reason)."""
    return choose_target(target, work=work, standalone=standalone)[0]


def describe_choice() -> str:
    """One line for ``neuroattn info``: what a run without a target gets."""
    env = os.environ.get("NEUROATTN_TARGET")
    if env:
        return f"{resolve_target(env)} (from NEUROATTN_TARGET)"
    installed = compiled_targets()
    if "cython" not in installed:
        return "automatic: numpy (no Cython and C++ compiler found)"
    cores = program_parts(None, units=SPLIT_FROM, splittable=True)  # what a large compiled batch gets
    return (f"automatic: numpy below {CYTHON_FROM:.0e} unit-steps (points x units x steps), cython from "
            f"there, cpp_standalone from {STANDALONE_FROM:.0e} where the model allows (its batches of "
            f"{SPLIT_FROM:,} units or more run on {cores} cores)")


@contextlib.contextmanager
def fast_math():
    """Compile Brian2's generated code without `SLOW_MATH_FLAGS` inside the body (flags restored after).

    Brian2's Cython cache is keyed by the code, not the flags, so these builds get a cache folder of
    their own (Brian2's, with ``_fastmath`` appended) and never reuse one compiled with other flags.
    """
    from brian2.codegen.runtime.cython_rt.extension_manager import get_cython_cache_dir

    cpp, cython = brian2.prefs.codegen.cpp, brian2.prefs.codegen.runtime.cython
    flags, cache = list(cpp.extra_compile_args_gcc), cython.cache_dir
    cpp.extra_compile_args_gcc = [f for f in flags if f not in SLOW_MATH_FLAGS]
    base = get_cython_cache_dir()
    if base:
        cython.cache_dir = os.path.normpath(os.path.expanduser(base)) + "_fastmath"
    try:
        yield
    finally:
        cpp.extra_compile_args_gcc = flags
        cython.cache_dir = cache


#: Brian2's standalone files that hold no per-step loop (setup, arguments, file input and output).
SETUP_FILES = ("main.cpp", "network.cpp", "objects.cpp", "run.cpp", "synapses_classes.cpp")
#: The one file that includes them all, compiled without optimisation.
SETUP_UNIT = "neuroattn_setup.cpp"
MAKEFILE = "neuroattn.mk"


def _write_if_changed(path: str, text: str) -> None:
    """Write `text` unless the file holds it already (so that make sees no change)."""
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w") as f:
        f.write(text)


def build_project(directory: str, *, run: bool = False) -> None:
    """Brian2's ``device.build`` of the standalone project in `directory`, compiled in less time.

    Compiling Brian2's project is mostly parsing the same C++ headers once per file (~0.4 s each).
    `SETUP_FILES` hold no per-step loop, so they are compiled as one file (`SETUP_UNIT`, which
    includes them) with ``-O0``: 0.7 s instead of 1.9 s of CPU for the seed model. The code objects,
    which hold the loops, keep Brian2's flags and their own files (their support code would clash in
    one file). Brian2's makefile is used as written, with its sources and one flag given to ``make``
    (so it still rebuilds only what changed in a kept project). `run` runs the program afterwards,
    as ``device.build(run=True)`` does.
    """
    device = brian2.get_device()
    if os.name == "nt":  # nmake and its makefile: Brian2's own build
        device.build(directory=directory, compile=True, run=run, with_output=False)
        return
    device.build(directory=directory, compile=False, run=False, with_output=False)
    with open(os.path.join(directory, "makefile")) as f:
        sources = next(line.split("=", 1)[1].split() for line in f if line.startswith("SRCS ="))
    setup = [name for name in sources if name in SETUP_FILES]
    _write_if_changed(os.path.join(directory, SETUP_UNIT), "".join(f'#include "{name}"\n' for name in setup))
    _write_if_changed(os.path.join(directory, MAKEFILE),
                      f"# written by neuroattn: the setup files, included by {SETUP_UNIT}, need no optimisation\n"
                      f"{SETUP_UNIT[:-4]}.o: OPTIMISATIONS += -O0\n")
    sources = [name for name in sources if name not in SETUP_FILES] + [SETUP_UNIT]
    standalone = brian2.prefs.devices.cpp_standalone
    args = list(standalone.extra_make_args_unix)
    standalone.extra_make_args_unix = args + ["-f", "makefile", "-f", MAKEFILE, f'SRCS="{" ".join(sources)}"']
    try:
        device.compile_source(directory, brian2.prefs.codegen.cpp.compiler or "unix", debug=False, clean=False)
    finally:
        standalone.extra_make_args_unix = args
    if run:
        device.run(directory=directory, with_output=False)


@contextlib.contextmanager
def use_target(target: str):
    """Run the body with `target` active; yields the standalone build directory (or None).

    Every simulation starts from Brian2's runtime device. A compiled network kept in a
    `NetworkCache` holds the standalone device until the cache is closed; running anything else
    meanwhile is an error rather than a silent switch of devices.
    """
    from brian2.devices.device import get_device, runtime_device

    if get_device() is not runtime_device:
        raise SimulationError("Brian2's device is held by a compiled standalone network; close its "
                              "NetworkCache (or leave its `with` block) before running another network")
    if target == "cpp_standalone":
        directory = tempfile.mkdtemp(prefix="neuroattn_standalone_")
        brian2.set_device("cpp_standalone", build_on_run=False)
        try:
            with fast_math():
                yield directory
        finally:
            brian2.device.reinit()
            reset_device()
            shutil.rmtree(directory, ignore_errors=True)
        return
    previous = brian2.prefs.codegen.target
    # numpy runs Brian2's numpy code with a state update that makes no temporaries (same numbers)
    brian2.prefs.codegen.target = inplace_target() if target == "numpy" else target
    try:
        with fast_math():
            yield None
    finally:
        brian2.prefs.codegen.target = previous
