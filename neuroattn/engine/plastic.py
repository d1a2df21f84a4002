"""Plastic weights on the runtime targets: one batched update per step inside the step operation.

A plastic connection owns its weights as one array (K, n_post, n_pre), one matrix per point. Each
step the step operation first computes the coupling with the current weights (``w_k``), then calls
`PlasticWeights.update` with the same step's rates: the rule's derivatives (`PlasticityRule`) are
taken at ``w_k`` and the rates of step k, and one Euler step gives ``w_{k+1}`` (clipped to the
bounds), exactly as a plain numpy loop of the same equations. Snapshots of the weights and of the
rule's state are kept every `record_every` steps, before the step's update (like Brian2's monitors
at ``start``).
"""
from __future__ import annotations

from typing import Optional

import numpy as np


class PlasticWeights:
    """The learning of one connection across K points.

    Parameters
    ----------
    rule : the first point's `PlasticityRule` (the structure every point shares).
    constants : the rule's numbers per point, name -> (K,).
    weights : (K, n_post, n_pre) array, updated in place.
    dt : step in seconds.
    recurrent : a unit's weight onto itself stays fixed (the diagonal).
    gate : a function returning the gate per post unit (K, n_post), for gated rules.
    record_every, n_steps : snapshot interval (None: none) and run length in steps.
    """

    def __init__(self, rule, constants: dict[str, np.ndarray], weights: np.ndarray, dt: float, *,
                 recurrent: bool = False, gate=None, record_every: Optional[int] = None, n_steps: int = 0):
        K, n_post, n_pre = weights.shape
        self.rule, self.w, self.dt = rule, weights, dt
        self.c = {k: np.asarray(v, float).reshape(K, 1, 1) for k, v in constants.items()}
        self.state = rule.initial_state(self.c, n_post, n_pre, K)
        self._diagonal = np.arange(min(n_post, n_pre)) if recurrent else None
        self._gate = gate
        self._lo, self._hi = self.c.get("w_min"), self.c.get("w_max")
        self._decay = self.c["decay"] if rule.decay else None
        if self._lo is not None or self._hi is not None:  # the bounds hold from the start
            np.clip(self.w, self._lo, self._hi, out=self.w)
        self.delta = np.zeros((K, 1, 1))  # reward minus expected reward, written by a task
        self.every = record_every
        n_snap = 0 if not record_every else -(-n_steps // record_every)
        self.trace = np.empty((n_snap,) + weights.shape) if n_snap else None
        self.state_trace = {k: np.empty((n_snap,) + v.shape) for k, v in self.state.items()} if n_snap else {}

    def update(self, step: int, y: np.ndarray, x: np.ndarray) -> None:
        """One step of learning with post rates `y` (K, n_post) and pre rates `x` (K, n_pre)."""
        if self.trace is not None and step % self.every == 0:
            self.trace[step // self.every] = self.w
            for k, v in self.state.items():
                self.state_trace[k][step // self.every] = v
        third = self._gate() if self._gate is not None else self.delta
        dw, dstate = self.rule.derivatives(self.w, y, x, self.state, self.c, third)  # new arrays
        if self._decay is not None:
            dw -= self._decay * self.w
        if self._diagonal is not None:
            dw[:, self._diagonal, self._diagonal] = 0.0
        dw *= self.dt
        self.w += dw
        for k, d in dstate.items():
            self.state[k] += self.dt * d
        if self._lo is not None:  # np.clip's arithmetic, without its Python wrappers (a step of a
            np.maximum(self.w, self._lo, out=self.w)  # small model notices them)
        if self._hi is not None:
            np.minimum(self.w, self._hi, out=self.w)


def gate_matrix(gate, x_post: np.ndarray, x_gate: np.ndarray, period: Optional[float]) -> np.ndarray:
    """The map (n_post, n_gate) from the gate area's rates to the gate per post unit."""
    if gate.map == "mean":
        return np.full((len(x_post), len(x_gate)), 1.0 / len(x_gate))
    if gate.map == "matrix":
        return np.asarray(gate.matrix.value, float)
    from neuroattn.spec.weights import feature_distance  # the gate unit with the nearest preferred feature

    M = np.zeros((len(x_post), len(x_gate)))
    M[np.arange(len(x_post)), np.argmin(feature_distance(x_post, x_gate, period), axis=1)] = 1.0
    return M


def gate_function(gate, r_gate: np.ndarray, K: int, x_post: np.ndarray, x_gate: np.ndarray,
                  period: Optional[float]):
    """A function giving the gate per post unit, (K, n_post), from the gate area's rates (a live view)."""
    live = r_gate.reshape(K, -1)
    if gate.map == "mean":
        return lambda: live.mean(axis=1, keepdims=True)
    MT = np.ascontiguousarray(gate_matrix(gate, x_post, x_gate, period).T)
    return lambda: live @ MT


__all__ = ["PlasticWeights", "gate_function", "gate_matrix"]
