"""Unit dynamics: what every area's units obey, built-in (competition models) or written by the user.

An area either names a competition model (`neuroattn.spec.competition`) with a time constant ``tau``,
or declares its dynamics as Brian2 equation text (`Dynamics`)::

    dynamics:
      equations: "du/dt = (-u + a*r + rec + I) / tau : 1"
      parameters: {a: 0.2, tau: 10 ms}
      weights: [[0, -0.5], [-0.5, 0]]

Inside the text ``u`` is the unit's state, ``r = f(u)`` its rate, ``I`` its external drive (baseline,
stimuli and projections, gain applied) and ``rec_i = sum_j w_ij r_j`` over the `weights` given with the
dynamics. Parameters are numbers, with a unit where they have one (``'10 ms'``, ``'-70 mV'``), or one
number per unit; each becomes a per-unit constant, so sweeps batch them like built-in constants.
Further state variables (``da/dt = (-a + r)/tau_a : 1``) and subexpressions (``x = r**2 : 1``) may
follow; every state variable is recorded like ``u``.

Either way, `area_dynamics` turns an area into one `AreaDynamics`: the Brian2 text, the per-unit
constants with their units, the coupling matrix behind ``rec``, and the same right-hand side in numpy
with its partial derivatives (for `analysis` and the reference tests). The engine and the analysis
layer read only that.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Optional

import numpy as np
from pydantic import BeforeValidator, field_validator, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.expressions import numpy_function, symbol, to_sympy
from neuroattn.spec.plasticity import Plasticity
from neuroattn.spec.quantities import parse_quantity
from neuroattn.spec.weights import WeightPattern

#: The names every area's equations know (the engine defines them).
BUILT_IN_NAMES = ("u", "r", "rec", "I")
#: Names a parameter may not take: the built-in ones, Brian2's own, and the engine's prefixes.
_RESERVED = set(BUILT_IN_NAMES) | {"E", "I0", "t", "dt", "i", "N", "xi", "lastspike", "not_refractory"}
_RESERVED_PREFIXES = ("f_", "amp_", "env_", "eta_", "in_", "xi_", "_")
_IDENT = r"[A-Za-z][A-Za-z0-9_]*"
_DIFF_RE = re.compile(rf"^d({_IDENT})/dt\s*=\s*(.+?)\s*:\s*([^():]+?)\s*(\([^()]*\))?\s*$")
_SUBEXPR_RE = re.compile(rf"^({_IDENT})\s*=\s*(.+?)\s*:\s*([^():]+?)\s*(\([^()]*\))?\s*$")
_PARAM_RE = re.compile(rf"^({_IDENT})\s*:\s*(.+)$")

_SYMBOLS = {"second": "s", "hertz": "Hz", "volt": "V", "amp": "A", "siemens": "S", "farad": "F", "ohm": "ohm"}


def _parameter(value):
    """A parameter as it is stored: a float, a string with a unit, or a list of floats (one per unit)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if not value or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ValueError(f"a list of parameter values must hold numbers, one per unit (got {value!r})")
        if not all(np.isfinite(value)):
            raise ValueError(f"must be finite (got {value!r})")
        return [float(v) for v in value]
    si, unit = parse_quantity(value)  # raises ValueError naming the problem
    if getattr(value, "dim", None) is not None:  # a Brian2 quantity: stored as text in SI units
        return f"{si!r} {_SYMBOLS[unit]}" if unit != "1" else si
    return float(value) if isinstance(value, (int, float)) else value


#: A parameter of user-written dynamics (see `_parameter`).
Parameter = Annotated[Any, BeforeValidator(_parameter)]


@dataclass(frozen=True)
class EquationLine:
    kind: str  # 'diff' or 'subexpression'
    name: str
    expr: str
    unit: str


def parse_equations(text: str) -> list[EquationLine]:
    """The lines of Brian2 equation text, checked for form (Brian2 checks the rest when it builds)."""
    lines = []
    for raw in str(text).splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _DIFF_RE.match(line)
        if m:
            lines.append(EquationLine("diff", m.group(1), m.group(2), m.group(3).strip()))
            continue
        m = _SUBEXPR_RE.match(line)
        if m:
            lines.append(EquationLine("subexpression", m.group(1), m.group(2), m.group(3).strip()))
            continue
        m = _PARAM_RE.match(line)
        if m:
            raise ValueError(f"declares {m.group(1)!r} as a variable; give numbers under 'parameters' instead")
        raise ValueError(f"cannot read the line {line!r} (write 'du/dt = ... : 1' or 'x = ... : 1')")
    if not any(ln.kind == "diff" and ln.name == "u" for ln in lines):
        raise ValueError("must define du/dt (the unit's state u)")
    return lines


