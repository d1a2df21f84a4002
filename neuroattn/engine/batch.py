"""Stacking K specs of one structure into per-unit parameter arrays (the batch dimension).

K parameter points that share a structure (areas and their sizes, transfer kinds, dynamics, which
projections and stimuli exist and when) run as one Brian2 network of K copies. Everything numeric
(time constants, beta, user parameters, weights, amplitudes, noise levels …) becomes a per-unit
constant, or a per-point weight matrix. What is structure and what is a number comes from the kinds'
registrations (`TransferFunction.structure`, `CompetitionModel.structure`, `dynamics_structure`).
Nothing here imports brian2.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np

from neuroattn.exceptions import BuildError
from neuroattn.spec import NetworkSpec
from neuroattn.spec.area import per_unit
from neuroattn.spec.dynamics import AreaDynamics, MatrixCache, area_dynamics, dynamics_structure


def _area_structure(area) -> tuple:
    reserve = None if area.reserve is None else area.reserve.structure()
    return (area.n, area.transfer.structure()) + dynamics_structure(area) + (reserve,)


def _spiking_structure(area) -> tuple:
    comp = area.competition
    return area.n, area.neuron.structure(), None if comp is None else comp.model


def structure_key(spec: NetworkSpec) -> tuple:
    """What must be equal for specs to share one network; numbers that may differ are left out (no
    weight matrix is computed for this)."""
    areas = tuple((name, _spiking_structure(a) if a.spiking else _area_structure(a))
                  for name, a in spec.areas.items())
    projections = tuple((p.name, p.source, p.target, p.mode, p.delay, p.synapse.kind,
                         None if p.plasticity is None else p.plasticity.structure(),
                         None if p.structural is None else p.structural.structure()) for p in spec.projections)
    stimuli = tuple((s.area, s.onset, s.offset, s.ramp, s.ramp_off, s.noise is not None, s.drive,
                     None if s.patterns is None else (len(s.patterns), s.presentation)) for s in spec.stimuli)
    tasks = tuple((t.name, t.area, t.stimulus, t.decide_at, t.choice, len(t.rewarded), t.expected_trials is None,
                   t.delta_duration) for t in spec.tasks)
    return areas, projections, stimuli, tasks


def _stack(values: Sequence[np.ndarray]) -> np.ndarray:
    return np.stack([np.asarray(v, float) for v in values])


def _shared_or_stacked(mats: Sequence[np.ndarray]) -> np.ndarray:
    """One matrix when all points agree (shared, 2-D), else the stack (K, n_post, n_pre)."""
    first = mats[0]
    if all(m is first or np.array_equal(m, first) for m in mats[1:]):
        return first
    return _stack(mats)


@dataclass
class RuleParams:
    """A plasticity rule across K points: the first point's rule (its structure) and every point's numbers,
    and likewise its structural plasticity, if any."""

    rule: object  # PlasticityRule
    constants: dict[str, np.ndarray]  # name -> (K,)
    structural: Optional[object] = None  # Structural of the first point
    structural_constants: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (K,)

    def take(self, index: np.ndarray) -> "RuleParams":
        return RuleParams(self.rule, _take_all(self.constants, index), self.structural,
                          _take_all(self.structural_constants, index))


def _take(arr: Optional[np.ndarray], index: np.ndarray, per_point: bool = True) -> Optional[np.ndarray]:
    """`arr`'s rows (its leading point axis) at `index`; None and arrays shared by all points stay."""
    return arr if arr is None or not per_point else np.take(arr, index, axis=0)


def _take_all(values: dict, index: np.ndarray) -> dict:
    return {k: np.take(v, index, axis=0) for k, v in values.items()}


def _by_name(dicts: Sequence[dict]) -> dict[str, np.ndarray]:
    return {k: np.array([d[k] for d in dicts]) for k in dicts[0]}


def _rule_params(rules: Sequence, structurals: Optional[Sequence] = None) -> Optional[RuleParams]:
    if rules[0] is None:
        return None
    structurals = structurals or [None] * len(rules)
    return RuleParams(rules[0], _by_name([r.constants() for r in rules]), structurals[0],
                      {} if structurals[0] is None else _by_name([st.constants() for st in structurals]))


