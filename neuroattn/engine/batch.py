"""Stacking K specs of one structure into per-unit parameter arrays (the batch dimension).

K parameter points that share a structure (areas and their sizes, transfer kinds, competition models,
which projections and stimuli exist and when) run as one Brian2 network of K copies. Everything numeric
(time constants, beta, weights, amplitudes, noise levels …) becomes a per-unit constant, or a
per-point weight matrix. Nothing here imports brian2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from neuroattn.exceptions import BuildError
from neuroattn.spec import NetworkSpec
from neuroattn.spec.area import per_unit
from neuroattn.spec.competition import Divisive, Lateral, Seed
from neuroattn.spec.transfer import Expression


def structure_key(spec: NetworkSpec) -> tuple:
    """What must be equal for specs to share one network; numbers that may differ are left out."""
    areas = tuple(
        (name, a.n, a.transfer.kind, a.transfer.expr if isinstance(a.transfer, Expression) else None,
         None if a.competition is None else a.competition.model,
         getattr(a.competition, "include_self", None))
        for name, a in spec.areas.items())
    projections = tuple((p.name, p.source, p.target, p.mode, p.delay) for p in spec.projections)
    stimuli = tuple((s.area, s.onset, s.offset, s.ramp, s.ramp_off, s.noise is not None)
                    for s in spec.stimuli)
    return areas, projections, stimuli


def _stack(values: Sequence[np.ndarray]) -> np.ndarray:
    return np.stack([np.asarray(v, float) for v in values])


def _shared_or_stacked(mats: Sequence[np.ndarray]) -> np.ndarray:
    """One matrix when all points agree (shared, 2-D), else the stack (K, n_post, n_pre)."""
    first = mats[0]
    if all(m is first or np.array_equal(m, first) for m in mats[1:]):
        return first
    return _stack(mats)


@dataclass
class AreaParams:
    """Per-unit arrays of one area, each shaped (K, n)."""

    name: str
    n: int
    tau: np.ndarray
    baseline: np.ndarray
    u0: np.ndarray
    transfer: dict[str, np.ndarray]
    competition: dict[str, np.ndarray] = field(default_factory=dict)
    weights: Optional[np.ndarray] = None  # (n, n) shared or (K, n, n); diagonal as the model needs


@dataclass
class BatchParams:
    """All numbers of K specs of one structure, ready for the engine."""

    specs: list[NetworkSpec]
    areas: dict[str, AreaParams]
    projections: list[np.ndarray]  # scale*W per projection, (n_t, n_s) or (K, n_t, n_s)
    amplitudes: list[np.ndarray]  # per stimulus, (K, n)
    noise_sigma: list[Optional[np.ndarray]]  # per stimulus, (K, n) or None
    noise_tau: list[Optional[np.ndarray]]

    @property
    def spec(self) -> NetworkSpec:
        return self.specs[0]

    @property
    def n_points(self) -> int:
        return len(self.specs)


#: Numeric fields of each transfer kind; they become per-unit constants ``f_<field>``.
TRANSFER_FIELDS = {"sigmoid": ("gain", "threshold"), "relu": ("threshold",), "linear": ("slope",),
                   "expression": ()}
#: Per-unit constants of each competition model (see `competition_arrays`).
COMPETITION_CONSTANTS = {"seed": ("brs",), "lateral": ("alpha", "beta"), "divisive": ("beta", "sigma")}


class MatrixCache:
    """Weight matrices already computed in this batch, keyed by the identity of the spec objects they
    come from. Sweeps build their points from one spec and reuse every sub-model a point does not
    change, so K points sharing one 1000x1000 pattern compute (and store) its matrix once."""

    def __init__(self):
        self._hits: dict[tuple, tuple] = {}

    def get(self, sources: tuple, extra: tuple, compute):
        key = tuple(id(s) for s in sources) + extra
        hit = self._hits.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], sources)):
            hit = (sources, compute())  # the sources stay referenced, so their ids stay unique
            self._hits[key] = hit
        return hit[1]


def competition_arrays(spec: NetworkSpec, name: str, cache: Optional[MatrixCache] = None
                       ) -> tuple[dict[str, np.ndarray], Optional[np.ndarray]]:
    """Per-unit competition constants (n,) and the weight matrix the coupling uses, for one spec.

    ``seed`` and ``lateral`` couple through ``W`` with a zero diagonal (their lateral sums skip j = i);
    ``seed`` gets ``brs``, beta times the row sums of its beta term (one constant, one multiply less
    per step); ``divisive`` pools through the full ``W``.
    """
    area = spec.areas[name]
    comp = area.competition
    if comp is None:
        return {}, None
    if not isinstance(comp, (Seed, Lateral, Divisive)):  # a new model needs arrays here and equations
        raise BuildError(f"areas.{name}.competition: no engine support for model {comp.model!r}")
    n = area.n

    def matrices():
        w = spec.competition_matrix(name)
        if isinstance(comp, Divisive):
            return w, None
        rs = w.sum(axis=1) if getattr(comp, "include_self", True) else w.sum(axis=1) - np.diag(w)
        w = w.copy()
        np.fill_diagonal(w, 0.0)
        return w, rs

    cache = cache or MatrixCache()
    w, rs = cache.get((comp.weights, area.features), (n, comp.model, getattr(comp, "include_self", None)),
                      matrices)
    if isinstance(comp, Seed):
        return {"brs": comp.beta * rs}, w
    if isinstance(comp, Lateral):
        return {"alpha": np.full(n, comp.alpha), "beta": np.full(n, comp.beta)}, w
    return {"beta": np.full(n, comp.beta), "sigma": np.full(n, comp.sigma)}, w


def batch_params(specs: Sequence[NetworkSpec]) -> BatchParams:
    """Check that `specs` share one structure and stack their numbers.

    Raises
    ------
    BuildError
        The specs differ in structure (say which point and what differs).
    """
    specs = list(specs)
    if not specs:
        raise BuildError("batch: needs at least one spec")
    key = structure_key(specs[0])
    for k, spec in enumerate(specs[1:], start=1):
        other = structure_key(spec)
        if other != key:
            part = ("areas", "projections", "stimuli")[next(i for i in range(3) if other[i] != key[i])]
            raise BuildError(f"batch: point {k} differs from point 0 in the structure of its {part}; "
                             "only numbers may differ within one batch")
    areas = {}
    cache = MatrixCache()
    for name, area in specs[0].areas.items():
        per = [s.areas[name] for s in specs]
        comps = [competition_arrays(s, name, cache) for s in specs]
        transfer = {f: _stack([np.full(area.n, getattr(a.transfer, f)) for a in per])
                    for f in TRANSFER_FIELDS[area.transfer.kind]}
        areas[name] = AreaParams(
            name=name, n=area.n,
            tau=_stack([np.full(area.n, a.tau) for a in per]),
            baseline=_stack([per_unit(a.baseline, area.n) for a in per]),
            u0=_stack([per_unit(a.u0, area.n) for a in per]),
            transfer=transfer,
            competition={c: _stack([consts[c] for consts, _ in comps]) for c in comps[0][0]},
            weights=None if comps[0][1] is None else _shared_or_stacked([w for _, w in comps]))
    def projection(s: NetworkSpec, p: int) -> np.ndarray:
        proj = s.projections[p]
        tgt, src = s.areas[proj.target], s.areas[proj.source]
        return cache.get((proj.weights, tgt.features, src.features), (proj.scale, tgt.n, src.n),
                         lambda: s.projection_matrix(proj))

    projections = [_shared_or_stacked([projection(s, p) for s in specs])
                   for p in range(len(specs[0].projections))]
    amplitudes = [_stack([s.stimulus_amplitudes(s.stimuli[i]) for s in specs])
                  for i in range(len(specs[0].stimuli))]
    sigma, tau_n = [], []
    for i, stim in enumerate(specs[0].stimuli):
        n = specs[0].areas[stim.area].n
        noisy = stim.noise is not None
        sigma.append(_stack([np.full(n, s.stimuli[i].noise.sigma) for s in specs]) if noisy else None)
        tau_n.append(_stack([np.full(n, s.stimuli[i].noise.tau) for s in specs]) if noisy else None)
    return BatchParams(specs, areas, projections, amplitudes, sigma, tau_n)
