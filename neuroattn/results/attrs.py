"""CF attributes (``units``, ``long_name``) of what results hold, swept parameters included.

A swept coordinate is named by its dotted path (``areas.V1.competition.beta``); `path_attrs` gives it
the units of the field it sets (seconds for times, ``1`` for the dimensionless numbers of rate models,
a Brian2 unit such as ``mV`` where a field holds a quantity) and a readable label.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from neuroattn.exceptions import SpecError

_PLURAL = {"areas": "", "projections": "projection", "stimuli": "stimulus", "tasks": "task"}


def path_label(path: str) -> str:
    """A readable label for a dotted spec path: ``'V1 competition beta'``, ``'projection PFC->V1 scale'``.

    Examples
    --------
    >>> path_label("stimuli[0].amplitude")
    'stimulus 0 amplitude'
    """
    words = []
    for key, sel in re.findall(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]", path):
        if key:
            words.append(_PLURAL.get(key, key.replace("_", " ")))
        else:
            words.append(sel.strip())
    return " ".join(w for w in words if w) or path


#: SI symbols of the base units `parse_quantity` names.
SI_SYMBOLS = {"second": "s", "volt": "V", "hertz": "Hz", "amp": "A", "siemens": "S", "farad": "F", "ohm": "ohm"}


def _value_units(value: Any) -> Optional[str]:
    """The SI unit of a spec value written with one ('10.0 ms' -> 's', '-50.0 mV' -> 'V'), or None."""
    if not isinstance(value, str):
        return None
    from neuroattn.spec.quantities import parse_quantity, parse_time

    try:
        parse_time(value)
        return "s"
    except ValueError:
        pass
    try:
        _, unit = parse_quantity(value)
    except (ValueError, SpecError):
        return None
    return SI_SYMBOLS.get(unit)


def path_attrs(data: Optional[Mapping], path: str, values=()) -> dict:
    """``units`` and ``long_name`` of the swept coordinate `path`, from the spec's plain data.

    Quantities (written with a unit in the spec, or swept as ``'5 ms'``) are stored in SI units
    (seconds, volts ...), so their units are ``s``, ``V`` ...; plain numbers are dimensionless (``1``).
    """
    units = None
    if data is not None:
        from neuroattn.spec.paths import get_value

        try:
            units = _value_units(get_value(data, path))
        except SpecError:
            units = None
    if units is None:
        units = next((u for u in map(_value_units, values) if u is not None), None)
    return {"units": units or "1", "long_name": path_label(path), "path": path}


#: Attributes of the ``unit`` coordinates every result carries, and of the other bookkeeping names.
UNIT_COORDS = {"unit": {"units": "1", "long_name": "unit (position in the network)"},
               "area": {"units": "1", "long_name": "area of the unit"},
               "index": {"units": "1", "long_name": "position of the unit inside its area"},
               "feature": {"units": "1", "long_name": "preferred feature of the unit"}}
#: Attributes of the sweep bookkeeping coordinates and variables.
SWEEP_VARS = {"point": {"units": "1", "long_name": "sweep point"},
              "seed": {"units": "1", "long_name": "noise seed"},
              "chunk": {"units": "1", "long_name": "chunk of sweep points"},
              "chunk_done": {"units": "1", "long_name": "chunk computed and written"},
              "time": {"units": "s", "long_name": "time"},
              "diverged": {"units": "1", "long_name": "state left the finite range or passed the divergence limit"},
              "spike_unit": {"units": "1", "long_name": "unit that spiked (index along unit)"},
              "spike_point": {"units": "1", "long_name": "batch point of the spike"},
              "spike_area": {"units": "1", "long_name": "area of the unit that spiked"}}


def describe(ds):
    """Fill in ``units`` and ``long_name`` where `ds` lacks them and the meaning is known.

    Known names (`UNIT_COORDS`, `SWEEP_VARS`) get their attributes; other integer, boolean and text
    variables (indices, flags, labels) are dimensionless (``units = '1'``), named after themselves.
    A floating-point variable without units is left as it is: its producer must declare them.
    Returns `ds`, changed in place.
    """
    for name in list(ds.variables):
        var = ds.variables[name]
        attrs = var.attrs
        if "units" in attrs and "long_name" in attrs:
            continue
        known = UNIT_COORDS.get(name) or SWEEP_VARS.get(name)
        if known is None and var.dtype.kind in "biuSUO":
            known = {"units": "1", "long_name": str(name).replace("_", " ")}
        if known is not None:
            for key, value in known.items():
                attrs.setdefault(key, value)
    return ds


__all__ = ["path_label", "path_attrs", "describe", "SI_SYMBOLS", "UNIT_COORDS", "SWEEP_VARS"]
