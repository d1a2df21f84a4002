"""Areas that share one NeuronGroup, and one area's part of it.

Brian2 enters every group's code objects once per step; on the runtime targets that dispatch, not
the arithmetic, is most of a small model's step (the cortical hierarchy's six areas were six state
updates per step). So rate areas whose dynamics are the same equations in the same constants share
one group: each area is a block of K·n units of it (point-major inside the block, as a group of its
own would be), its numbers are per-unit constants over its block, and its stimuli and projections
are variables that are zero on the other blocks (`equations.group_equations`). Spiking areas with
the same neuron model share groups in the same way (`engine.spiking`).

Rate areas share groups only where the rates are written by the engine's step operation (the
runtime targets' BLAS couplings): on cpp_standalone a group costs one more loop in one compiled
program, not a dispatch, and its compiled couplings address whole groups.
"""
from __future__ import annotations

from dataclasses import dataclass

import brian2
import numpy as np

from neuroattn.exceptions import BuildError


class AreaSlice:
    """One area's units inside a (possibly shared) NeuronGroup: ``variables[var].get_value()`` is the
    area's part of the group's array (K*n values), as for a group of its own."""

    def __init__(self, group, start: int, size: int):
        self.group, self.start, self.size = group, start, size
        self.variables = _SliceVariables(self)

    @property
    def whole(self) -> bool:
        """Whether the area is the whole group."""
        return self.start == 0 and self.size == len(self.group)

    def subgroup(self):
        """The area's units as a Brian2 group of their own (for Synapses that read or write them, e.g.
        on standalone): the group itself where the area is all of it, else a Subgroup."""
        return self.group if self.whole else self.group[self.start:self.start + self.size]

    @property
    def columns(self) -> slice:
        """The area's units among the group's (the columns of a monitor recording the whole group)."""
        return slice(self.start, self.start + self.size)


class _SliceVariables:
    def __init__(self, owner: AreaSlice):
        self._owner = owner

    def __contains__(self, var) -> bool:
        return var in self._owner.group.variables

    def __getitem__(self, var):
        return _SliceView(self._owner, self._owner.group.variables[var])


class _SliceView:
    def __init__(self, owner: AreaSlice, variable):
        self._owner, self._variable = owner, variable

    def get_value(self) -> np.ndarray:
        return self._variable.get_value()[self._owner.columns]


@dataclass
class RateGroup:
    """One NeuronGroup of rate areas: the group, its areas in block order, their equations."""

    group: brian2.NeuronGroup
    areas: tuple[str, ...]
    equations: object  # equations.AreaEquations of the whole group

    def slices(self, params) -> dict[str, AreaSlice]:
        """Each area's block of the group (K·n units each, in order)."""
        sizes = [params.n_points * params.areas[name].n for name in self.areas]
        starts = np.cumsum([0] + sizes)[:-1]
        return {name: AreaSlice(self.group, int(start), size) for name, start, size in zip(self.areas, starts, sizes)}


def rate_clusters(params, share: bool) -> list[tuple[str, ...]]:
    """The rate areas of `params` grouped into NeuronGroups: with `share`, areas whose dynamics are the
    same equations with constants of the same units share one group, and inside it areas of the same
    transfer function are neighbours (their rates are one step function's work); else each area is
    its own group."""
    out: dict = {}
    for name, area in params.areas.items():
        if area.spiking:
            continue
        dyn = area.dynamics
        key = (dyn.equations, tuple(sorted(dyn.units.items())), tuple(dyn.state)) if share else name
        out.setdefault(key, []).append(name)
    return [tuple(sorted(names, key=lambda name: transfer_key(params, name))) for names in out.values()]  # stable


def transfer_key(params, name: str) -> str:
    """What areas must share to have their rates written by one step function: the transfer's
    structure (its kind, and an expression's text), not only its kind."""
    return repr(params.spec.areas[name].transfer.structure())


def own_group(groups: dict, name: str) -> brian2.NeuronGroup:
    """The NeuronGroup of area `name`, which compiled couplings address as a whole (they are built only
    where no group is shared: `rate_clusters` with ``share=False``)."""
    part = groups[name]
    if not part.whole:
        raise BuildError(f"areas.{name}: a compiled coupling needs the area's own group, but it shares one")
    return part.group


def concatenate(blocks: list):
    """Per-area blocks of one variable as the group's array (a Quantity where the blocks have units)."""
    if hasattr(blocks[0], "dim"):
        return brian2.Quantity(np.concatenate([np.asarray(b) for b in blocks]), dim=blocks[0].dim)
    return np.concatenate(blocks)


__all__ = ["AreaSlice", "RateGroup", "rate_clusters", "transfer_key", "own_group", "concatenate"]
