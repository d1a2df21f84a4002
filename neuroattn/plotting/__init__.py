"""Plotting with matplotlib, imported only when a plotting function is called."""
from neuroattn.plotting.paradigms import paradigm_figure
from neuroattn.plotting.traces import traces

__all__ = ["traces", "paradigm_figure"]
