"""Competition inside one area: the models, each one registered class (`COMPETITIONS`).

With ``r = f(u)``, ``rec_i = sum_j c_ij r_j`` (the recurrent sum over the model's coupling matrix,
made from the area's weight pattern ``W``) and ``I_i`` the unit's external drive (baseline, stimuli and
bias projections, times gain projections), every model is ``tau du_i/dt = -u_i + g(r_i, rec_i, I_i)``:

- ``seed``:      ``g = sum_{j!=i} w_ij r_j - beta * (sum_j w_ij) * r_i + I_i``.
  The sum in the beta term includes ``j = i`` when ``include_self`` is true (a uniform pattern then
  has ``w_ii = value``) and excludes it otherwise. The lateral sum never includes ``i``.
  Excitatory (positive) ``w`` never picks a winner; inhibitory ``w`` does inside a window of beta.
- ``lateral``:   ``g = alpha * r_i - beta * sum_{j!=i} w_ij r_j + I_i``
  (self-excitation and lateral inhibition; positive ``w`` inhibits here).
- ``divisive``:  ``g = I_i / (sigma + beta * sum_j w_ij r_j)``
  (divisive normalisation of the drive by the pooled activity, Carandini & Heeger 2012; the pool
  includes ``j = i``; weights must be non-negative and ``sigma > 0``).

A model class declares ``g`` once as Brian2 code (`CompetitionModel.equation`, in the names ``r``,
``rec``, ``I`` and its per-unit `constants`) and once in numpy (`rhs`, with the partial derivatives
`partials` that `analysis` needs for Jacobians). Where a model gives no numpy version, one is derived
from its equation with sympy. A new model is one such class with ``@COMPETITIONS.register``.
"""
from __future__ import annotations

import functools
from typing import ClassVar, Literal, Optional

import numpy as np
from pydantic import Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.expressions import numpy_function, symbol, to_sympy
from neuroattn.spec.kinds import KindTable
from neuroattn.spec.plasticity import Plasticity
from neuroattn.spec.structure import Structural, check_structural
from neuroattn.spec.weights import Gaussian, Matrix, Random, Uniform, WeightPattern

#: The competition models, by their ``model`` tag.
COMPETITIONS = KindTable("model", "competition model")


def zero_diagonal(w: np.ndarray) -> np.ndarray:
    out = np.array(w, dtype=float, copy=True)
    np.fill_diagonal(out, 0.0)
    return out


