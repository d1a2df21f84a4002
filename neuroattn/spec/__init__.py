"""Specs: pure, frozen, validated data describing a network. No brian2 here."""
from neuroattn.spec.area import Area, FeatureAxis
from neuroattn.spec.competition import COMPETITIONS, CompetitionModel, Divisive, Lateral, Seed
from neuroattn.spec.dynamics import AreaDynamics, Dynamics, area_dynamics
from neuroattn.spec.io import bundled_models, dump_spec, load_spec, spec_hash, spec_text, spec_to_dict
from neuroattn.spec.network import NetworkSpec
from neuroattn.spec.projection import Projection
from neuroattn.spec.stimulus import Bump, OUNoise, Stimulus
from neuroattn.spec.transfer import TRANSFERS, Expression, Linear, ReLU, Sigmoid, TransferFunction
from neuroattn.spec.structure import Recruitment, Reserve, Structural
from neuroattn.spec.weights import Gaussian, Matrix, Random, Sparse, Uniform

__all__ = ["bundled_models", "Area", "FeatureAxis", "Seed", "Lateral", "Divisive", "CompetitionModel", "COMPETITIONS",
           "Dynamics", "AreaDynamics", "area_dynamics", "NetworkSpec", "Projection", "Stimulus", "Bump",
           "OUNoise", "Sigmoid", "ReLU", "Linear", "Expression", "TransferFunction", "TRANSFERS", "Uniform",
           "Matrix", "Gaussian", "Random", "Sparse", "Structural", "Reserve", "Recruitment", "load_spec", "dump_spec", "spec_hash", "spec_text", "spec_to_dict"]
