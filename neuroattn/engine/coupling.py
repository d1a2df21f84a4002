"""Couplings: ``target_var = W @ r_source`` for recurrent weights (``rec``) and projections (``in_<p>``).

Two implementations, chosen per network:

- ``matmul`` (runtime targets): one `network_operation` per step, at ``start`` before the monitors,
  does a BLAS product per coupling on views of the groups' arrays (and advances the OU noise and the
  delay lines). DESIGN.md measured this at ~1.2x a plain numpy loop.
- ``synapses`` (any target, the only one for ``cpp_standalone``): a `Synapses` object per coupling
  with a summed variable; only non-zero weights become synapses.

With ``matmul``, ``r`` is a variable the same operation refreshes from ``u`` first (`TransferFunction.writer`);
with ``synapses`` it is a ``constant over dt`` subexpression, evaluated once per step at
``before_start``. Either way a coupling reads f(u) of the current step, exactly as a plain Euler
loop does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import brian2
import numpy as np
from brian2.units.fundamentalunits import DIMENSIONLESS

from neuroattn.engine.noise import OUProcess


@dataclass
class Coupling:
    """``var`` of area ``target`` receives ``weights @ r`` of area ``source`` (delayed by ``delay_steps``)."""

    name: str
    source: str
    target: str
    var: str
    weights: np.ndarray  # (n_t, n_s) shared by all points, or (K, n_t, n_s)
    delay_steps: int = 0
    rule: Optional[object] = None  # RuleParams of plastic weights (then weights is (K, n_t, n_s), owned)


class StepOperation:
    """The per-step Python work of a runtime network, in this order: rates r = f(u), the patterns
    shown, task decisions (which set reward errors), couplings (with the current weights), learning
    (from the same step's rates), noise."""

    def __init__(self, couplings, groups, n_points, noises: list[tuple[OUProcess, np.ndarray]],
                 rates: Sequence[Callable[[], None]] = (), patterns: Sequence[tuple] = (),
                 plastic: Optional[dict] = None, tasks: Sequence[Callable[[int], None]] = (), structure=None):
        self._tasks = list(tasks)
        self._structure = structure  # StructuralGroup: its bookkeeping before and after all learning
        self._noises = noises
        self._rates = list(rates)
        self._patterns = [(schedule, table, view.reshape(n_points, -1), [None]) for schedule, table, view in patterns]
        self._step = 0
        self._jobs = []
        plastic = plastic or {}
        for c in couplings:
            live = groups[c.source].variables["r"].get_value().reshape(n_points, -1)
            out = groups[c.target].variables[c.var].get_value().reshape(n_points, -1)
            batched = c.weights.ndim == 3
            w = c.weights if c.name in plastic else np.ascontiguousarray(c.weights if batched else c.weights.T)
            line = np.empty((c.delay_steps + 1,) + live.shape) if c.delay_steps else None
            learn = plastic.get(c.name)
            post = groups[c.target].variables["r"].get_value().reshape(n_points, -1) if learn else None
            self._jobs.append((live, line, c.delay_steps, w, out[..., None] if batched else out, batched, learn, post))
        self._learning = [job for job in self._jobs if job[6] is not None]

    def __call__(self):
        step = self._step
        for update in self._rates:  # r = f(u) first: everything below reads this step's rates
            update()
        for schedule, table, view, shown in self._patterns:
            index = schedule[step] if step < len(schedule) else -1
            if index != shown[0]:
                view[:] = 0.0 if index < 0 else table[:, index]
                shown[0] = index
        for task in self._tasks:
            task(step)
        for live, line, d, w, out, batched, learn, post in self._jobs:
            src = live
            if d:  # a ring of d+1 steps of r; before the start it holds r(0)
                if step == 0:
                    line[:] = live
                else:
                    line[step % (d + 1)] = live
                src = line[(step - d) % (d + 1)]
            if batched:  # (K, n_t, n_s) @ (K, n_s, 1)
                np.matmul(w, src[..., None], out=out)
            else:
                np.matmul(src, w, out=out)
        if self._structure is not None:
            self._structure.begin(step)
        for live, line, d, w, out, batched, learn, post in self._learning:  # after every coupling read w_k
            src = live if not d else line[(step - d) % (d + 1)]
            learn.update(step, post, src)
        if self._structure is not None:
            self._structure.end()
        if step > 0:
            for process, view in self._noises:
                view[:] = process.advance()
        self._step += 1


def synapse_pairs(c: Coupling, dense: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(post, pre) indices within one point: the non-zero weights of any point, or every pair."""
    w = c.weights if c.weights.ndim == 3 else c.weights[None]
    if dense:
        post, pre = np.indices(w.shape[1:])
        return post.ravel(), pre.ravel()
    return np.nonzero(np.any(w != 0, axis=0))


def synapse_weights(c: Coupling, post: np.ndarray, pre: np.ndarray, n_points: int) -> np.ndarray:
    """The ``w`` of every synapse, in the order `add_synapses` connects them."""
    w = c.weights if c.weights.ndim == 3 else c.weights[None]
    return np.broadcast_to(w[:, post, pre], (n_points, len(pre))).ravel()


def add_synapses(couplings, groups, n_points: int, dt, dense: bool = False) -> dict:
    """One `Synapses` object per coupling (by name), with the block-diagonal batch structure."""
    objects = {}
    for c in couplings:
        post, pre = synapse_pairs(c, dense)
        n_t, n_s = c.weights.shape[-2:]
        source = groups[c.source].subgroup()
        spiking = source.variables["r"].dim is not DIMENSIONLESS  # a spiking area's neurons: r in Hz
        rate = "r_pre/Hz" if spiking else "r_pre"
        syn = brian2.Synapses(source, groups[c.target].subgroup(),
                              model=f"w : 1 (constant)\n{c.var}_post = w*{rate} : 1 (summed)",
                              namespace={}, dt=dt, name=f"syn_{_identifier(c.name)}")
        if len(pre):
            k = np.repeat(np.arange(n_points), len(pre))
            syn.connect(i=np.tile(pre, n_points) + k * n_s, j=np.tile(post, n_points) + k * n_t)
            syn.w = synapse_weights(c, post, pre, n_points)
        objects[c.name] = syn
    return objects


def _identifier(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)
