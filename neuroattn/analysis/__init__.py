"""Analysis: xarray in, xarray out. No brian2 and no plotting here."""
from neuroattn.analysis.attention import (area_rates, attention_modulation_index, selection_latency,
                                          selectivity_index, suppression_ratio, winner, wta_index)
from neuroattn.analysis.bifurcation import bifurcation, phase_plane
from neuroattn.analysis.conditions import COMPARISONS, compare_conditions
from neuroattn.analysis.decisions import decision_times
from neuroattn.analysis.discrimination import d_prime, d_prime_error
from neuroattn.analysis.fixed_points import fixed_points, jacobian
from neuroattn.analysis.limits import cannot_continue, continue_run
from neuroattn.analysis.rate_model import RateModel
from neuroattn.analysis.regimes import REGIMES, classify_regime, growth_rate, regime_attrs, regime_codes

__all__ = ["fixed_points", "jacobian", "bifurcation", "phase_plane", "compare_conditions", "COMPARISONS",
           "RateModel", "area_rates", "attention_modulation_index",
           "selectivity_index", "suppression_ratio", "wta_index", "winner", "selection_latency",
           "classify_regime", "regime_codes", "regime_attrs", "growth_rate", "REGIMES", "d_prime",
           "d_prime_error", "decision_times", "continue_run", "cannot_continue"]