@dataclass
class ReserveParams:
    """The reserve units of one area across K points (`neuroattn.spec.structure.Reserve`)."""

    reserve: object  # Reserve of the first point
    n_regular: int  # the area's own units; reserve unit q is unit n_regular + q
    features: np.ndarray  # preferred feature of every unit of the area (reserve units: their parent's)
    above: Optional[np.ndarray] = None  # (K,) recruitment threshold, where recruit_when is given
    duration: Optional[np.ndarray] = None  # (K,) seconds

    def take(self, index: np.ndarray) -> "ReserveParams":
        return ReserveParams(self.reserve, self.n_regular, self.features, _take(self.above, index),
                             _take(self.duration, index))


def _reserve_params(areas: Sequence) -> Optional[ReserveParams]:
    first = areas[0]
    if first.reserve is None:
        return None
    when = [a.reserve.recruit_when for a in areas]
    return ReserveParams(first.reserve, first.n, first.unit_features(),
                         None if when[0] is None else np.array([w.above for w in when], float),
                         None if when[0] is None else np.array([w.duration for w in when], float))


def _extend(arr: np.ndarray, unit_map: np.ndarray, axis: int) -> np.ndarray:
    """`arr` with one entry per unit of an area along `axis` (reserve units copy their parent), unless it
    has them already."""
    if arr.shape[axis] == len(unit_map):
        return arr
    return np.take(arr, unit_map, axis=axis)


def _per_point(mats: Sequence[np.ndarray], plastic: bool) -> np.ndarray:
    """Shared or stacked weights; plastic weights are always a fresh (K, n_post, n_pre) array of their own."""
    if plastic:
        return np.array(np.stack([np.broadcast_to(m, mats[0].shape) for m in mats]), dtype=float)
    return _shared_or_stacked(mats)


@dataclass
class AreaParams:
    """Per-unit arrays of one area, each shaped (K, n)."""

    name: str
    n: int
    dynamics: Optional[AreaDynamics]  # of the first point (None for a spiking area)
    u0: np.ndarray
    baseline: np.ndarray
    transfer: dict[str, np.ndarray]  # the transfer's constants, by field name
    constants: dict[str, np.ndarray]  # the dynamics' constants, by name (units in dynamics.units)
    coupling: Optional[np.ndarray] = None  # matrix of rec: (n, n) shared or (K, n, n) per point
    plastic: Optional[RuleParams] = None  # learning of the recurrent weights
    neuron: Optional[dict[str, tuple[np.ndarray, str]]] = None  # spiking: parameter -> ((K, n) SI values, unit)
    reserve: Optional[ReserveParams] = None  # reserve units (then n counts them, and every array covers them)

    @property
    def spiking(self) -> bool:
        return self.neuron is not None

    def take(self, index: np.ndarray) -> "AreaParams":
        """The points at `index` (rows of every per-point array; shared arrays stay shared)."""
        coupling = self.coupling
        return AreaParams(
            self.name, self.n, self.dynamics, _take(self.u0, index), _take(self.baseline, index),
            _take_all(self.transfer, index), _take_all(self.constants, index),
            coupling=_take(coupling, index, coupling is not None and coupling.ndim == 3),
            plastic=None if self.plastic is None else self.plastic.take(index),
            neuron=None if self.neuron is None else {k: (np.take(v, index, axis=0), u)
                                                     for k, (v, u) in self.neuron.items()},
            reserve=None if self.reserve is None else self.reserve.take(index))


