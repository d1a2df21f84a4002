"""Stimuli: external input to an area, with an envelope in time and optional OU noise.

The input a stimulus gives unit ``i`` at step ``k`` is ``envelope[k] * (amplitude_i + eta_i[k])``, where
the envelope is 0 before ``onset`` and from ``offset`` on, rises linearly over ``ramp`` and falls over
``ramp_off``, and ``eta`` is an Ornstein-Uhlenbeck process (zero at the start, stationary standard
deviation ``sigma``, correlation time ``tau``), integrated with Euler–Maruyama at the simulation step.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.quantities import NonNegativeTime, PositiveTime
from neuroattn.spec.weights import feature_distance


class Bump(SpecModel):
    """A Gaussian profile over the area's feature axis: ``baseline + peak*exp(-d(x, center)**2/(2 width**2))``."""

    kind: Literal["gaussian"] = "gaussian"
    peak: float
    center: float
    width: float = Field(gt=0)
    baseline: float = 0.0

    def values(self, x, period=None) -> np.ndarray:
        d = feature_distance(x, [self.center], period)[:, 0]
        return self.baseline + self.peak * np.exp(-d ** 2 / (2 * self.width ** 2))


class OUNoise(SpecModel):
    """Ornstein-Uhlenbeck noise with stationary standard deviation ``sigma`` and time constant ``tau``."""

    sigma: float = Field(ge=0)
    tau: PositiveTime = "10 ms"


def _list_from_array(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


class Presentation(SpecModel):
    """How `Stimulus.patterns` are shown: one at a time for `duration`, then `gap` of nothing, from the
    stimulus's onset; in the given order again and again (``cycle``) or drawn at random (``random``,
    seeded by `seed`); `n` presentations in all (default: until the run or the stimulus ends)."""

    duration: PositiveTime
    gap: NonNegativeTime = 0.0
    order: Literal["cycle", "random"] = "cycle"
    seed: int = Field(0, ge=0)
    n: Optional[int] = Field(None, ge=1)

    def order_of(self, n_patterns: int, n_presentations: int) -> np.ndarray:
        """Which pattern each presentation shows."""
        if self.order == "cycle":
            return np.arange(n_presentations) % n_patterns
        return np.random.default_rng(self.seed).integers(0, n_patterns, n_presentations)


def _list_of_lists(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


class Stimulus(SpecModel):
    """Input to one area (see the module docstring for the exact input).

    Onto a spiking area the input is a Poisson spike train per unit at the stimulus value in Hz
    (``drive: poisson``, seeded by the run's seed), or a current whose value is in mV of membrane
    drive (``drive: current``); ``drive`` means nothing for rate areas.

    Examples
    --------
    >>> Stimulus(area="V1", amplitude=[1.0, 0.5], onset="100 ms", offset="300 ms").offset
    0.3
    """

    name: Optional[str] = None
    area: str
    amplitude: Annotated[Union[float, list[float], Bump], BeforeValidator(_list_from_array)] = 1.0
    onset: NonNegativeTime = 0.0
    offset: Optional[NonNegativeTime] = None
    ramp: NonNegativeTime = 0.0
    ramp_off: NonNegativeTime = 0.0
    noise: Optional[OUNoise] = None
    patterns: Optional[Annotated[list[list[float]], BeforeValidator(_list_of_lists)]] = None
    presentation: Optional[Presentation] = None
    drive: Literal["poisson", "current"] = "poisson"

    @model_validator(mode="after")
    def _window(self):
        if self.offset is not None and self.offset <= self.onset:
            raise ValueError(f"offset must come after onset (got onset={self.onset} s, offset={self.offset} s)")
        if (self.patterns is None) != (self.presentation is None):
            raise ValueError("patterns and presentation go together (give both or neither)")
        if self.patterns is not None:
            if not self.patterns or len({len(p) for p in self.patterns}) != 1 or not self.patterns[0]:
                raise ValueError("patterns must be a non-empty list of equally long lists, one value per unit")
            if not isinstance(self.amplitude, float):
                raise ValueError("with patterns, amplitude is one number that scales them "
                                 f"(got {self.amplitude!r})")
        return self

    @property
    def always_on(self) -> bool:
        """True when the envelope is 1 throughout (no onset, offset or ramp) and no patterns alternate."""
        return self.onset == 0 and self.offset is None and self.ramp == 0 and self.patterns is None

    def pattern_table(self) -> np.ndarray:
        """The patterns times the amplitude, shape (n_patterns, n_units)."""
        return self.amplitude * np.asarray(self.patterns, float)

    def schedule(self, n_steps: int, dt: float) -> np.ndarray:
        """Which pattern is shown at steps ``0 .. n_steps-1`` (-1: none), laid out before the run."""
        p = self.presentation
        k = np.arange(n_steps)
        on, dur, gap = round(self.onset / dt), round(p.duration / dt), round(p.gap / dt)
        period = dur + gap
        since = k - on
        slot = np.where(since >= 0, since // period, -1)
        n_slots = int(slot.max()) + 1 if n_steps else 0
        n = n_slots if p.n is None else min(p.n, n_slots)
        order = p.order_of(len(self.patterns), max(n, 1))
        showing = (slot >= 0) & (slot < n) & (since - slot * period < dur)
        return np.where(showing, order[np.clip(slot, 0, max(n - 1, 0))], -1).astype(np.int32)

    def amplitudes(self, x, period=None) -> np.ndarray:
        """The per-unit amplitude for units with preferred features `x`."""
        if isinstance(self.amplitude, Bump):
            return self.amplitude.values(x, period)
        arr = np.asarray(self.amplitude, float)
        return np.full(len(x), float(arr)) if arr.ndim == 0 else arr.copy()

    def envelope(self, n_steps: int, dt: float) -> np.ndarray:
        """The envelope at steps ``0 .. n_steps-1`` of size `dt` (float seconds)."""
        k = np.arange(n_steps, dtype=float)
        on = round(self.onset / dt)
        env = (k >= on).astype(float)
        if self.ramp > 0:
            env = np.minimum(env, np.clip((k - on) / (self.ramp / dt), 0.0, 1.0))
        if self.offset is not None:
            off = round(self.offset / dt)
            env *= k < off
            if self.ramp_off > 0:
                env = np.minimum(env, np.clip((off - k) / (self.ramp_off / dt), 0.0, 1.0))
        return env
