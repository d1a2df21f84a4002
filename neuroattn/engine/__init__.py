"""The engine: the only package code that imports brian2. Spec → Network → run → Dataset.

Public names (everything outside the engine uses only these):

- `simulate`, `simulate_batch`: one spec, or K specs of one structure, from user values;
- `run` with `RunSettings`: any specs, checked settings, optional `NetworkCache` for compiled
  standalone networks reused across calls (sweeps, fits);
- `recordable`: the variables a spec's run can trace, with units and long names;
- `structure_key`: what must be equal for specs to share one network; `per_unit_constant`: the
  paths whose per-point values `run` takes as arrays (``constants=``) instead of one spec per point;
- `TARGETS`, `resolve_target`, `choose_target` (the automatic target and why), `describe_choice`,
  `run_size`, `standalone_capable`, `available_cores`, `DIVERGENCE_LIMIT`.
"""
import signal as _signal
import sys as _sys
import threading as _threading


def _import_brian2():
    """Import brian2 without its two side effects that break neuroattn.

    Importing brian2 replaces sys.excepthook with one that calls every uncaught error "a bug in
    Brian 2", including neuroattn's own errors about user input; the previous hook is put back at
    once. It also installs a SIGINT handler, which Python allows only in the main thread; imported
    from another thread (a Dask task), the handler is skipped for the duration of the import only.
    """
    hook = _sys.excepthook
    install = _signal.signal
    if _threading.current_thread() is not _threading.main_thread():
        _signal.signal = lambda *args, **kwargs: None
    try:
        import brian2
    finally:
        _signal.signal = install
        _sys.excepthook = hook
    return brian2


_brian2 = _import_brian2()
# The engine detects run-away dynamics itself (per batch point, as a DivergenceWarning and the
# `diverged` flag); Brian2's own "invalid values" log line would repeat it once per network.
_brian2.BrianLogger.suppress_name("invalid_values")
from neuroattn.engine.batch import per_unit_constant, structure_key  # noqa: E402
from neuroattn.engine.collect import DIVERGENCE_LIMIT  # noqa: E402
from neuroattn.engine.compiled import NetworkCache  # noqa: E402
from neuroattn.engine.device import (TARGETS, available_cores, choose_target, compiled_targets,  # noqa: E402
                                     describe_choice, resolve_target)
from neuroattn.engine.noise import OUProcess  # noqa: E402
from neuroattn.engine.simulation import (DEFAULT_RECORD, RunSettings, recordable, run, run_size,  # noqa: E402
                                         simulate, simulate_batch, standalone_capable)

__all__ = ["simulate", "simulate_batch", "run", "RunSettings", "recordable", "NetworkCache", "structure_key",
           "per_unit_constant", "TARGETS",
           "resolve_target", "choose_target", "compiled_targets", "describe_choice", "run_size", "standalone_capable",
           "DIVERGENCE_LIMIT", "DEFAULT_RECORD", "OUProcess", "available_cores"]