@dataclass
class BatchParams:
    """All numbers of K specs of one structure, ready for the engine."""

    specs: list[NetworkSpec]
    areas: dict[str, AreaParams]
    projections: list[np.ndarray]  # scale*W per projection, (n_t, n_s) or (K, n_t, n_s)
    amplitudes: list[np.ndarray]  # per stimulus, (K, n)
    noise_sigma: list[Optional[np.ndarray]]  # per stimulus, (K, n) or None
    noise_tau: list[Optional[np.ndarray]]
    patterns: list[Optional[np.ndarray]]  # per stimulus, (K, n_patterns, n) with amplitude, or None
    projection_rules: list[Optional[RuleParams]]  # per projection
    tasks: list[dict]  # per task: name -> (K,) numbers, 'rewarded' (K, n_patterns)

    @property
    def spec(self) -> NetworkSpec:
        return self.specs[0]

    @property
    def n_points(self) -> int:
        return len(self.specs)

    def with_constants(self, values: dict[tuple[str, str], np.ndarray]) -> "BatchParams":
        """This batch with per-unit constants replaced: ``(area, constant) -> (K,)`` SI values, one per
        point, for every unit of the area (see `per_unit_constant`)."""
        areas = dict(self.areas)
        for (name, constant), v in values.items():
            area = areas[name]
            column = np.asarray(v, float).reshape(-1, 1)
            areas[name] = replace(area, constants={**area.constants,
                                                   constant: np.repeat(column, area.n, axis=1)})
        return replace(self, areas=areas)

    def take(self, index: np.ndarray, specs: Sequence[NetworkSpec]) -> "BatchParams":
        """The batch of `specs`, point k being point ``index[k]`` of this one (same numbers)."""
        return BatchParams(
            list(specs), {name: a.take(index) for name, a in self.areas.items()},
            [_take(w, index, w.ndim == 3) for w in self.projections], [_take(a, index) for a in self.amplitudes],
            [_take(a, index) for a in self.noise_sigma], [_take(a, index) for a in self.noise_tau],
            [_take(a, index) for a in self.patterns],
            [None if r is None else r.take(index) for r in self.projection_rules],
            [_take_all(task, index) for task in self.tasks])


def per_unit_constant(spec: NetworkSpec, path: str) -> Optional[tuple[str, str, str]]:
    """``(area, constant, unit)`` where `path` sets one scalar per-unit constant of a batch and nothing
    else, else None.

    That is a scalar parameter of a rate area's own dynamics, ``areas.<A>.dynamics.parameters.<P>``:
    its value reaches only the constant ``P`` of every unit of ``A`` (`area_dynamics` reads it with
    `parameter_values`; the structure holds only its unit). Points that differ only in such values
    can therefore share one spec, with the values given as an array (`BatchParams.with_constants`),
    instead of one validated spec per point.
    """
    from neuroattn.spec.paths import parse_path
    from neuroattn.spec.quantities import parse_quantity

    tokens = parse_path(path)
    if len(tokens) != 5 or tokens[0] != "areas" or tokens[2:4] != ["dynamics", "parameters"]:
        return None
    area = spec.areas.get(tokens[1]) if isinstance(tokens[1], str) else None
    if area is None or area.spiking or area.dynamics is None:
        return None
    value = area.dynamics.parameters.get(tokens[4])
    if value is None or isinstance(value, list):
        return None
    return tokens[1], tokens[4], parse_quantity(value)[1]


def group_by_structure(specs: Sequence[NetworkSpec]) -> list[list[int]]:
    """Positions of `specs` grouped by structure, in order of first appearance."""
    groups: dict = {}
    keys: dict[int, tuple] = {}  # points of one sweep row are one spec object: its key once
    for pos, spec in enumerate(specs):
        if id(spec) not in keys:
            keys[id(spec)] = structure_key(spec)
        groups.setdefault(keys[id(spec)], []).append(pos)
    return list(groups.values())


def batch_params(specs: Sequence[NetworkSpec]) -> BatchParams:
    """Check that `specs` share one structure and stack their numbers.

    Points that are one spec object (a sweep's row run for several seeds, a fit's candidate in
    several trials) are computed once and their rows repeated.

    Raises
    ------
    BuildError
        The specs differ in structure (say which point and what differs).
    """
    specs = list(specs)
    if not specs:
        raise BuildError("batch: needs at least one spec")
    first: dict[int, int] = {}
    index = np.array([first.setdefault(id(s), len(first)) for s in specs])
    if len(first) == len(specs):
        return _stacked(specs, range(len(specs)))
    positions = np.unique(index, return_index=True)[1]
    return _stacked([specs[k] for k in positions], positions).take(index, specs)