class Dynamics(SpecModel):
    """Unit dynamics as Brian2 equations (see the module docstring).

    Examples
    --------
    >>> d = Dynamics(equations="du/dt = (-u + a*r + rec + I)/tau : 1", parameters={"a": 0.2, "tau": "10 ms"},
    ...              weights=[[0, -0.5], [-0.5, 0]])
    >>> d.state_variables()
    ('u',)
    """

    equations: str
    parameters: dict[str, Parameter] = {}
    weights: Optional[WeightPattern] = None
    plasticity: Optional[Plasticity] = None

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, params):
        for name in params:
            if not re.fullmatch(_IDENT, name) or name in _RESERVED or name.startswith(_RESERVED_PREFIXES):
                raise ValueError(f"{name!r} cannot name a parameter (reserved or not an identifier)")
        return params

    @model_validator(mode="after")
    def _equations(self):
        lines = parse_equations(self.equations)
        defined = [ln.name for ln in lines]
        for name in defined:
            if name != "u" and (name in _RESERVED or name in self.parameters):
                raise ValueError(f"equations: {name!r} is already defined (built in, or a parameter)")
        known = BUILT_IN_NAMES + tuple(defined) + tuple(self.parameters)
        for ln in lines:
            problem = _expression_problem(ln.expr, known)
            if problem is not None:
                raise ValueError(f"equations: the right-hand side of {ln.name!r} {problem}")
        uses_rec = any(re.search(r"\brec\b", ln.expr) for ln in lines)
        if uses_rec and self.weights is None:
            raise ValueError("equations use rec (the recurrent sum) but no weights are given")
        if self.weights is not None and not uses_rec:
            raise ValueError("weights are given but the equations do not use rec")
        if self.plasticity is not None and self.weights is None:
            raise ValueError("plasticity needs weights (and rec in the equations)")
        return self

    def lines(self) -> list[EquationLine]:
        return parse_equations(self.equations)

    def state_variables(self) -> tuple[str, ...]:
        """``u`` first, then every other variable with a differential equation."""
        names = [ln.name for ln in self.lines() if ln.kind == "diff"]
        return ("u",) + tuple(n for n in names if n != "u")

    def parameter_values(self, n: int) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        """(per-unit SI values (n,), Brian2 unit names) of the parameters."""
        values, units = {}, {}
        for name, value in self.parameters.items():
            if isinstance(value, list):
                values[name], units[name] = np.asarray(value, float), "1"
            else:
                si, units[name] = parse_quantity(value)
                values[name] = np.full(n, si)
        return values, units


class MatrixCache:
    """Arrays already computed from weight patterns, keyed by the identity of the spec objects they come
    from. Sweeps build their points from one spec and reuse every sub-model a point does not change, so
    K points sharing one 1000x1000 pattern compute (and store) its arrays once."""

    def __init__(self):
        self._hits: dict[tuple, tuple] = {}

    def get(self, sources: tuple, extra: tuple, compute: Callable[[], Any]):
        key = tuple(id(s) for s in sources) + extra
        hit = self._hits.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], sources)):
            hit = (sources, compute())  # the sources stay referenced, so their ids stay unique
            self._hits[key] = hit
        return hit[1]


@dataclass
class AreaDynamics:
    """One area's dynamics as the engine builds them and the analysis linearises them.

    ``rhs(u, r, rec, I, c)`` is du/dt (1/s) in numpy; ``partials`` gives its derivatives with respect
    to u, r, rec and I, each per unit. Both are None where the dynamics have more than one state
    variable (the analysis then refuses the area).
    """

    equations: str  # Brian2 text in the names u, r, rec, I and the constants
    constants: dict[str, np.ndarray]  # per-unit values (n,), SI
    units: dict[str, str]  # Brian2 unit name of each constant
    coupling: Optional[np.ndarray]  # the matrix of rec (n x n), or None where rec is not used
    state: tuple[str, ...] = ("u",)
    state_units: dict[str, str] = field(default_factory=lambda: {"u": "1"})
    timescale: Optional[np.ndarray] = None  # (n,) seconds, to scale residuals in fixed-point searches
    rhs: Optional[Callable] = None
    partials: Optional[Callable] = None


