"""Plotting with matplotlib, imported only when a plotting function is called."""
from neuroattn.plotting.traces import traces

__all__ = ["traces"]
