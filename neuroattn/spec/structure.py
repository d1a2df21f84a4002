"""Structural plasticity (synapses pruned and grown) and reserve units recruited during a run.

**Structural plasticity** (``structural:`` next to ``plasticity:`` on a plastic projection or
competition) changes which synapses exist, at every ``every`` of model time:

- a synapse exists where its weight is non-zero at the start (the diagonal of recurrent weights is
  never a synapse that can be pruned or grown);
- *pruning*: a synapse whose weight has stayed below ``prune_below`` for ``prune_after`` (at every
  step) is removed at the next check: its weight is zero from then on, and the rule no longer
  updates it;
- *growth*: a missing synapse ``i <- j`` whose co-activity ``c_ij`` exceeds ``grow_above`` appears
  with weight ``grow_weight``; ``coactivity_tau dc_ij/dt = y_i x_j - c_ij`` (post rate ``y``, pre
  rate ``x``, from zero). At most ``max_new`` synapses appear per check and point, chosen at random
  among the candidates with a generator seeded from the run's seed; a pruned synapse grows again
  only with ``regrow: true``.

Leave out ``prune_below`` (``grow_above``) for growth (pruning) alone.

**Reserve units** (``reserve:`` on a rate area): ``n`` extra units, appended after the area's own
units. Each copies a *parent* unit of the area (``parents``, by default spread evenly over the
area): its preferred feature, its per-unit constants, its stimuli, and its row and column in every
weight matrix. A reserve unit is silent until recruited: its state ``u`` integrates its drive as any
unit's does, but its rate is zero, so it gives no output, no competition and (for rules whose change
is proportional to the post rate) learns nothing. With a silent reserve an area therefore behaves
exactly as without one.

Recruitment (``recruit_when``): with ``g_q`` the rate of the unit of ``recruit_when.area`` whose
preferred feature is nearest reserve unit q's (1 when no area is named), the *attended drive* is
``s_q = u_q * g_q``. A silent reserve unit is recruited at the first step at which ``s_q`` has been
above ``above`` at every step for ``duration`` (from the step it first exceeded it); its rate
``r = f(u)`` is on from that step. ``recruited`` lists reserve units active from the start (a trained
network, `learned_spec`). Which units were recruited, and when, is in the result
(``recruit_time_<area>``).
"""
from __future__ import annotations

from typing import Annotated, Optional

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.quantities import NonNegativeTime, PositiveTime


def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    return value


class Structural(SpecModel):
    """Pruning and growth of one plastic connection's synapses (see the module docstring).

    Examples
    --------
    >>> Structural(every="100 ms", prune_below=0.02, prune_after="1 s").grow_above is None
    True
    """

    every: PositiveTime = "100 ms"
    prune_below: Optional[float] = None
    prune_after: NonNegativeTime = "1 s"
    grow_above: Optional[float] = Field(None, ge=0)
    grow_weight: float = 0.1
    max_new: Annotated[int, BeforeValidator(_not_bool)] = Field(1, ge=0)
    coactivity_tau: PositiveTime = "1 s"
    regrow: bool = False

    def constants(self) -> dict[str, float]:
        """The numbers that may differ between the points of a batch."""
        out = {"grow_weight": self.grow_weight, "prune_after": self.prune_after,
               "coactivity_tau": self.coactivity_tau, "max_new": float(self.max_new)}
        for name in ("prune_below", "grow_above"):
            if getattr(self, name) is not None:
                out[name] = float(getattr(self, name))
        return out

    def structure(self) -> tuple:
        return (self.every, self.prune_below is None, self.grow_above is None, self.regrow)


def check_structural(rule, structural: Optional[Structural]) -> None:
    """Refuse structural plasticity without a rate rule, or a pruning threshold below the rule's ``w_min``."""
    if structural is None:
        return
    if rule is None:
        raise ValueError("structural: needs plasticity on the same connection (give a plasticity rule)")
    if rule.event_based:
        raise ValueError(f"structural: acts on rate rules; {rule.rule!r} acts on spikes")
    if structural.prune_below is not None and rule.w_min is not None and structural.prune_below < rule.w_min:
        raise ValueError(f"structural.prune_below: must be >= the rule's w_min ({rule.w_min:g}), or no weight "
                         f"could ever fall below it (got {structural.prune_below:g})")


class Recruitment(SpecModel):
    """When a silent reserve unit is recruited: ``u_q * g_q > above`` for ``duration`` (module docstring)."""

    area: Optional[str] = None
    above: float
    duration: NonNegativeTime


class Reserve(SpecModel):
    """``n`` reserve units of an area, silent until recruited (see the module docstring).

    Examples
    --------
    >>> Reserve(n=2, parents=[1, 3], recruit_when={"area": "PFC", "above": 0.5, "duration": "1 s"}).n
    2
    """

    n: Annotated[int, BeforeValidator(_not_bool)] = Field(ge=1)
    parents: Optional[list[Annotated[int, BeforeValidator(_not_bool)]]] = None
    recruit_when: Optional[Recruitment] = None
    recruited: list[Annotated[int, BeforeValidator(_not_bool)]] = []

    @model_validator(mode="after")
    def _indices(self):
        if self.parents is not None and len(self.parents) != self.n:
            raise ValueError(f"parents: needs one parent unit per reserve unit ({self.n}) (got {len(self.parents)})")
        bad = [q for q in self.recruited if not 0 <= q < self.n]
        if bad:
            raise ValueError(f"recruited: reserve units are 0..{self.n - 1} (got {bad[0]})")
        return self

    def parent_units(self, n_area: int) -> np.ndarray:
        """The parent (a unit of the area, 0..n_area-1) of each reserve unit."""
        if self.parents is not None:
            return np.asarray(self.parents, dtype=np.int64)
        return (np.arange(self.n) * n_area) // self.n

    def structure(self) -> tuple:
        return (self.n, None if self.parents is None else tuple(self.parents),
                None if self.recruit_when is None else (self.recruit_when.area, self.recruit_when.duration),
                tuple(self.recruited))


__all__ = ["Structural", "Recruitment", "Reserve"]
