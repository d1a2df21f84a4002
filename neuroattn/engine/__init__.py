"""The engine: the only package code that imports brian2. Spec → Network → run → Dataset."""
import sys as _sys

_hook = _sys.excepthook
import brian2 as _brian2  # noqa: E402  (imported here once, so the hook below can be restored)

# Importing brian2 replaces sys.excepthook with one that calls every uncaught error "a bug in Brian 2",
# including neuroattn's own errors about user input. Put the previous hook back.
_sys.excepthook = _hook
from neuroattn.engine.device import TARGETS, resolve_target
from neuroattn.engine.simulator import DIVERGENCE_LIMIT, simulate, simulate_batch

__all__ = ["simulate", "simulate_batch", "TARGETS", "resolve_target", "DIVERGENCE_LIMIT"]
