"""Analysis: xarray in, xarray out. No brian2 and no plotting here."""
from neuroattn.analysis.fixed_points import fixed_points, jacobian
from neuroattn.analysis.rates import RateModel

__all__ = ["fixed_points", "jacobian", "RateModel"]
