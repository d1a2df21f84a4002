"""Structural plasticity and reserve units on the runtime targets (`neuroattn.spec.structure`).

Two kinds of work, both inside the Brian2 run:

- every step, in the step operation: `StructuralWeights.update` runs the connection's learning, and
  its `StructuralGroup` follows, for all structural connections at once, what pruning and growth
  need (the last step at which each weight was at or above ``prune_below``, the low-pass
  co-activity ``y_i x_j``) and keeps missing synapses at zero; `ReserveRun`
  tracks the recruitment criterion and silences the rates of reserve units not yet recruited;
- every ``every`` of model time, a `brian2.NetworkOperation` on its own clock (`interval_operation`)
  prunes and grows synapses and records the mask and the synapse count.

All points of a batch are handled at once; growth draws from one generator per point, seeded from
the point's seed (``SeedSequence(seed, spawn_key=(STRUCTURE_KEY + k,))`` for the k-th structural
connection), so a point's synapses never depend on its batch.
"""
from __future__ import annotations

from typing import Optional, Sequence

import brian2
import numpy as np

#: Spawn-key offset separating the growth streams from stimulus noise and task streams.
STRUCTURE_KEY = 1 << 21


class StructuralGroup:
    """The per-step tracking of every structural connection of a network, on one flat buffer.

    The weights of all structural connections become views of one array (`adopt`), so that each
    step a few numpy calls serve them all: before the first connection learns, the last step at which
    each weight was at or above its ``prune_below``; after the last one has learnt, the low-pass
    co-activity and the zeros of missing synapses.
    """

    def __init__(self, couplings):
        shapes = [c.weights.shape for c in couplings]
        sizes = [int(np.prod(shape)) for shape in shapes]
        edges = np.concatenate([[0], np.cumsum(sizes)])
        total = int(edges[-1])
        self.w = np.empty(total)
        self.below = np.full(total, -np.inf)  # no pruning: every weight counts as above
        self.last_above = np.full(total, -1, dtype=np.int64)
        self.keep = np.ones(total)
        self.coactivity = np.zeros(total)
        self.outer = np.zeros(total)
        self.rate = np.zeros(total)  # dt / coactivity_tau per synapse
        self.maskf = np.ones(total)
        self._above = np.empty(total, bool)
        self._slices = [(slice(a, b), shape) for a, b, shape in zip(edges[:-1], edges[1:], shapes)]
        for k, c in enumerate(couplings):  # the couplings (and their learning) now use the views
            view = self.view(self.w, k)
            view[:] = c.weights
            c.weights = view
        self.complete = True
        self.prune = self.grow = False

    def view(self, array: np.ndarray, k: int) -> np.ndarray:
        where, shape = self._slices[k]
        return array[where].reshape(shape)

    def begin(self, step: int) -> None:
        if self.prune:
            np.greater_equal(self.w, self.below, out=self._above)
            np.copyto(self.last_above, step, where=self._above)

    def end(self) -> None:
        if self.grow:  # coactivity <- keep * coactivity + rate * y x, for every connection at once
            np.multiply(self.outer, self.rate, out=self.outer)
            np.multiply(self.coactivity, self.keep, out=self.coactivity)
            np.add(self.coactivity, self.outer, out=self.coactivity)
        if not self.complete:
            np.multiply(self.w, self.maskf, out=self.w)


