"""Projections: weighted connections from one area's rates ``r`` to another area's drive."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.neurons import Synapse
from neuroattn.spec.plasticity import Plasticity
from neuroattn.spec.quantities import NonNegativeTime
from neuroattn.spec.structure import Structural, check_structural
from neuroattn.spec.weights import WeightPattern


class Projection(SpecModel):
    """``source`` → ``target`` with weights ``W`` of shape ``(n_target, n_source)``, times ``scale``.

    ``mode='bias'`` adds ``scale * W @ r_source`` to the target's drive; ``mode='gain'`` multiplies the
    target's external drive by ``1 + scale * W @ r_source`` (top-down gain modulation). ``kind`` says
    where in the hierarchy the projection runs (``feedforward``, ``feedback``, ``lateral``) and labels
    it; ``delay`` delays the source's rates (the source's initial rates fill the first ``delay``).
    The default name is ``'SOURCE->TARGET'``, used in sweep paths such as
    ``projections[PFC->V1].scale``. ``plasticity`` makes the weights change during the run
    (`neuroattn.spec.plasticity`); the rule acts on the effective weights ``scale * W``, and
    ``structural`` prunes and grows its synapses (`neuroattn.spec.structure`). Onto a
    spiking area, ``synapse`` says how a spike acts (`neuroattn.spec.neurons.Synapse`): a weight is
    then a jump in mV (current) or a conductance relative to the leak; from a rate area onto a
    spiking one, ``scale * W @ r`` is a Poisson rate in Hz.
    """

    name: Optional[str] = None
    source: str
    target: str
    weights: WeightPattern
    scale: float = 1.0
    kind: Literal["feedforward", "feedback", "lateral"] = "feedforward"
    mode: Literal["bias", "gain"] = "bias"
    delay: NonNegativeTime = 0.0
    plasticity: Optional[Plasticity] = None
    structural: Optional[Structural] = None
    synapse: Synapse = Synapse()

    @model_validator(mode="after")
    def _structural(self):
        check_structural(self.plasticity, self.structural)
        return self

    @model_validator(mode="after")
    def _default_name(self):
        if self.name is None:
            object.__setattr__(self, "name", f"{self.source}->{self.target}")
        return self