def _stacked(specs: list[NetworkSpec], positions: Sequence[int]) -> BatchParams:
    """`batch_params` of distinct spec objects (at `positions` of the caller's list, for messages)."""
    cache = MatrixCache()
    built: dict[int, tuple] = {}  # points of one sweep row share their area objects: build each once

    def dynamics_of(area):
        hit = built.get(id(area))
        if hit is None or hit[0] is not area:
            hit = built[id(area)] = (area, None if area.spiking else area_dynamics(area, cache))
        return hit[1]

    dynamics = [{name: dynamics_of(a) for name, a in s.areas.items()} for s in specs]
    key = structure_key(specs[0])
    checked = {id(specs[0])}
    for k, spec in enumerate(specs[1:], start=1):
        if id(spec) in checked:
            continue
        checked.add(id(spec))
        other = structure_key(spec)
        if other != key:
            part = ("areas", "projections", "stimuli", "tasks")[next(i for i in range(4) if other[i] != key[i])]
            raise BuildError(f"batch: point {positions[k]} differs from point 0 in the structure of its {part}; "
                             "only numbers may differ within one batch")
    areas = {}
    for name, area in specs[0].areas.items():
        per = [s.areas[name] for s in specs]
        dyn = [d[name] for d in dynamics]
        if area.spiking:
            consts = [a.neuron.constants() for a in per]
            areas[name] = AreaParams(
                name=name, n=area.n, dynamics=None, u0=_stack([per_unit(a.u0, area.n) for a in per]),
                baseline=_stack([per_unit(a.baseline, area.n) for a in per]), transfer={}, constants={},
                neuron={k: (_stack([np.full(area.n, c[k][0]) for c in consts]), consts[0][k][1]) for k in consts[0]})
            continue
        transfers = [a.transfer.constants() for a in per]
        owners = [a.competition if a.competition is not None else a.dynamics for a in per]
        rules = _rule_params([getattr(o, "plasticity", None) for o in owners],
                             [getattr(o, "structural", None) for o in owners])
        m = area.unit_map()
        coupling = None if dyn[0].coupling is None else \
            _per_point([_extend(_extend(d.coupling, m, 0), m, 1) for d in dyn], rules is not None)
        areas[name] = AreaParams(
            name=name, n=area.n_units, dynamics=dyn[0],
            u0=_stack([per_unit(a.u0, area.n)[m] for a in per]),
            baseline=_stack([per_unit(a.baseline, area.n)[m] for a in per]),
            transfer={f: _stack([np.full(len(m), t[f]) for t in transfers]) for f in transfers[0]},
            constants={c: _stack([_extend(d.constants[c], m, 0) for d in dyn]) for c in dyn[0].constants},
            coupling=coupling, plastic=rules, reserve=_reserve_params(per))

    def projection(s: NetworkSpec, p: int) -> np.ndarray:
        proj = s.projections[p]
        tgt, src = s.areas[proj.target], s.areas[proj.source]
        w = cache.get((proj.weights, tgt.features, src.features), (proj.scale, tgt.n, src.n),
                      lambda: s.projection_matrix(proj))
        return _extend(_extend(w, tgt.unit_map(), 0), src.unit_map(), 1)

    projection_rules = [_rule_params([s.projections[p].plasticity for s in specs],
                                     [s.projections[p].structural for s in specs])
                        for p in range(len(specs[0].projections))]
    projections = [_per_point([projection(s, p) for s in specs], projection_rules[p] is not None)
                   for p in range(len(specs[0].projections))]
    maps = {name: a.unit_map() for name, a in specs[0].areas.items()}
    patterns = [None if stim.patterns is None else
                _stack([s.stimuli[i].pattern_table()[:, maps[stim.area]] for s in specs])
                for i, stim in enumerate(specs[0].stimuli)]
    amplitudes = [_stack([s.stimulus_amplitudes(s.stimuli[i])[maps[stim.area]] for s in specs])
                  for i, stim in enumerate(specs[0].stimuli)]
    sigma, tau_n = [], []
    for i, stim in enumerate(specs[0].stimuli):
        n = specs[0].areas[stim.area].n_units
        noisy = stim.noise is not None
        sigma.append(_stack([np.full(n, s.stimuli[i].noise.sigma) for s in specs]) if noisy else None)
        tau_n.append(_stack([np.full(n, s.stimuli[i].noise.tau) for s in specs]) if noisy else None)
    tasks = [{"rewarded": np.array([s.tasks[t].rewarded for s in specs]),
              **{f: np.array([float(getattr(s.tasks[t], f)) for s in specs])
                 for f in ("reward", "expected", "temperature")},
              **({"expected_trials": np.array([s.tasks[t].expected_trials for s in specs], float)}
                 if task.expected_trials is not None else {})}
             for t, task in enumerate(specs[0].tasks)]
    return BatchParams(specs, areas, projections, amplitudes, sigma, tau_n, patterns, projection_rules, tasks)
