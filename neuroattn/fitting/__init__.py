"""Fitting models to recorded data: an optimiser whose every batch of candidates is one batched sweep.

Examples
--------
>>> import neuroattn as na
>>> res = na.fit(spec, data, params={"areas.LIP.dynamics.parameters.mu": (0.005, 0.05, "log")},
...              objective="rt_likelihood", duration="2 s")                  # doctest: +SKIP
"""
from neuroattn.fitting.behaviour import behaviour_table, clopper_pearson
from neuroattn.fitting.fit import METHODS, FitResult, UserObjective, as_objective, fit, open_fit, synthetic_data
from neuroattn.fitting.objectives import OBJECTIVES, Binomial, Objective, RTLikelihood, SquaredError
from neuroattn.fitting.parameters import Parameter, parse_params

__all__ = ["behaviour_table", "clopper_pearson", "fit", "synthetic_data", "FitResult", "open_fit", "Objective", "OBJECTIVES", "Binomial", "RTLikelihood", "SquaredError",
           "UserObjective", "as_objective", "Parameter", "parse_params", "METHODS"]
