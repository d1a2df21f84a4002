"""Fitted parameters: sweep paths (or ``objective.<field>``) with bounds, mapped to the unit cube.

The optimisers work in ``z`` in [0, 1] per parameter: ``value = lo + z (hi - lo)``, or
``value = lo (hi/lo)**z`` for a log-scaled parameter, so one step size suits every parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from neuroattn.exceptions import FitError, SpecError, SweepError

#: Symbols for writing an SI value back with its unit (a time constant of custom dynamics, say).
_SYMBOLS = {"second": "s", "hertz": "Hz", "volt": "V", "amp": "A", "siemens": "S", "farad": "F", "ohm": "ohm"}


@dataclass(frozen=True)
class Parameter:
    """One fitted parameter: where it goes, its bounds (SI units) and its scale."""

    path: str
    lo: float
    hi: float
    log: bool = False
    unit: str = "1"  # the Brian2 base unit of the spec value ('second' for a time given as '10 ms')

    @property
    def on_objective(self) -> bool:
        return self.path.startswith("objective.")

    @property
    def field(self) -> str:
        return self.path[len("objective."):]

    def value(self, z):
        z = np.clip(np.asarray(z, float), 0.0, 1.0)
        if self.log:
            return self.lo * (self.hi / self.lo) ** z
        return self.lo + z * (self.hi - self.lo)

    def z(self, value) -> np.ndarray:
        value = np.clip(np.asarray(value, float), self.lo, self.hi)
        if self.log:
            return np.log(value / self.lo) / np.log(self.hi / self.lo)
        return (value - self.lo) / (self.hi - self.lo)

    def spec_value(self, x: float):
        """The value as the spec takes it: a float, or text with the unit for a quantity."""
        return float(x) if self.unit == "1" else f"{float(x)!r} {_SYMBOLS.get(self.unit, self.unit)}"


def _number(value: Any, where: str) -> tuple[float, str]:
    from neuroattn.spec.quantities import parse_quantity

    if isinstance(value, bool):
        raise FitError(f"{where}: must be a number (got {value!r})")
    try:
        si, unit = parse_quantity(value)
    except (ValueError, TypeError) as err:
        raise FitError(f"{where}: {err} (got {value!r})") from None
    if not np.isfinite(si):
        raise FitError(f"{where}: must be finite (got {value!r})")
    return float(si), unit


def _bounds(path: str, spec_bounds: Any) -> tuple[Any, Any, bool]:
    where = f"params.{path}"
    if isinstance(spec_bounds, Mapping):
        unknown = set(spec_bounds) - {"bounds", "log"}
        if unknown or "bounds" not in spec_bounds:
            raise FitError(f"{where}: give (lo, hi), (lo, hi, 'log') or {{bounds: [lo, hi], log: true}} "
                           f"(got {dict(spec_bounds)!r})")
        log = spec_bounds.get("log", False)
        if not isinstance(log, bool):
            raise FitError(f"{where}.log: must be true or false (got {log!r})")
        spec_bounds = tuple(spec_bounds["bounds"]) + (("log",) if log else ())
    if isinstance(spec_bounds, (str, bytes)) or not hasattr(spec_bounds, "__len__") or len(spec_bounds) not in (2, 3):
        raise FitError(f"{where}: give bounds as (lo, hi) or (lo, hi, 'log') (got {spec_bounds!r})")
    log = False
    if len(spec_bounds) == 3:
        if spec_bounds[2] not in ("log", "linear"):
            raise FitError(f"{where}: the third item must be 'log' or 'linear' (got {spec_bounds[2]!r})")
        log = spec_bounds[2] == "log"
    return spec_bounds[0], spec_bounds[1], log


def parse_params(params: Mapping[str, Any], spec, objective) -> list[Parameter]:
    """Check every path and its bounds; one-line `FitError` naming the parameter otherwise."""
    from neuroattn.sweeps.paths import get_value, spec_data

    if not isinstance(params, Mapping) or not params:
        raise FitError(f"params: give at least one {{path: (lo, hi)}} (got {params!r})")
    base = spec_data(spec)
    out = []
    for path, spec_bounds in params.items():
        if not isinstance(path, str):
            raise FitError(f"params: paths are strings (got {path!r})")
        current: Optional[Any]
        if path.startswith("objective."):
            name = path[len("objective."):]
            fittable = getattr(objective, "fittable", ())
            if name not in fittable:
                raise FitError(f"params: {path!r} is not a fittable field of the objective (fittable: "
                               f"{', '.join('objective.' + f for f in fittable) or 'none'})")
            current = getattr(objective, name)
        else:
            try:
                current = get_value(base, path)
            except (SweepError, SpecError) as err:
                text = str(err)
                text = text[len("space: "):] if text.startswith("space: ") else text
                raise FitError(f"params: {text}") from None
        lo_raw, hi_raw, log = _bounds(path, spec_bounds)
        lo, lo_unit = _number(lo_raw, f"params.{path}.lo")
        hi, hi_unit = _number(hi_raw, f"params.{path}.hi")
        unit = "1"
        if isinstance(current, str):
            try:
                unit = _number(current, path)[1]
            except FitError:
                raise FitError(f"params: {path!r} holds {current!r}, not a number to fit") from None
        elif isinstance(current, (list, dict)) or current is None or isinstance(current, bool):
            raise FitError(f"params: {path!r} holds {current!r}, not a number to fit (fit one item, "
                           f"e.g. {path}[0])")
        for value_unit, which in ((lo_unit, "lo"), (hi_unit, "hi")):
            if value_unit not in ("1", unit):
                raise FitError(f"params.{path}.{which}: has unit {value_unit}, the value has {unit}")
        if not lo < hi:
            raise FitError(f"params.{path}: bounds must have lo < hi (got lo={lo_raw!r}, hi={hi_raw!r})")
        if log and lo <= 0:
            raise FitError(f"params.{path}: log-scaled bounds must be positive (got lo={lo_raw!r})")
        out.append(Parameter(path, lo, hi, log, unit))
    return out


def start_point(parameters: list[Parameter], spec, objective) -> np.ndarray:
    """The spec's (and objective's) current values in the unit cube (clipped into the bounds)."""
    from neuroattn.sweeps.paths import get_value, spec_data

    base = spec_data(spec)
    z = []
    for p in parameters:
        current = getattr(objective, p.field) if p.on_objective else get_value(base, p.path)
        value = _number(current, p.path)[0]
        z.append(float(p.z(value)))
    return np.array(z)


__all__ = ["Parameter", "parse_params", "start_point"]
