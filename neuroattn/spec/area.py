"""A cortical area: ``n`` rate units with a transfer function and either a time constant and a
competition model, or dynamics of their own (`neuroattn.spec.dynamics`)."""
from __future__ import annotations

import re
from typing import Annotated, Optional, Union

import numpy as np
from pydantic import BeforeValidator, Field, field_validator, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.competition import Competition
from neuroattn.spec.dynamics import Dynamics
from neuroattn.spec.neurons import Neuron
from neuroattn.spec.quantities import PositiveTime
from neuroattn.spec.structure import Reserve
from neuroattn.spec.transfer import Sigmoid, Transfer

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # \Z, not $: "V1\n" is not a name

def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    return value


#: A number for every unit, or one per unit.
PerUnit = Union[float, list[float]]


def per_unit(value: PerUnit, n: int) -> np.ndarray:
    """`value` broadcast to ``n`` units (a list must already have ``n`` entries)."""
    arr = np.asarray(value, dtype=float)
    return np.full(n, float(arr)) if arr.ndim == 0 else arr.copy()


class FeatureAxis(SpecModel):
    """The feature each unit prefers: ``n`` points spread over ``[low, high)`` (periodic) or
    ``[low, high]`` (not periodic). Orientation is ``{name: orientation, low: 0, high: 180}``."""

    name: str = "feature"
    low: float = 0.0
    high: float = 1.0
    periodic: bool = True

    @model_validator(mode="after")
    def _ordered(self):
        if self.high <= self.low:
            raise ValueError(f"high must be > low (got low={self.low}, high={self.high})")
        return self

    @property
    def period(self) -> Optional[float]:
        return self.high - self.low if self.periodic else None

    def values(self, n: int) -> np.ndarray:
        """The preferred feature of each of `n` units."""
        if self.periodic:
            return self.low + (self.high - self.low) * np.arange(n) / n
        return np.linspace(self.low, self.high, n) if n > 1 else np.array([self.low])


class Area(SpecModel):
    """One area of ``n`` units obeying ``tau du/dt = -u + (competition) + (external drive)``.

    Parameters
    ----------
    n : int
        Number of units.
    tau : time
        Time constant (``'10 ms'`` or ``10*ms``); not used (and not needed) with `dynamics`.
    transfer : transfer function
        ``f`` in ``r = f(u)``; default ``sigmoid`` with gain 1 and threshold 0.
    competition : a competition model (`neuroattn.spec.competition`), or None
        Within-area competition; None means independent units.
    dynamics : Dynamics, optional
        The units' dynamics as Brian2 equations, instead of `tau` and `competition`.
    neuron : a spiking neuron model (`neuroattn.spec.neurons`), optional
        Makes the area spiking: ``n`` neurons of that model; `competition` then adds an inhibitory
        pool (winner-take-all).
    baseline : float or list of float
        Constant input to every unit (or one per unit).
    u0 : float or list of float
        Initial state.
    features : FeatureAxis
        The feature axis the units tile (used by Gaussian weights and stimuli, and for plotting).
    reserve : Reserve, optional
        Extra units, silent until recruited (`neuroattn.spec.structure`); they follow the area's
        ``n`` units in the network (``n_units`` in all).

    Examples
    --------
    >>> Area(n=4, tau="10 ms", transfer="relu").transfer.kind
    'relu'
    """

    name: Optional[str] = None
    n: Annotated[int, BeforeValidator(_not_bool)] = Field(ge=1)
    tau: Optional[PositiveTime] = None
    transfer: Transfer = Sigmoid()
    competition: Optional[Competition] = None
    dynamics: Optional[Dynamics] = None
    neuron: Optional[Neuron] = None
    baseline: PerUnit = 0.0
    u0: PerUnit = 0.0
    features: FeatureAxis = FeatureAxis()
    reserve: Optional[Reserve] = None

    @field_validator("name")
    @classmethod
    def _identifier(cls, name):
        if name is not None and not NAME_RE.match(name):
            raise ValueError("must start with a letter and contain only letters, digits and _")
        return name

    @model_validator(mode="after")
    def _dynamics(self):
        if self.dynamics is None and self.tau is None and self.neuron is None:
            raise ValueError("tau is missing (give tau, or the units' own dynamics, or a spiking neuron)")
        if self.neuron is not None and self.dynamics is not None:
            raise ValueError("give either a spiking neuron or rate dynamics, not both")
        if self.dynamics is not None and self.competition is not None:
            raise ValueError("give either competition or dynamics, not both (dynamics may write any "
                             "competition in its equations)")
        return self

    @model_validator(mode="after")
    def _lengths(self):
        for field in ("baseline", "u0"):
            value = getattr(self, field)
            if isinstance(value, list) and len(value) != self.n:
                raise ValueError(f"{field} has {len(value)} entries but the area has n={self.n} units")
        return self

    @model_validator(mode="after")
    def _reserve(self):
        if self.reserve is None:
            return self
        if self.neuron is not None:
            raise ValueError("reserve: reserve units need a rate area (not a spiking neuron model)")
        bad = [p for p in self.reserve.parent_units(self.n) if not 0 <= p < self.n]
        if bad:
            raise ValueError(f"reserve.parents: the area's units are 0..{self.n - 1} (got {bad[0]})")
        return self

    @property
    def spiking(self) -> bool:
        return self.neuron is not None

    @property
    def n_units(self) -> int:
        """Units in the network: ``n`` plus the reserve units."""
        return self.n + (0 if self.reserve is None else self.reserve.n)

    def unit_map(self) -> np.ndarray:
        """For every unit in the network (``n_units``), the unit of the area whose values and weights it
        takes: itself, or a reserve unit's parent."""
        own = np.arange(self.n)
        return own if self.reserve is None else np.concatenate([own, self.reserve.parent_units(self.n)])

    def unit_features(self) -> np.ndarray:
        """The preferred feature of every unit in the network (reserve units: their parent's)."""
        return self.feature_values()[self.unit_map()]

    def feature_values(self) -> np.ndarray:
        return self.features.values(self.n)

    def weight_pattern(self):
        """The pattern of the area's recurrent weights (of its competition or dynamics), or None."""
        if self.competition is not None:
            return self.competition.weights
        return None if self.dynamics is None else self.dynamics.weights

    def weight_matrix(self) -> Optional[np.ndarray]:
        """The recurrent weight matrix ``W`` (n x n) from `weight_pattern`, or None."""
        pattern = self.weight_pattern()
        if pattern is None:
            return None
        x = self.feature_values()
        return pattern.matrix(x, x, self.features.period)
