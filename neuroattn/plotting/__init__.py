"""Plotting with matplotlib, imported only when a plotting function is called."""
from neuroattn.plotting.fits import behaviour_fit
from neuroattn.plotting.paradigms import paradigm_figure
from neuroattn.plotting.raster import raster
from neuroattn.plotting.traces import traces
from neuroattn.plotting.weights import learning_figure, weights

__all__ = ["behaviour_fit", "traces", "paradigm_figure", "weights", "learning_figure", "raster"]
