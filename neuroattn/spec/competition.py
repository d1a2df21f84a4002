"""Competition inside one area: the three models neuroattn implements.

With ``r = f(u)``, ``W`` the area's weight pattern and ``E_i`` the unit's external drive (baseline, stimuli
and bias projections, scaled by gain projections):

- ``seed``:      ``tau du_i/dt = -u_i + sum_{j!=i} w_ij r_j - beta * (sum_j w_ij) * r_i + E_i``.
  The sum in the beta term includes ``j = i`` when ``include_self`` is true (a uniform pattern then
  has ``w_ii = value``) and excludes it otherwise. The lateral sum never includes ``i``.
  Excitatory (positive) ``w`` never picks a winner; inhibitory ``w`` does inside a window of beta.
- ``lateral``:   ``tau du_i/dt = -u_i + alpha * r_i - beta * sum_{j!=i} w_ij r_j + E_i``
  (self-excitation and lateral inhibition; positive ``w`` inhibits here).
- ``divisive``:  ``tau du_i/dt = -u_i + E_i / (sigma + beta * sum_j w_ij r_j)``
  (divisive normalisation of the drive by the pooled activity, Carandini & Heeger 2012; the pool
  includes ``j = i``; weights must be non-negative and ``sigma > 0``).
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.weights import Gaussian, Matrix, Random, Uniform, WeightPattern


class Seed(SpecModel):
    """The seed competition-inhibition equation (see the module docstring)."""

    model: Literal["seed"] = "seed"
    beta: float = 1.0
    weights: WeightPattern
    include_self: bool = True


class Lateral(SpecModel):
    """Self-excitation ``alpha`` and lateral inhibition ``beta`` (see the module docstring)."""

    model: Literal["lateral"] = "lateral"
    alpha: float = 0.0
    beta: float = 1.0
    weights: WeightPattern


class Divisive(SpecModel):
    """Divisive normalisation by the pooled activity (see the module docstring)."""

    model: Literal["divisive"] = "divisive"
    beta: float = Field(1.0, ge=0)
    sigma: float = Field(1.0, gt=0)
    weights: WeightPattern = Uniform(value=1.0)

    @model_validator(mode="after")
    def _non_negative(self):
        w = self.weights
        negative = ((isinstance(w, Uniform) and w.value < 0)
                    or (isinstance(w, Matrix) and min(min(row) for row in w.value) < 0)
                    or (isinstance(w, Gaussian) and min(w.offset, w.offset + w.amplitude) < 0)
                    or (isinstance(w, Random) and ((w.distribution == "uniform" and w.low < 0)
                                                   or w.distribution == "normal")))
        if negative:
            raise ValueError("divisive normalisation needs non-negative weights (a pool of activity)")
        return self


#: A competition field: a tagged union on ``model``.
Competition = Annotated[Union[Seed, Lateral, Divisive], Field(discriminator="model")]
