"""Dotted paths into a spec: ``areas.V1.competition.beta``, ``projections[PFC->V1].scale``, ``stimuli[0].amplitude``.

A path walks the spec's plain data (``model_dump(mode='json')``, defaults included): mapping keys after
dots, list items by position (``stimuli[0]``) or, for projections and stimuli, by name in brackets
(``projections[PFC->V1]``). Setting values (`set_paths`, which ``spec.replace({...})`` calls) rebuilds
only the models on the paths and validates the result again, so a bad value fails with the spec's
own message. Sweeps use the same paths.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, Iterator, Mapping, Optional

from pydantic import BaseModel

from neuroattn.exceptions import SpecError

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")


def parse_path(path: str) -> list:
    """Split a dotted path into keys (str) and list selectors (int position or ``'[name]'``)."""
    if not isinstance(path, str) or not path:
        raise SpecError(f"path: a parameter path must be a non-empty string (got {path!r})")
    tokens, pos = [], 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or (pos == 0 and path.startswith(".")):
            raise SpecError(f"path: cannot read the path {path!r} at character {pos + 1} "
                             "(write areas.V1.tau, projections[PFC->V1].scale, stimuli[0].amplitude)")
        key, sel = m.groups()
        if key is not None:
            tokens.append(key)
        else:
            sel = sel.strip()
            tokens.append(int(sel) if sel.lstrip("-").isdigit() else f"[{sel}]")
        pos = m.end()
    return tokens


def _child(node: Any, token) -> tuple[bool, Any, Any]:
    """(found, key into node, child) for one token."""
    if isinstance(node, dict) and isinstance(token, str) and not token.startswith("["):
        return (token in node), token, node.get(token)
    if isinstance(node, list):
        if isinstance(token, int):
            ok = -len(node) <= token < len(node)
            return ok, token, node[token] if ok else None
        if isinstance(token, str) and token.startswith("["):
            name = token[1:-1]
            for k, item in enumerate(node):
                if isinstance(item, dict) and item.get("name") == name:
                    return True, k, item
    return False, None, None


def leaf_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """Every settable path in plain spec data (numbers, strings, lists of numbers, null fields)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for k, item in enumerate(data):
            label = f"[{item['name']}]" if prefix == "projections" and item.get("name") else f"[{k}]"
            yield from leaf_paths(item, prefix + label)
    else:
        yield prefix


def get_value(data: Mapping, path: str) -> Any:
    """The value at `path` in plain spec data; `SpecError` naming close paths when there is none."""
    node = data
    for token in parse_path(path):
        found, _, node = _child(node, token)
        if not found:
            raise SpecError(unknown_path_message(data, path))
    return node


def unknown_path_message(data: Mapping, path: str) -> str:
    valid = list(leaf_paths(data))
    close = difflib.get_close_matches(path, valid, n=3, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else f"; valid paths include {', '.join(valid[:4])}"
    return f"path: no parameter {path!r} in the spec{hint}"


def set_values(data: Mapping, values: Mapping[str, Any]) -> dict:
    """A copy of plain data with each path set; only the branches on the paths are copied."""
    out = dict(data)
    for path, value in values.items():
        tokens = parse_path(path)
        node, parent_copy = data, out
        for depth, token in enumerate(tokens):
            found, key, child = _child(node, token)
            if not found:
                raise SpecError(unknown_path_message(data, path))
            if depth == len(tokens) - 1:
                parent_copy[key] = value
                break
            if isinstance(child, (dict, list)):
                existing = parent_copy[key]
                copy = (dict(existing) if isinstance(existing, dict) else list(existing)) \
                    if existing is child else existing
                parent_copy[key] = copy
                node, parent_copy = child, copy
            else:
                raise SpecError(unknown_path_message(data, path))
    return out


def _is_model_container(value) -> bool:
    if isinstance(value, BaseModel):
        return True
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], BaseModel):
        return True
    return isinstance(value, dict) and bool(value) and isinstance(next(iter(value.values())), BaseModel)


def _rebuild(model: BaseModel, changes: Mapping[str, Any]) -> BaseModel:
    """`model` with its fields `changes` set, validated; validated sub-models are reused, not re-checked."""
    kept = {f: getattr(model, f) for f in type(model).model_fields if f not in changes
            and _is_model_container(getattr(model, f))}
    data = model.model_dump(mode="json", include=set(type(model).model_fields) - set(kept) - set(changes))
    data.update(kept)
    data.update(changes)
    return type(model)(**data)


class _Fallback(Exception):
    """The path leaves the spec's models (into a plain list); use the plain-data route."""


def _set_in(node, paths: list):
    """`node` with every ``(tokens, value)`` of `paths` set; each model on the paths is rebuilt once."""
    groups: dict = {}
    for tokens, value in paths:
        groups.setdefault(tokens[0], []).append((tokens[1:], value))
    changes = {}
    for token, below in groups.items():
        if any(not rest for rest, _ in below) and len(below) > 1:
            raise _Fallback  # a value and a value inside it, or the same path twice: in order, below
        changes[token] = below[0][1] if not below[0][0] else None
    if isinstance(node, BaseModel):
        if any(not isinstance(t, str) or t.startswith("[") or t not in type(node).model_fields for t in groups):
            raise _Fallback
        for token, below in groups.items():
            if below[0][0]:
                changes[token] = _set_in(getattr(node, token), below)
        return _rebuild(node, changes)
    if isinstance(node, dict):
        if any(t not in node for t in groups):
            raise _Fallback
        for token, below in groups.items():
            if below[0][0]:
                changes[token] = _set_in(node[token], below)
        return {**node, **changes}
    if isinstance(node, list) and node and isinstance(node[0], BaseModel):
        out = list(node)
        seen = set()
        for token, below in groups.items():
            if isinstance(token, int):
                index = token
            else:
                index = next((k for k, item in enumerate(node) if getattr(item, "name", None) == token[1:-1]), None)
            if index is None or not -len(node) <= index < len(node) or index % len(node) in seen:
                raise _Fallback
            seen.add(index % len(node))
            out[index] = below[0][1] if not below[0][0] else _set_in(node[index], below)
        return out
    raise _Fallback


def set_paths(model: BaseModel, values: Mapping[str, Any], data: Optional[Mapping] = None):
    """`model` (any spec) with `values` set at their dotted paths, validated.

    Only the models on each path are rebuilt and checked; sub-models off the paths (a 1000x1000
    weight matrix, say) are reused as they are, so a point costs microseconds however large the
    network; the whole spec's cross-checks still run. A path into a plain list (one entry of a
    per-unit amplitude, say) goes through the plain data (`data`, or the model's dump).

    Raises
    ------
    SpecError
        A path names nothing in the spec (the message lists the closest ones), or a value is invalid.
    """
    if not values:
        return model
    paths = [(parse_path(path), value) for path, value in values.items()]
    try:
        return _set_in(model, paths)
    except _Fallback:
        pass
    try:  # one path at a time (a value and a value inside it, given together, apply in order)
        out = model
        for tokens, value in paths:
            out = _set_in(out, [(tokens, value)])
        return out
    except _Fallback:
        plain = set_values(spec_data(model) if data is None else data, values)
        return type(model).from_dict(plain, where=type(model).__name__)


def spec_data(spec: BaseModel) -> dict:
    """The plain data paths walk: the full dump, defaults included."""
    return spec.model_dump(mode="json")


__all__ = ["parse_path", "get_value", "set_values", "set_paths", "leaf_paths", "spec_data", "unknown_path_message"]
