"""Specs: pure, frozen, validated data describing a network. No brian2 here."""
from neuroattn.spec.area import Area, FeatureAxis
from neuroattn.spec.competition import Divisive, Lateral, Seed
from neuroattn.spec.io import dump_spec, load_spec, spec_hash, spec_text, spec_to_dict
from neuroattn.spec.network import NetworkSpec
from neuroattn.spec.projection import Projection
from neuroattn.spec.stimulus import Bump, OUNoise, Stimulus
from neuroattn.spec.transfer import Expression, Linear, ReLU, Sigmoid
from neuroattn.spec.weights import Gaussian, Matrix, Random, Uniform

__all__ = ["Area", "FeatureAxis", "Seed", "Lateral", "Divisive", "NetworkSpec", "Projection",
           "Stimulus", "Bump", "OUNoise", "Sigmoid", "ReLU", "Linear", "Expression", "Uniform",
           "Matrix", "Gaussian", "Random", "load_spec", "dump_spec", "spec_hash", "spec_text", "spec_to_dict"]