class StructuralWeights:
    """One plastic connection's learning with pruning and growth, across K points.

    Stands in for the connection's `PlasticWeights` in the step operation (`update`, and ``delta`` for
    reward rules); `apply` is the interval's pruning and growth. Its weights and tracking arrays are
    views of its `StructuralGroup`'s buffers.

    Parameters
    ----------
    plastic : the connection's `PlasticWeights` (its ``w`` is changed in place).
    structural : the first point's `Structural` (its structure); `constants` its numbers per point (K,).
    group, index : the network's `StructuralGroup` and the connection's position in it.
    seeds : one seed per point (growth draws from a generator seeded by the point's seed).
    recurrent : the diagonal (a unit onto itself) is no synapse: never pruned, never grown.
    """

    def __init__(self, plastic, structural, constants: dict[str, np.ndarray], *, group: StructuralGroup,
                 index: int, seeds: Sequence[int], recurrent: bool, dt: float):
        w = plastic.w
        K, n_post, n_pre = w.shape
        self.plastic, self.w, self.structural, self.dt, self.group = plastic, w, structural, dt, group
        c = {k: np.asarray(v, float).reshape(K, 1, 1) for k, v in constants.items()}
        self.c = c
        self.every = max(1, int(round(structural.every / dt)))
        self.eligible = np.ones((n_post, n_pre), bool)
        if recurrent:
            np.fill_diagonal(self.eligible, False)
        self.mask = (w != 0) | ~self.eligible  # the diagonal stays as it is
        self._maskf = group.view(group.maskf, index)
        self._maskf[:] = self.mask
        group.complete = group.complete and bool(self.mask.all())
        self.pruned = np.zeros(w.shape, bool)
        self.prune = structural.prune_below is not None
        self.grow = structural.grow_above is not None
        self.last_above = group.view(group.last_above, index)
        if self.prune:
            group.prune = True
            group.view(group.below, index)[:] = c["prune_below"]
            self.prune_steps = np.rint(c["prune_after"] / dt).astype(np.int64)
        self.coactivity = group.view(group.coactivity, index)
        if self.grow:
            group.grow = True
            group.view(group.keep, index)[:] = 1.0 - dt / c["coactivity_tau"]
            group.view(group.rate, index)[:] = dt / c["coactivity_tau"]
            self._outer = group.view(group.outer, index)
            self._x, self._xrow = None, None  # the pre rates as a row (the same live array every step)
            self.rngs = [np.random.default_rng(np.random.SeedSequence(int(s), spawn_key=(STRUCTURE_KEY + index,)))
                         for s in seeds]
        self.times, self.counts, self.masks, self.n_pruned, self.n_grown = [], [], [], [], []
        np.multiply(w, self._maskf, out=w)

    @property
    def delta(self):
        return self.plastic.delta

    def update(self, step: int, y: np.ndarray, x: np.ndarray) -> None:
        """Learn one step (between the group's `StructuralGroup.begin` and `end`, which the step
        operation calls around all learning)."""
        if self.grow:
            if x is not self._x:
                self._x, self._xrow = x, x[:, None, :]
            np.multiply(y[:, :, None], self._xrow, out=self._outer)  # y x; the group applies the rate
        self.plastic.update(step, y, x)

    def apply(self, step: int) -> None:
        """Prune and grow after step `step`'s learning, then record the mask and the count."""
        w, K = self.w, self.w.shape[0]
        removed = np.zeros(K, np.int64)
        added = np.zeros(K, np.int64)
        if self.prune:
            gone = self.mask & self.eligible & (step - self.last_above >= self.prune_steps)
            if gone.any():
                self.mask &= ~gone
                self.pruned |= gone
                w[gone] = 0.0
                removed = gone.sum(axis=(1, 2))
        if self.grow:
            candidates = ~self.mask & self.eligible & (self.coactivity > self.c["grow_above"])
            if not self.structural.regrow:
                candidates &= ~self.pruned
            for k in np.flatnonzero(candidates.any(axis=(1, 2))):
                flat = np.flatnonzero(candidates[k])
                most = int(self.c["max_new"][k, 0, 0])
                if len(flat) > most:
                    flat = np.sort(self.rngs[k].choice(flat, size=most, replace=False))
                post, pre = np.unravel_index(flat, w.shape[1:])
                self.mask[k, post, pre] = True
                w[k, post, pre] = self.c["grow_weight"][k, 0, 0]
                if self.prune:
                    self.last_above[k, post, pre] = step
                added[k] = len(flat)
        if removed.any() or added.any():
            self._maskf[:] = self.mask
            self.group.complete = bool(self.group.maskf.all())
        self.times.append(step * self.dt)
        self.counts.append((self.mask & self.eligible).sum(axis=(1, 2)))
        self.masks.append(self.mask & self.eligible)
        self.n_pruned.append(removed)
        self.n_grown.append(added)

    def results(self, name: str, cid: str, K: int, about: dict) -> tuple[dict, dict]:
        """Mask and synapse count over ``structure_time_<cid>``, the final mask, pruned and grown counts."""
        dim, post, pre = f"structure_time_{cid}", f"post_{cid}", f"pre_{cid}"
        about = {**about, "every": self.structural.every}
        counts = np.array(self.counts).T[:K]  # (K, n_checks)
        data = {
            f"n_synapses_{cid}": (("point", dim), counts, {**about, "units": "1",
                                  "long_name": f"synapses of {name} after each structural check"}),
            f"mask_{cid}": (("point", dim, post, pre), np.moveaxis(np.array(self.masks), 0, 1)[:K],
                            {**about, "long_name": f"synapses of {name} that exist (after each check)"}),
            f"mask_{cid}_final": (("point", post, pre), (self.mask & self.eligible)[:K].copy(),
                                  {**about, "long_name": f"synapses of {name} that exist at the end of the run"}),
            f"pruned_{cid}": (("point", dim), np.array(self.n_pruned).T[:K], {**about, "units": "1",
                              "long_name": f"synapses of {name} pruned at each check"}),
            f"grown_{cid}": (("point", dim), np.array(self.n_grown).T[:K], {**about, "units": "1",
                             "long_name": f"synapses of {name} grown at each check"}),
        }
        coords = {dim: (dim, np.array(self.times), {"units": "s", "long_name": f"time of {name}'s structural checks"})}
        return data, coords