def _competition_dynamics(area, cache: MatrixCache) -> AreaDynamics:
    comp, n = area.competition, area.n
    tau = np.full(n, area.tau)
    if comp is None:
        return AreaDynamics("du/dt = (-u + I)/tau : 1", {"tau": tau}, {"tau": "second"}, None,
                            timescale=tau, rhs=lambda u, r, rec, I, c: (-u + I) / c["tau"],
                            partials=lambda u, r, rec, I, c: (-1 / c["tau"], 0 * u, 0 * u, 1 / c["tau"]))
    derived = cache.get((comp.weights, area.features), (n,) + comp.structure(),
                        lambda: comp.coupling(area.weight_matrix()))
    constants = {"tau": tau, **comp.constant_values(derived, n)}
    units = {c: "second" if c == "tau" else "1" for c in constants}

    def rhs(u, r, rec, I, c):
        return (-u + comp.rhs(r, rec, I, c)) / c["tau"]

    def partials(u, r, rec, I, c):
        g_r, g_rec, g_I = comp.partials(r, rec, I, c)
        return -1 / c["tau"], g_r / c["tau"], g_rec / c["tau"], g_I / c["tau"]

    return AreaDynamics(f"du/dt = (-u + {comp.equation})/tau : 1", constants, units, derived["rec"],
                        timescale=tau, rhs=rhs, partials=partials)


@functools.lru_cache(maxsize=256)
def _expression_problem(expr: str, names: tuple[str, ...]):
    """Why `expr` is not an expression in `names` (None if it is). Cached: sweeps and fits rebuild the
    same dynamics for every point, and reading an expression into sympy is the costly part."""
    try:
        to_sympy(expr, names)
    except ValueError as err:
        return str(err)
    return None


@functools.lru_cache(maxsize=64)
def _numpy_dynamics(equations: str, parameters: tuple[str, ...]):
    """du/dt and its partials as numpy functions of (u, r, rec, I, *parameters), subexpressions inlined."""
    import sympy

    lines = parse_equations(equations)
    names = BUILT_IN_NAMES + tuple(ln.name for ln in lines) + parameters
    subs = {}
    for ln in lines:  # Brian2 allows subexpressions in any order; inline until none is left
        if ln.kind == "subexpression":
            subs[symbol(ln.name)] = to_sympy(ln.expr, names)
    du = to_sympy(next(ln.expr for ln in lines if ln.kind == "diff" and ln.name == "u"), names)
    for _ in range(len(subs) + 1):
        du = du.subs(subs)
    args = BUILT_IN_NAMES + parameters
    return tuple(numpy_function(e, args) for e in (du, *(sympy.diff(du, symbol(v)) for v in BUILT_IN_NAMES)))


def _numpy_pair(equations: str, params: tuple[str, ...]):
    """(rhs, partials) in numpy of user dynamics with one state variable."""
    functions = _numpy_dynamics(equations, params)

    def rhs(u, r, rec, I, c):
        return np.broadcast_to(functions[0](u, r, rec, I, *[c[p] for p in params]), np.shape(u))

    def partials(u, r, rec, I, c):
        args = (u, r, rec, I, *[c[p] for p in params])
        return tuple(np.broadcast_to(np.asarray(f(*args), float), np.shape(u)) for f in functions[1:])

    return rhs, partials


def _custom_dynamics(area, cache: MatrixCache) -> AreaDynamics:
    dyn, n = area.dynamics, area.n
    constants, units = dyn.parameter_values(n)
    coupling = None
    if dyn.weights is not None:
        coupling = cache.get((dyn.weights, area.features), (n, "dynamics"), area.weight_matrix)
    lines = dyn.lines()
    state = dyn.state_variables()
    state_units = {ln.name: ln.unit for ln in lines if ln.kind == "diff"}
    timescale = constants.get("tau") if units.get("tau") == "second" else None
    # with more than one state variable the analysis refuses the area (no rhs, no partials)
    rhs, partials = _numpy_pair(dyn.equations, tuple(constants)) if state == ("u",) else (None, None)
    return AreaDynamics(dyn.equations, constants, units, coupling, state, state_units,
                        timescale, rhs, partials)


def dynamics_structure(area) -> tuple:
    """What of `area`'s dynamics must be equal for areas to share a network (the `AreaDynamics`
    structure and constant units), without computing any weight matrix."""
    if area.dynamics is not None:
        dyn = area.dynamics
        _, units = dyn.parameter_values(area.n)
        return (("dynamics", dyn.equations, tuple(sorted(units.items())), dyn.weights is None,
                 None if dyn.plasticity is None else dyn.plasticity.structure()), tuple(sorted(units.items())))
    comp = area.competition
    if comp is None:
        return ("none",), (("tau", "second"),)
    units = {"tau": "second", **{c: "1" for c in comp.constants}}
    return comp.structure(), tuple(sorted(units.items()))


def area_dynamics(area, cache: Optional[MatrixCache] = None) -> AreaDynamics:
    """The `AreaDynamics` of an `Area` (its competition model, or its own equations)."""
    cache = cache or MatrixCache()
    if area.dynamics is not None:
        return _custom_dynamics(area, cache)
    return _competition_dynamics(area, cache)


__all__ = ["Dynamics", "AreaDynamics", "area_dynamics", "dynamics_structure", "MatrixCache", "parse_equations", "BUILT_IN_NAMES"]
