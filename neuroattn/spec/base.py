"""The base of every spec class: frozen pydantic models whose errors read as one line.

A spec error names the field by its path, the constraint and the value received, for example
``areas.V1.tau: must be a positive time (got '-5 ms')``. pydantic already knows the path and the
value; this module only rewrites its report into that one line and raises `SpecError`.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import pydantic
from pydantic import ConfigDict

from neuroattn.exceptions import SpecError

#: pydantic's error types rewritten into our wording; the rest keep pydantic's message.
_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
    "finite_number": "must be a finite number",
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "int_from_float": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "literal_error": "must be one of {expected}",
    "union_tag_invalid": "unknown kind {tag} (choose {expected_tags})",
    "union_tag_not_found": "needs a '{discriminator}' field",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping of fields",
    "too_short": "must have at least {min_length} item(s)",
}


#: Fields holding tagged unions, and the tags pydantic puts into error paths after them.
_UNION_FIELDS = {"weights", "amplitude"}
_UNION_TAGS = {"uniform", "matrix", "gaussian", "random", "sparse", "float", "list[float]", "Bump"}


class SpecProblem(Exception):
    """Raised inside cross-checks with a ready message; turned into `SpecError` by `SpecModel`.

    It is deliberately not a ValueError, so pydantic lets it through instead of wrapping it.
    """


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def format_validation_error(err: pydantic.ValidationError, prefix: str = "") -> str:
    """One line for the first error pydantic found (the others follow as a count)."""
    errors = err.errors(include_url=False)
    # An unknown field explains the "missing" one that usually comes with it (a typo), so it goes first.
    first = min(errors, key=lambda e: (e["type"] != "extra_forbidden", e["type"] == "missing"))
    kind = first["type"]
    ctx = first.get("ctx") or {}
    if kind == "value_error":
        msg = str(ctx.get("error", first["msg"]))
    elif kind in _MESSAGES:
        try:
            msg = _MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            msg = first["msg"]
    else:
        msg = first["msg"]
    # Tags of tagged unions ('sigmoid', 'seed', …) appear in the path; they name nothing the user wrote.
    loc = tuple(p for k, p in enumerate(first["loc"])
                if not (k and first["loc"][k - 1] in _UNION_FIELDS and p in _UNION_TAGS))
    where = _format_loc(loc)
    where = f"{prefix}.{where}" if prefix and where else (prefix or where or "spec")
    line = f"{where}: {msg}"
    if kind not in ("missing",):
        line += f" (got {_short(first['input'])})"
    extra = err.error_count() - 1
    if extra:
        line += f" [and {extra} more problem{'s' if extra > 1 else ''}]"
    return line


class _SpecMeta(type(pydantic.BaseModel)):
    """Turns errors of a direct construction (``Area(...)``) into `SpecError`.

    This wraps the class call rather than ``__init__``: pydantic runs a custom ``__init__`` for nested
    models too, which would wrap one error inside another.
    """

    def __call__(cls, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except pydantic.ValidationError as err:
            raise SpecError(format_validation_error(err, cls.__name__)) from None
        except SpecProblem as err:
            raise SpecError(str(err)) from None


class SpecModel(pydantic.BaseModel, metaclass=_SpecMeta):
    """Frozen, strict base for spec classes; construction errors become one-line `SpecError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              arbitrary_types_allowed=False, validate_default=True)

    @classmethod
    def from_dict(cls, data: Any, *, where: str = ""):
        """Validate plain data (as loaded from YAML) into this class, raising `SpecError`."""
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError as err:
            raise SpecError(format_validation_error(err, where)) from None
        except SpecProblem as err:
            raise SpecError(str(err)) from None

    def replace(self, paths: Optional[Mapping[str, Any]] = None, /, **changes: Any):
        """A validated copy with some fields changed (specs are frozen).

        `paths` maps dotted paths, as sweeps write them, to new values; keyword arguments name fields.
        Only the models on each path are rebuilt; the rest are reused as they are.

        Examples
        --------
        >>> from neuroattn import Area
        >>> Area(n=4, tau="10 ms").replace(n=8).n
        8
        >>> Area(n=4, tau="10 ms").replace({"tau": "20 ms"}).tau
        0.02
        """
        from neuroattn.spec.paths import set_paths

        return set_paths(self, {**dict(paths or {}), **changes})