def interval_operation(structures: Sequence[StructuralWeights], dt: float, name: str):
    """A `brian2.NetworkOperation` on its own clock (every ``every``), after the step operation."""
    every = structures[0].every
    state = {"step": 0}

    def check():
        for s in structures:
            s.apply(state["step"])
        state["step"] += every
    return brian2.NetworkOperation(check, dt=every * dt * brian2.second, when="start", order=-5, name=name)


class ReserveRun:
    """The reserve units of one area across K points: the recruitment criterion, and silent rates.

    Called every step after the rates are written (``r = f(u)``) and before anything reads them. With
    ``s = u * g`` for the reserve units (``g`` the attention area's rate at their feature, or 1), a
    unit is recruited at the first step at which ``s > above`` has held at every step for
    ``duration``; from that step on its rate is left as f(u), while a silent unit's rate is set to 0.
    """

    def __init__(self, params, u: np.ndarray, r: np.ndarray, K: int, dt: float, gate=None):
        n, N = params.n_regular, len(params.features)
        self.n, self.K, self.dt = n, K, dt
        self.alive = np.ones((K, N))
        self.alive[:, n:] = 0.0
        self.alive[:, [n + q for q in params.reserve.recruited]] = 1.0
        self._alive = self.alive[:, n:]  # views of the reserve units' part
        self._u, self._r = u.reshape(K, N)[:, n:], r.reshape(K, N)[:, n:]
        self.recruit_step = np.full((K, N - n), -1, dtype=np.int64)
        self.criterion = params.above is not None and not self._alive.all()
        if self.criterion:
            self.above = np.repeat(params.above[:, None], N - n, axis=1)  # +inf once recruited
            self.above[self._alive == 1] = np.inf
            # recruited once s > above at hold + 1 consecutive steps (held for `duration`): `since` is the
            # last step at which s <= above, so step - since counts the steps held
            self.hold = np.rint(params.duration / dt).astype(np.int64)[:, None] + 1
            self._soonest = int(self.hold.min())
            self.since = np.full((K, N - n), -1, dtype=np.int64)
            self._s = np.empty((K, N - n))
            self._not_held = np.empty((K, N - n), bool)
        self.gate = gate
        self.step = 0

    def __call__(self) -> None:
        if self.criterion:
            s = self._u if self.gate is None else np.multiply(self._u, self.gate(), out=self._s)
            np.less_equal(s, self.above, out=self._not_held)
            np.copyto(self.since, self.step, where=self._not_held)
            if self.step - self.since.min() >= self._soonest:
                new = (self.step - self.since >= self.hold) & (self._alive == 0)
                if new.any():
                    self._alive[new] = 1.0
                    self.above[new] = np.inf
                    self.recruit_step[new] = self.step
                    self.criterion = not self._alive.all()
        np.multiply(self._r, self._alive, out=self._r)
        self.step += 1

    def results(self, name: str, params, K: int) -> tuple[dict, dict]:
        """``recruit_time_<area>`` over ``reserve_<area>`` (NaN: never; a unit active from the start: 0)."""
        dim = f"reserve_{name}"
        n = self.n
        when = np.where(self.recruit_step >= 0, self.recruit_step * self.dt, np.nan)[:K]
        when[:, list(params.reserve.recruited)] = 0.0
        data = {f"recruit_time_{name}": (("point", dim), when, {
            "area": name, "units": "s", "long_name": f"time each reserve unit of {name} was recruited (NaN: never)"})}
        q = np.arange(len(params.features) - n)
        coords = {dim: (dim, q),
                  f"reserve_index_{name}": (dim, n + q, {"long_name": f"the reserve unit's index in {name}"}),
                  f"reserve_parent_{name}": (dim, params.reserve.parent_units(n),
                                             {"long_name": "the unit of the area it copies"}),
                  f"reserve_feature_{name}": (dim, params.features[n:], {"long_name": "preferred feature"})}
        return data, coords


def silence(r_final: np.ndarray, run: Optional[ReserveRun]) -> np.ndarray:
    """The final rates (K, N) of an area with its silent reserve units at zero."""
    return r_final if run is None else r_final * run.alive[: r_final.shape[0]]


__all__ = ["StructuralGroup", "StructuralWeights", "ReserveRun", "interval_operation", "silence", "STRUCTURE_KEY"]
