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
#: The target used when none is given; ``NEUROATTN_TARGET`` overrides it.
DEFAULT_TARGET = "numpy"


def resolve_target(target: str | None) -> str:
    target = target or os.environ.get("NEUROATTN_TARGET") or DEFAULT_TARGET
    if target not in TARGETS:
        raise SimulationError(f"target: must be one of {', '.join(TARGETS)} (got {target!r})")
    return target


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
            yield directory
        finally:
            brian2.device.reinit()
            reset_device()
            shutil.rmtree(directory, ignore_errors=True)
        return
    previous = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = target
    try:
        yield None
    finally:
        brian2.prefs.codegen.target = previous
