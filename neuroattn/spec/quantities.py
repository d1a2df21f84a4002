"""Times with units: parsed from strings ('10 ms') or Brian2 quantities, stored as float seconds.

The spec layer does not import brian2. A Brian2 `Quantity` is recognised by its ``dim`` attribute and
converted through its SI value, so ``10*ms`` from `neuroattn.units` works as well as ``'10 ms'``.
"""
from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_SCALE = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "ms": 1e-3, "msec": 1e-3, "msecond": 1e-3,
    "us": 1e-6, "µs": 1e-6, "usecond": 1e-6,
    "min": 60.0, "minute": 60.0,
}
_TIME_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*([a-zA-Zµ]+)\s*$")


def parse_time(value: Any) -> float:
    """Return `value` in seconds.

    Parameters
    ----------
    value : str, brian2 Quantity or float-like with a unit
        ``'10 ms'``, ``'2s'``, ``'0.5 second'``, ``10*ms``. A bare number is refused, because its unit
        would be a guess.

    Examples
    --------
    >>> parse_time('10 ms')
    0.01
    """
    if isinstance(value, bool):
        raise ValueError("must be a time with a unit, e.g. '10 ms'")
    dim = getattr(value, "dim", None)
    if dim is not None:  # a brian2 Quantity
        if str(dim) not in ("s", "second"):
            raise ValueError(f"must be a time, not a quantity in {dim}")
        seconds = float(getattr(value, "__array__")())
    elif isinstance(value, str):
        match = _TIME_RE.match(value)
        if not match or _SCALE.get(match.group(2)) is None:
            raise ValueError("must be a time with a unit such as '10 ms' or '2 s'")
        seconds = float(match.group(1)) * _SCALE[match.group(2)]
    elif isinstance(value, (int, float)) and value == 0:
        seconds = 0.0  # zero needs no unit
    else:
        raise ValueError("must be a time with a unit, e.g. '10 ms'")
    if not math.isfinite(seconds):
        raise ValueError("must be a finite time")
    return seconds


def format_time(seconds: float) -> str:
    """The inverse of `parse_time`, exact for every float: ``format_time(0.01) == '10.0 ms'``."""
    candidates = [f"{round(seconds * 1e3, 9)!r} ms", f"{seconds * 1e3!r} ms"] if 0 < abs(seconds) < 1 else []
    for text in candidates:
        if parse_time(text) == seconds:
            return text
    return f"{seconds!r} s"


def _positive(seconds: float) -> float:
    if seconds <= 0:
        raise ValueError("must be a positive time")
    return seconds


def _non_negative(seconds: float) -> float:
    if seconds < 0:
        raise ValueError("must be a non-negative time")
    return seconds


_serialise = PlainSerializer(format_time, return_type=str, when_used="json-unless-none")

#: Any time (seconds); YAML/JSON dumps write it with its unit.
Time = Annotated[float, BeforeValidator(parse_time), _serialise]
#: A time > 0.
PositiveTime = Annotated[float, BeforeValidator(lambda v: _positive(parse_time(v))), _serialise]
#: A time >= 0.
NonNegativeTime = Annotated[float, BeforeValidator(lambda v: _non_negative(parse_time(v))), _serialise]


#: Brian2's base units by the symbols users write, and the SI prefixes they may carry.
_BASE_UNITS = {"s": "second", "second": "second", "Hz": "hertz", "hertz": "hertz", "V": "volt", "volt": "volt",
               "A": "amp", "amp": "amp", "S": "siemens", "siemens": "siemens", "F": "farad", "farad": "farad",
               "ohm": "ohm"}
_PREFIXES = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}
_QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*([a-zA-Zµ]*)\s*$")
#: The dimension symbols of Brian2 quantities, by base unit.
_DIMENSIONS = {"s": "second", "Hz": "hertz", "1/s": "hertz", "V": "volt", "A": "amp", "S": "siemens",
               "F": "farad", "ohm": "ohm", "Ω": "ohm"}


def _unit(symbol: str) -> tuple[float, str]:
    if symbol in _BASE_UNITS:
        return 1.0, _BASE_UNITS[symbol]
    if symbol in ("ms", "msec", "msecond", "us", "usecond", "µs"):
        return _SCALE[symbol], "second"
    prefix, rest = symbol[:1], symbol[1:]
    if prefix in _PREFIXES and rest in _BASE_UNITS:
        return _PREFIXES[prefix], _BASE_UNITS[rest]
    raise ValueError(f"unknown unit {symbol!r} (use s, ms, Hz, mV, nA, nS, pF, Mohm, … or none)")


def parse_quantity(value: Any) -> tuple[float, str]:
    """(SI value, Brian2 base unit name) of a number with an optional unit.

    ``'10 ms'`` gives ``(0.01, 'second')``, ``'-70 mV'`` ``(-0.07, 'volt')``, ``0.2`` ``(0.2, '1')``;
    Brian2 quantities (``10*ms``) work too.

    Examples
    --------
    >>> parse_quantity('10 ms')
    (0.01, 'second')
    """
    if isinstance(value, bool):
        raise ValueError("must be a number, optionally with a unit (got a boolean)")
    dim = getattr(value, "dim", None)
    if dim is not None:
        name = str(dim)
        if name not in _DIMENSIONS and name != "1":
            raise ValueError(f"unsupported unit {name!r} (use s, Hz, V, A, S, F, ohm or none)")
        si, unit = float(getattr(value, "__array__")()), _DIMENSIONS.get(name, "1")
    elif isinstance(value, (int, float)):
        si, unit = float(value), "1"
    elif isinstance(value, str):
        match = _QUANTITY_RE.match(value)
        if not match:
            raise ValueError("must be a number, optionally with a unit, such as '10 ms' or '0.2'")
        scale, unit = _unit(match.group(2)) if match.group(2) else (1.0, "1")
        si = float(match.group(1)) * scale
    else:
        raise ValueError("must be a number, optionally with a unit, such as '10 ms' or '0.2'")
    if not math.isfinite(si):
        raise ValueError("must be finite")
    return si, unit
