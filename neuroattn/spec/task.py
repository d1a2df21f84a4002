"""Closed-loop tasks: a choice read from an area at a decision time in each trial, and reward.

The trials of a task are the presentations of one pattern stimulus (`Stimulus.patterns`). In each
trial, `decide_at` after the presentation starts, the task reads the rates of `area` and makes a
choice: the most active unit (``argmax``), or a unit drawn from the softmax of the rates at
`temperature` (seeded by the run's seed, so a point's choices depend only on its seed). The choice
earns `reward` when it is the trial pattern's rewarded unit (`rewarded[pattern]`) and 0 otherwise;
the reward prediction error ``delta = reward - expected`` is delivered to every ``reward`` rule that
names the task, and held for `delta_duration` (then 0 until the next decision). The expectation is
fixed (`expected`) or, with `expected_trials`, a running average of the rewards received
(``expected += (reward - expected) / expected_trials`` after each trial). Choices, rewards and
errors per trial are in the result.

This is enough for attention-gated reinforcement learning (AGREL, Roelfsema & van Ooyen 2005): a
``reward`` rule on the feedforward weights, with the eligibility trace of the selected pathway.
"""
from __future__ import annotations

from typing import Literal, Optional, Union

import numpy as np
from pydantic import Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.quantities import NonNegativeTime, PositiveTime


class Task(SpecModel):
    """A task (see the module docstring)."""

    name: str = "task"
    area: str
    stimulus: Union[int, str] = 0
    decide_at: NonNegativeTime
    choice: Literal["argmax", "softmax"] = "argmax"
    temperature: float = Field(0.1, gt=0)
    rewarded: list[int]
    reward: float = 1.0
    expected: float = 0.0
    expected_trials: Optional[float] = Field(None, ge=1)
    delta_duration: PositiveTime = "1 ms"

    @model_validator(mode="after")
    def _choices(self):
        if any(k < 0 for k in self.rewarded):
            raise ValueError(f"rewarded units must be indices >= 0 (got {self.rewarded})")
        return self

    def decision_steps(self, stimulus, n_steps: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """(step of each trial's decision, the pattern shown in that trial), for trials decided in the run."""
        p = stimulus.presentation
        schedule = stimulus.schedule(n_steps, dt)
        period = round(p.duration / dt) + round(p.gap / dt)
        first = round(stimulus.onset / dt)
        starts = np.arange(first, n_steps, period)
        starts = starts[schedule[starts] >= 0] if len(starts) else starts
        steps = starts + round(self.decide_at / dt)
        keep = steps < n_steps
        return steps[keep], schedule[starts[keep]]


__all__ = ["Task"]
