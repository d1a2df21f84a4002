"""Plotting with matplotlib, imported only when a plotting function is called."""
from neuroattn.plotting.paradigms import paradigm_figure
from neuroattn.plotting.raster import raster
from neuroattn.plotting.traces import traces
from neuroattn.plotting.structure import masks, recruitment, reorganisation_figure, synapse_count
from neuroattn.plotting.weights import learning_figure, weights

__all__ = ["traces", "paradigm_figure", "weights", "learning_figure", "raster", "synapse_count", "masks",
           "recruitment", "reorganisation_figure"]
