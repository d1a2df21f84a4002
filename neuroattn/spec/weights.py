"""Weight patterns: how a matrix ``W[i, j]`` (row i = weights onto unit i from unit j) is made.

- ``uniform``: every entry is ``value`` (the diagonal too; the competition model decides what it does);
- ``matrix``: an explicit matrix, any shape the connection needs;
- ``gaussian``: a ring kernel over feature space, ``offset + amplitude*exp(-d(x_i, x_j)**2/(2 sigma**2))``,
  with ``d`` the (periodic, if the axis is) distance between the units' preferred features;
- ``sparse``: only the listed synapses ``(post, pre, value)`` exist, all other weights are zero;
- ``random``: seeded draws, ``normal(mean, std)`` or ``uniform(low, high)``, kept with probability
  ``density``. The seed belongs to the spec, so a model file always means the same network.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

import numpy as np
from pydantic import BeforeValidator, Field, PrivateAttr, field_validator, model_validator

from neuroattn.spec.base import SpecModel


class Uniform(SpecModel):
    """Every weight equals ``value`` (negative = inhibitory)."""

    kind: Literal["uniform"] = "uniform"
    value: float

    def matrix(self, x_post, x_pre, period=None) -> np.ndarray:
        return np.full((len(x_post), len(x_pre)), float(self.value))


def _as_nested_list(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


class Matrix(SpecModel):
    """An explicit matrix; row i holds the weights onto unit i."""

    kind: Literal["matrix"] = "matrix"
    value: Annotated[list[list[float]], BeforeValidator(_as_nested_list)]
    _array: Optional[np.ndarray] = PrivateAttr(default=None)

    @field_validator("value")
    @classmethod
    def _rectangular(cls, rows):
        if not rows or not rows[0]:
            raise ValueError("must be a non-empty matrix")
        if len({len(r) for r in rows}) != 1:
            raise ValueError("rows must all have the same length")
        return rows

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.value), len(self.value[0])

    def matrix(self, x_post, x_pre, period=None) -> np.ndarray:
        if self._array is None:  # the spec is immutable: convert the nested list once (seconds at N = 2,000)
            self._array = np.array(self.value, dtype=float)
        return self._array.copy()


def feature_distance(x_post, x_pre, period: Optional[float]) -> np.ndarray:
    """Pairwise distances ``|x_post[i] - x_pre[j]|``, wrapped on a ring of length `period`."""
    d = np.abs(np.subtract.outer(np.asarray(x_post, float), np.asarray(x_pre, float)))
    if period is not None:
        d = np.minimum(d, period - d)
    return d


class Gaussian(SpecModel):
    """Gaussian kernel over feature space (a ring when the feature axis is periodic)."""

    kind: Literal["gaussian"] = "gaussian"
    amplitude: float
    sigma: float = Field(gt=0)
    offset: float = 0.0

    def matrix(self, x_post, x_pre, period=None) -> np.ndarray:
        d = feature_distance(x_post, x_pre, period)
        return self.offset + self.amplitude * np.exp(-d ** 2 / (2 * self.sigma ** 2))


class Random(SpecModel):
    """Seeded random weights: ``normal`` (mean, std) or ``uniform`` (low, high), kept with ``density``."""

    kind: Literal["random"] = "random"
    distribution: Literal["normal", "uniform"] = "normal"
    mean: float = 0.0
    std: float = Field(1.0, ge=0)
    low: float = 0.0
    high: float = 1.0
    density: float = Field(1.0, gt=0, le=1)
    seed: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.distribution == "uniform" and self.high < self.low:
            raise ValueError(f"high must be >= low (got low={self.low}, high={self.high})")
        return self

    def matrix(self, x_post, x_pre, period=None) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        shape = (len(x_post), len(x_pre))
        if self.distribution == "normal":
            w = rng.normal(self.mean, self.std, size=shape)
        else:
            w = rng.uniform(self.low, self.high, size=shape)
        if self.density < 1:
            w *= rng.random(shape) < self.density
        return w


class Sparse(SpecModel):
    """Only the listed synapses exist: ``value[k]`` from pre unit ``pre[k]`` onto post unit ``post[k]``;
    every other weight is zero (a trained network's pruned connection, `learned_spec`)."""

    kind: Literal["sparse"] = "sparse"
    shape: tuple[int, int]
    post: list[int] = []
    pre: list[int] = []
    value: list[float] = []

    @model_validator(mode="after")
    def _entries(self):
        if not len(self.post) == len(self.pre) == len(self.value):
            raise ValueError(f"post, pre and value need one entry per synapse (got {len(self.post)}, "
                             f"{len(self.pre)}, {len(self.value)})")
        for name, bound in (("post", self.shape[0]), ("pre", self.shape[1])):
            bad = [i for i in getattr(self, name) if not 0 <= i < bound]
            if bad:
                raise ValueError(f"{name}: indices must be 0..{bound - 1} for shape {list(self.shape)} (got {bad[0]})")
        return self

    @classmethod
    def from_matrix(cls, w) -> "Sparse":
        """The non-zero entries of `w`."""
        w = np.asarray(w, float)
        post, pre = np.nonzero(w)
        return cls(shape=w.shape, post=post.tolist(), pre=pre.tolist(), value=w[post, pre].tolist())

    def matrix(self, x_post, x_pre, period=None) -> np.ndarray:
        w = np.zeros(self.shape)
        w[self.post, self.pre] = self.value
        return w


def _shorthand(value):
    if isinstance(value, np.ndarray) or (isinstance(value, list) and value and isinstance(value[0], (list, np.ndarray))):
        return {"kind": "matrix", "value": _as_nested_list(value)}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"kind": "uniform", "value": value}
    return value


#: A weight-pattern field: a tagged union on ``kind``; a number means uniform, a nested list a matrix.
WeightPattern = Annotated[Union[Uniform, Matrix, Gaussian, Random, Sparse], Field(discriminator="kind"),
                          BeforeValidator(_shorthand)]
