"""The whole model: areas, projections between them and stimuli, cross-checked at construction."""
from __future__ import annotations

import difflib
import os
from typing import Optional

import numpy as np
from pydantic import Field, PrivateAttr, field_validator, model_validator

from neuroattn.spec.area import NAME_RE, Area
from neuroattn.spec.base import SpecModel, SpecProblem
from neuroattn.spec.plasticity import connection_id, learned_variables, recurrent_name
from neuroattn.spec.projection import Projection
from neuroattn.spec.stimulus import Stimulus
from neuroattn.spec.task import Task
from neuroattn.spec.weights import Matrix, Sparse


#: Bytes per unit for its state, rates, inputs and constants (a generous estimate).
BYTES_PER_UNIT = 256


def memory_limit() -> int:
    """The most memory one network may need: the machine's physical memory (64 GiB if unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 64 * 2**30


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def _no_such_area(where: str, name: str, areas) -> SpecProblem:
    hint = difflib.get_close_matches(name, list(areas), n=1)
    tip = f"; did you mean {hint[0]!r}?" if hint else ""
    return SpecProblem(f"{where}: no area named {name!r} (areas: {', '.join(areas)}){tip}")


class NetworkSpec(SpecModel):
    """A network of areas, projections and stimuli.

    ``areas`` maps names to `Area` (a list of named areas is accepted too). Every reference to an area,
    every per-unit list and every explicit matrix is checked against the areas' sizes here, so a spec
    that constructs is one the engine can build.

    Examples
    --------
    >>> spec = NetworkSpec(areas={"V1": Area(n=4, tau="10 ms")},
    ...                    stimuli=[Stimulus(area="V1", amplitude=1.0)])
    >>> spec.n_units
    4
    """

    #: Serialised forms of this (immutable) spec, computed once: `spec_text`/`spec_hash` fill it.
    _serialised: dict = PrivateAttr(default_factory=dict)

    name: str = "network"
    description: str = ""
    areas: dict[str, Area] = Field(min_length=1)
    projections: list[Projection] = []
    stimuli: list[Stimulus] = []
    tasks: list[Task] = []

    @field_validator("areas", mode="before")
    @classmethod
    def _areas_by_name(cls, areas):
        if isinstance(areas, (list, tuple)):
            named = {}
            for k, area in enumerate(areas):
                if not isinstance(area, (Area, dict)):
                    raise SpecProblem(f"areas[{k}]: an area is a mapping of its fields (got {area!r})")
                name = area.name if isinstance(area, Area) else area.get("name")
                if name is None:
                    raise SpecProblem(f"areas[{k}].name: an area in a list needs a name")
                named[name] = area
            areas = named
        if isinstance(areas, dict):
            out = {}
            for name, area in areas.items():
                if not isinstance(name, str) or not NAME_RE.match(name):
                    raise SpecProblem(f"areas: area name must start with a letter and contain only "
                                      f"letters, digits and _ (got {name!r})")
                if isinstance(area, Area):
                    if area.name not in (None, name):
                        raise SpecProblem(f"areas.{name}.name: differs from its key (got {area.name!r})")
                    area = area if area.name == name else area.model_copy(update={"name": name})
                elif isinstance(area, dict) and area.get("name") not in (None, name):
                    raise SpecProblem(f"areas.{name}.name: differs from its key (got {area['name']!r})")
                out[name] = {**area, "name": name} if isinstance(area, dict) else area
            return out
        return areas

    @model_validator(mode="after")
    def _size(self):
        """Refuse, before anything is allocated, a network whose weights and state exceed the memory."""
        limit = memory_limit()
        weights = {f"areas.{k}.n": a.n * a.n * 8 for k, a in self.areas.items() if a.weight_pattern() is not None}
        for p, proj in enumerate(self.projections):
            if proj.source in self.areas and proj.target in self.areas:
                weights[f"projections[{p}].weights"] = 8 * self.areas[proj.source].n * self.areas[proj.target].n
        units = sum(a.n for a in self.areas.values())
        total = sum(weights.values()) + units * BYTES_PER_UNIT
        if total > limit:
            where = max(weights, key=weights.get) if weights and max(weights.values()) > units * BYTES_PER_UNIT \
                else f"areas.{max(self.areas, key=lambda k: self.areas[k].n)}.n"
            raise SpecProblem(f"{where}: the network needs ~{_gib(total)} ({units} units, {_gib(sum(weights.values()))} "
                              f"of weights), more than this machine's {_gib(limit)}")
        return self

    @model_validator(mode="after")
    def _cross_check(self):
        areas = self.areas
        for name, area in areas.items():
            w = area.weight_pattern()
            if isinstance(w, (Matrix, Sparse)) and w.shape not in {(area.n, area.n), (area.n_units, area.n_units)}:
                where = "competition" if area.competition is not None else "dynamics"
                raise SpecProblem(f"areas.{name}.{where}.weights: matrix must be {area.n}x{area.n} "
                                  f"for n={area.n} (got {w.shape[0]}x{w.shape[1]})")
            params = area.dynamics.parameters if area.dynamics is not None else {}
            for p, value in params.items():
                if isinstance(value, list) and len(value) != area.n:
                    raise SpecProblem(f"areas.{name}.dynamics.parameters.{p}: has {len(value)} entries but "
                                      f"the area has n={area.n} units (got {value!r})")
        seen = set()
        for k, proj in enumerate(self.projections):
            for end in ("source", "target"):
                if getattr(proj, end) not in areas:
                    raise _no_such_area(f"projections[{k}].{end}", getattr(proj, end), areas)
            if proj.name in seen:
                raise SpecProblem(f"projections[{k}].name: {proj.name!r} is used twice (name one of them)")
            seen.add(proj.name)
            shape = (areas[proj.target].n, areas[proj.source].n)
            full = (areas[proj.target].n_units, areas[proj.source].n_units)
            if isinstance(proj.weights, (Matrix, Sparse)) and proj.weights.shape not in (shape, full):
                raise SpecProblem(f"projections[{k}].weights: matrix must be {shape[0]}x{shape[1]} "
                                  f"(n_target x n_source) (got {proj.weights.shape[0]}x{proj.weights.shape[1]})")
        for k, proj in enumerate(self.projections):
            self._check_rule(f"projections[{k}].plasticity", proj.plasticity, areas[proj.target])
            rule = proj.plasticity
            spiking = areas[proj.source].spiking and areas[proj.target].spiking
            if rule is not None and rule.event_based != spiking:
                raise SpecProblem(f"projections[{k}].plasticity: rule {rule.rule!r} " + (
                    "acts on spikes; it needs a projection between spiking areas" if rule.event_based else
                    "acts on rates; between spiking areas use stdp"))
        for name, area in areas.items():
            owner = area.competition if area.competition is not None else area.dynamics
            where = "competition" if area.competition is not None else "dynamics"
            self._check_rule(f"areas.{name}.{where}.plasticity", getattr(owner, "plasticity", None), area)
        self._check_reserves()
        named = {}
        for k, stim in enumerate(self.stimuli):
            if stim.name is not None:
                if stim.name in named:
                    raise SpecProblem(f"stimuli[{k}].name: {stim.name!r} is used twice (also stimuli[{named[stim.name]}])")
                named[stim.name] = k
            if stim.area not in areas:
                raise _no_such_area(f"stimuli[{k}].area", stim.area, areas)
            n = areas[stim.area].n
            if stim.patterns is not None and len(stim.patterns[0]) != n:
                raise SpecProblem(f"stimuli[{k}].patterns: each pattern needs one value per unit of area "
                                  f"{stim.area!r} (n={n}) (got {len(stim.patterns[0])})")
            if isinstance(stim.amplitude, list) and len(stim.amplitude) != n:
                raise SpecProblem(f"stimuli[{k}].amplitude: has {len(stim.amplitude)} entries but area "
                                  f"{stim.area!r} has n={n} units (got {stim.amplitude!r})")
        self._check_tasks()
        return self

    def _check_reserves(self) -> None:
        plastic_targets = {target for *_, target in self.plastic_connections().values()}
        for name, area in self.areas.items():
            reserve = area.reserve
            if reserve is None or reserve.recruit_when is None:
                continue
            if name not in plastic_targets:
                raise SpecProblem(f"areas.{name}.reserve: reserve units need plastic input (a projection onto "
                                  f"{name!r} or its competition with plasticity), so recruited units can learn")
            gate = reserve.recruit_when.area
            if gate is not None and gate not in self.areas:
                raise _no_such_area(f"areas.{name}.reserve.recruit_when.area", gate, self.areas)

    def task_stimulus(self, task: Task) -> int:
        """The index of the stimulus whose presentations are `task`'s trials."""
        if isinstance(task.stimulus, int):
            return task.stimulus
        return next(k for k, s in enumerate(self.stimuli) if s.name == task.stimulus)

    def _check_tasks(self) -> None:
        names = set()
        for k, task in enumerate(self.tasks):
            where = f"tasks[{k}]"
            if task.name in names:
                raise SpecProblem(f"{where}.name: {task.name!r} is used twice (name one of them)")
            names.add(task.name)
            if task.area not in self.areas:
                raise _no_such_area(f"{where}.area", task.area, self.areas)
            n = self.areas[task.area].n
            if any(c >= n for c in task.rewarded):
                raise SpecProblem(f"{where}.rewarded: area {task.area!r} has units 0..{n - 1} (got {task.rewarded})")
            named = [s.name for s in self.stimuli]
            if isinstance(task.stimulus, str) and task.stimulus not in named:
                raise SpecProblem(f"{where}.stimulus: no stimulus named {task.stimulus!r}")
            if isinstance(task.stimulus, int) and not 0 <= task.stimulus < len(self.stimuli):
                raise SpecProblem(f"{where}.stimulus: no stimulus {task.stimulus} (the spec has {len(self.stimuli)})")
            stim = self.stimuli[self.task_stimulus(task)]
            if stim.patterns is None:
                raise SpecProblem(f"{where}.stimulus: a task's trials are the presentations of a stimulus with "
                                  "patterns")
            if len(task.rewarded) != len(stim.patterns):
                raise SpecProblem(f"{where}.rewarded: needs one rewarded unit per pattern ({len(stim.patterns)}) "
                                  f"(got {len(task.rewarded)})")
        for name, (owner, rule, *_) in self.plastic_connections().items():
            if getattr(rule, "task", None) is not None and rule.task not in names:
                raise SpecProblem(f"{owner}.plasticity.task: no task named {rule.task!r} "
                                  f"(tasks: {', '.join(names) or 'none'})")

    def _check_rule(self, where: str, rule, post: Area) -> None:
        gate = getattr(rule, "gate", None)
        if gate is None:
            return
        if gate.area not in self.areas:
            raise _no_such_area(f"{where}.gate.area", gate.area, self.areas)
        shape = (post.n, self.areas[gate.area].n)
        if gate.matrix is not None and gate.matrix.shape != shape:
            raise SpecProblem(f"{where}.gate.matrix: must be {shape[0]}x{shape[1]} (n_post x n_gate) "
                              f"(got {gate.matrix.shape[0]}x{gate.matrix.shape[1]})")

    # ----------------------------------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        """Total number of units over all areas (reserve units included)."""
        return sum(a.n_units for a in self.areas.values())

    def area_slices(self) -> dict[str, slice]:
        """Where each area's units sit in the network-wide unit axis (areas in declaration order)."""
        out, start = {}, 0
        for name, area in self.areas.items():
            out[name] = slice(start, start + area.n_units)
            start += area.n_units
        return out

    def plastic_connections(self) -> dict[str, tuple[str, object, str, str]]:
        """Every plastic connection: name -> (dotted path of its weights' owner, rule, source, target).

        Projections are named as in the spec (``'x->y'``), recurrent weights ``'<area>_recurrent'``;
        their results are ``w_<connection_id(name)>_final``.
        """
        out = {}
        for name, area in self.areas.items():
            for field in ("competition", "dynamics"):
                owner = getattr(area, field)
                if owner is not None and getattr(owner, "plasticity", None) is not None:
                    out[recurrent_name(name)] = (f"areas.{name}.{field}", owner.plasticity, name, name)
        for proj in self.projections:
            if proj.plasticity is not None:
                out[proj.name] = (f"projections[{proj.name}]", proj.plasticity, proj.source, proj.target)
        return out

    def structural_connections(self) -> dict[str, tuple[str, object, str, str]]:
        """Every connection with structural plasticity: name -> (owner path, `Structural`, source, target)."""
        out = {}
        for name, (owner, _, source, target) in self.plastic_connections().items():
            structural = (self.projection(name) if owner.startswith("projections") else
                          getattr(self.areas[source], owner.rsplit(".", 1)[1])).structural
            if structural is not None:
                out[name] = (owner, structural, source, target)
        return out

    def learned_variables(self) -> dict[str, tuple]:
        """Every result variable holding what plastic connections learned (`learned_variables`), the final
        masks of structural connections and the recruitment times of reserve units."""
        out = {}
        for name, (_, rule, source, target) in self.plastic_connections().items():
            out.update(learned_variables(name, rule, self.areas[target].n_units, self.areas[source].n_units))
        for name, (_, _, source, target) in self.structural_connections().items():
            cid = connection_id(name)
            out[f"mask_{cid}_final"] = ((f"post_{cid}", f"pre_{cid}"), (self.areas[target].n_units,
                                        self.areas[source].n_units), f"synapses of {name} that exist at the end of the run")
        for name, area in self.areas.items():
            if area.reserve is not None:
                out[f"recruit_time_{name}"] = ((f"reserve_{name}",), (area.reserve.n,),
                                               f"time each reserve unit of {name} was recruited (NaN: never)")
        return out

    def projection(self, name: str) -> Projection:
        """The projection called `name` (``'V1->PFC'`` by default)."""
        for proj in self.projections:
            if proj.name == name:
                return proj
        raise KeyError(name)

    def competition_matrix(self, area: str) -> Optional[np.ndarray]:
        """The area's recurrent weight matrix ``W`` (n x n), or None (`Area.weight_matrix`)."""
        return self.areas[area].weight_matrix()

    def projection_matrix(self, proj: Projection) -> np.ndarray:
        """``scale * W`` of a projection, shape (n_target, n_source)."""
        tgt, src = self.areas[proj.target], self.areas[proj.source]
        w = proj.weights.matrix(tgt.feature_values(), src.feature_values(), tgt.features.period)
        return proj.scale * w

    def stimulus_amplitudes(self, stim: Stimulus) -> np.ndarray:
        a = self.areas[stim.area]
        return stim.amplitudes(a.feature_values(), a.features.period)
