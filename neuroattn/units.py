"""Brian2's units for writing specs in Python: ``Area(tau=10*ms)``. The one re-export of brian2.

Importing this module imports brian2 (slow-ish); ``import neuroattn`` does not import it.
"""
from brian2.units import Hz, ms, msecond, second, us, usecond  # noqa: F401

__all__ = ["second", "ms", "msecond", "us", "usecond", "Hz"]