class CompetitionModel(SpecModel):
    """Base of the competition models (see the module docstring).

    A subclass declares a ``model`` tag, a ``weights`` field, its `equation` and `constants`, and
    registers with ``@COMPETITIONS.register``. Per point of a batch the engine stacks
    `constant_values`; the arrays of `coupling`, which depend only on the weight matrix (and the
    `structure_fields`), are computed once per distinct matrix.
    """

    #: Brian2 code of ``g``; names: r, rec, I and the `constants`.
    equation: ClassVar[str] = "I"
    #: The per-unit constants `equation` uses; by default each is the field of the same name.
    constants: ClassVar[tuple[str, ...]] = ()
    #: Fields that change the network's structure rather than its numbers.
    structure_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether the recurrent weights may be plastic (not where constants are derived from them).
    plastic_weights: ClassVar[bool] = True

    plasticity: Optional[Plasticity] = None
    structural: Optional[Structural] = None

    @model_validator(mode="after")
    def _plastic(self):
        if self.plasticity is not None and not self.plastic_weights:
            raise ValueError(f"the {self.model} model's weights cannot be plastic (its constants are "
                             "computed from them); use lateral, or write the dynamics yourself")
        check_structural(self.plasticity, self.structural)
        return self

    def coupling(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Arrays derived from the weight matrix alone; ``'rec'`` is the matrix of the recurrent sum.

        The default couples every pair but a unit with itself (a zero diagonal).
        """
        return {"rec": zero_diagonal(w)}

    def constant_values(self, derived: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        """The per-unit constants, each of shape (n,)."""
        return {c: np.full(n, float(getattr(self, c))) for c in self.constants}

    def structure(self) -> tuple:
        rule = None if self.plasticity is None else self.plasticity.structure()
        return (self.model,) + tuple(getattr(self, f) for f in self.structure_fields) + (rule, None if self.structural is None
                                                                           else self.structural.structure())

    # numpy: by default derived from `equation` with sympy
    def rhs(self, r, rec, I, c: dict):
        """``g`` in numpy (arrays over units)."""
        return _derived(type(self))[0](r, rec, I, *[c[k] for k in self.constants])

    def partials(self, r, rec, I, c: dict):
        """``(dg/dr, dg/drec, dg/dI)`` in numpy, each over units."""
        args = (r, rec, I, *[c[k] for k in self.constants])
        shape = np.shape(r)
        return tuple(np.broadcast_to(np.asarray(d(*args), float), shape) for d in _derived(type(self))[1:])


@functools.lru_cache(maxsize=None)
def _derived(cls) -> tuple:
    """numpy functions of (r, rec, I, *constants): g and its three partial derivatives."""
    import sympy

    names = ("r", "rec", "I") + tuple(cls.constants)
    g = to_sympy(cls.equation, names)
    return tuple(numpy_function(e, names) for e in (g, *(sympy.diff(g, symbol(v)) for v in ("r", "rec", "I"))))


@COMPETITIONS.register
class Seed(CompetitionModel):
    """The seed competition-inhibition equation (see the module docstring)."""

    model: Literal["seed"] = "seed"
    beta: float = 1.0
    weights: WeightPattern
    include_self: bool = True

    equation: ClassVar[str] = "rec - beta_self*r + I"
    constants: ClassVar[tuple[str, ...]] = ("beta_self",)  # beta * sum_j w_ij (j = i as include_self says)
    structure_fields: ClassVar[tuple[str, ...]] = ("include_self",)
    plastic_weights: ClassVar[bool] = False  # beta_self is computed from the weights

    def coupling(self, w):
        row_sum = w.sum(axis=1) if self.include_self else w.sum(axis=1) - np.diag(w)
        return {"rec": zero_diagonal(w), "row_sum": row_sum}

    def constant_values(self, derived, n):
        return {"beta_self": self.beta * derived["row_sum"]}

    def rhs(self, r, rec, I, c):
        return rec - c["beta_self"] * r + I

    def partials(self, r, rec, I, c):
        one = np.ones_like(r)
        return -c["beta_self"] * one, one, one


@COMPETITIONS.register
class Lateral(CompetitionModel):
    """Self-excitation ``alpha`` and lateral inhibition ``beta`` (see the module docstring)."""

    model: Literal["lateral"] = "lateral"
    alpha: float = 0.0
    beta: float = 1.0
    weights: WeightPattern

    equation: ClassVar[str] = "alpha*r - beta*rec + I"
    constants: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def rhs(self, r, rec, I, c):
        return c["alpha"] * r - c["beta"] * rec + I

    def partials(self, r, rec, I, c):
        one = np.ones_like(r)
        return c["alpha"] * one, -c["beta"] * one, one


@COMPETITIONS.register
class Divisive(CompetitionModel):
    """Divisive normalisation by the pooled activity (see the module docstring)."""

    model: Literal["divisive"] = "divisive"
    beta: float = Field(1.0, ge=0)
    sigma: float = Field(1.0, gt=0)
    weights: WeightPattern = Uniform(value=1.0)

    equation: ClassVar[str] = "I/(sigma + beta*rec)"
    constants: ClassVar[tuple[str, ...]] = ("beta", "sigma")

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

    def coupling(self, w):
        return {"rec": np.asarray(w, float)}  # the pool includes the unit itself

    def rhs(self, r, rec, I, c):
        return I / (c["sigma"] + c["beta"] * rec)

    def partials(self, r, rec, I, c):
        den = c["sigma"] + c["beta"] * rec
        return np.zeros_like(r), -I * c["beta"] / den ** 2, 1.0 / den


#: A competition field: any registered model (`COMPETITIONS`).
Competition = COMPETITIONS.field()

__all__ = ["COMPETITIONS", "CompetitionModel", "Competition", "Seed", "Lateral", "Divisive", "zero_diagonal"]
