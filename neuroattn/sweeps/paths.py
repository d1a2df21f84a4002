"""Sweep parameters are the spec's dotted paths (`neuroattn.spec.paths`); here their errors become
`SweepError`s that say which point of the space gave them."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from neuroattn.exceptions import SpecError, SweepError
from neuroattn.spec import NetworkSpec
from neuroattn.spec.paths import get_value as _get_value
from neuroattn.spec.paths import leaf_paths, parse_path, set_paths, set_values, spec_data


def _space_error(err: SpecError) -> SweepError:
    text = str(err)
    return SweepError("space: " + text[len("path: "):] if text.startswith("path: ") else text)


def get_value(data: Mapping, path: str) -> Any:
    """The value at `path` in plain spec data; a `SweepError` naming the closest paths if there is none."""
    try:
        return _get_value(data, path)
    except SpecError as err:
        raise _space_error(err) from None


def apply_to_spec(spec: NetworkSpec, values: Mapping[str, Any], base: Optional[Mapping] = None) -> NetworkSpec:
    """`spec` with `values` set at their paths (`neuroattn.spec.paths.set_paths`), as a sweep point."""
    try:
        return set_paths(spec, values, base)
    except SpecError as err:
        if str(err).startswith("path: "):
            raise _space_error(err) from None
        shown = ", ".join(f"{p}={v!r}" for p, v in values.items())
        raise SweepError(f"space: the point ({shown}) gives an invalid spec: {err}") from None


def apply(base: Mapping, values: Mapping[str, Any]) -> NetworkSpec:
    """The spec of plain data `base` with `values` set, validated."""
    return apply_to_spec(NetworkSpec.from_dict(base), values, base)


__all__ = ["parse_path", "get_value", "set_values", "apply", "apply_to_spec", "leaf_paths", "spec_data"]
