"""Plotting with matplotlib, imported only when a plotting function is called."""
from neuroattn.plotting.bifurcation import bifurcation, phase_plane
from neuroattn.plotting.fits import behaviour_fit
from neuroattn.plotting.heatmap import heatmap
from neuroattn.plotting.paradigms import paradigm_figure
from neuroattn.plotting.raster import raster
from neuroattn.plotting.regime import regime
from neuroattn.plotting.style import save_figure
from neuroattn.plotting.structure import masks, recruitment, reorganisation_figure, synapse_count
from neuroattn.plotting.traces import traces
from neuroattn.plotting.weights import learning_figure, weights

__all__ = ["traces", "heatmap", "paradigm_figure", "weights", "learning_figure", "raster", "save_figure",
           "bifurcation", "phase_plane", "regime", "synapse_count", "masks", "recruitment", "reorganisation_figure",
           "behaviour_fit"]
