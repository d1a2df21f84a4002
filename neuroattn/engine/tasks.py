"""Closed-loop tasks on the runtime targets: choices at decision steps only, reward to reward rules.

The decision steps and each trial's pattern are laid out before the run (`Task.decision_steps`);
during the run the step operation calls `TaskRun` every step, but it does work only at a decision
(read the area's rates, choose, reward, deliver the prediction error) and when the error's
`delta_duration` ends. Softmax choices draw from one generator per point, seeded from the point's
seed (``SeedSequence(seed, spawn_key=(TASK_KEY, task))``), so a point's choices never depend on its
batch.
"""
from __future__ import annotations

import numpy as np

#: Spawn-key offset separating task streams from stimulus noise streams (which use the stimulus index).
TASK_KEY = 1 << 20


class TaskRun:
    """One task across K points during one run."""

    def __init__(self, task, index: int, numbers: dict, steps: np.ndarray, patterns: np.ndarray,
                 rates: np.ndarray, seeds, learners, dt: float):
        K = len(seeds)
        self.task, self.steps, self.patterns = task, steps, patterns
        self.rates = rates.reshape(K, -1)
        self.n = numbers
        self.expected = numbers["expected"].copy()
        self.learners = list(learners)
        self.hold = max(1, int(round(task.delta_duration / dt)))
        self.off = -1
        self.trial = 0
        self.rngs = [np.random.default_rng(np.random.SeedSequence(int(s), spawn_key=(TASK_KEY + index,)))
                     for s in seeds] if task.choice == "softmax" else None
        n_trials = len(steps)
        self.choice = np.full((K, n_trials), -1, dtype=np.int64)
        self.reward = np.zeros((K, n_trials))
        self.delta = np.zeros((K, n_trials))

    def _choose(self) -> np.ndarray:
        r = self.rates
        if self.rngs is None:
            return np.argmax(r, axis=1)
        z = r / self.n["temperature"][:, None]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return np.array([rng.choice(r.shape[1], p=pk) for rng, pk in zip(self.rngs, p)])

    def __call__(self, step: int) -> None:
        if step == self.off:
            for learner in self.learners:
                learner.delta[:] = 0.0
        if self.trial >= len(self.steps) or step != self.steps[self.trial]:
            return
        t, K = self.trial, self.rates.shape[0]
        choice = self._choose()
        correct = choice == self.n["rewarded"][np.arange(K), self.patterns[t]]
        reward = np.where(correct, self.n["reward"], 0.0)
        delta = reward - self.expected
        for learner in self.learners:
            learner.delta[:, 0, 0] = delta
        if "expected_trials" in self.n:
            self.expected = self.expected + delta / self.n["expected_trials"]
        self.choice[:, t], self.reward[:, t], self.delta[:, t] = choice, reward, delta
        self.off = step + self.hold
        self.trial += 1

    def results(self, K: int, dt: float) -> tuple[dict, dict]:
        """Per-trial choices, rewards and errors, as result variables over ``trial_<task>``."""
        name = self.task.name
        dim = f"trial_{name}"
        about = {"task": name, "area": self.task.area}
        data = {f"choice_{name}": (("point", dim), self.choice[:K], {**about, "units": "1",
                                   "long_name": f"unit of {self.task.area} chosen (-1: no decision)"}),
                f"reward_{name}": (("point", dim), self.reward[:K], {**about, "units": "1", "long_name": "reward"}),
                f"delta_{name}": (("point", dim), self.delta[:K], {**about, "units": "1",
                                  "long_name": "reward prediction error (reward - expected)"})}
        coords = {dim: (dim, np.arange(len(self.steps))),
                  f"trial_time_{name}": (dim, self.steps * dt, {"units": "s", "long_name": "decision time"}),
                  f"trial_pattern_{name}": (dim, self.patterns, {"long_name": "pattern shown in the trial"})}
        return data, coords


__all__ = ["TaskRun", "TASK_KEY"]
