"""Choosing Brian2's code-generation target for one simulation, and restoring the old one after.

No global state outlives a simulation: the previous target preference and device are put back, and a
standalone build directory is a fresh temporary folder, deleted afterwards.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import brian2
from brian2.devices.device import reset_device

from neuroattn.exceptions import SimulationError

TARGETS = ("numpy", "cython", "cpp_standalone")
#: Dropped from Brian2's compiler flags for neuroattn's runs: with it, gcc cannot call the vectorised
#: ``exp`` of glibc, which halves the speed of a sigmoid network. Nothing in the generated loops tests
#: for infinities or NaNs (run-aways are detected from the stored values after the run), so the
#: flags become those of a plain ``-O3 -march=native -ffast-math`` C loop.
SLOW_MATH_FLAGS = ("-fno-finite-math-only",)
#: The target used when none is given; ``NEUROATTN_TARGET`` overrides it.
DEFAULT_TARGET = "numpy"


def resolve_target(target: str | None) -> str:
    target = target or os.environ.get("NEUROATTN_TARGET") or DEFAULT_TARGET
    if target not in TARGETS:
        raise SimulationError(f"target: must be one of {', '.join(TARGETS)} (got {target!r})")
    return target


@contextlib.contextmanager
def fast_math():
    """Compile Brian2's generated code without `SLOW_MATH_FLAGS` inside the body (flags restored after)."""
    prefs = brian2.prefs.codegen.cpp
    previous = list(prefs.extra_compile_args_gcc)
    prefs.extra_compile_args_gcc = [f for f in previous if f not in SLOW_MATH_FLAGS]
    try:
        yield
    finally:
        prefs.extra_compile_args_gcc = previous


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
    brian2.prefs.codegen.target = target
    try:
        with fast_math():
            yield None
    finally:
        brian2.prefs.codegen.target = previous
