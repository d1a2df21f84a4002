"""Kinds: the tables that map a tag in a spec (``kind: sigmoid``, ``model: seed``) to its spec class.

Every transfer function and every competition model is one class, registered once with its table
(``@TRANSFERS.register``, ``@COMPETITIONS.register``). The class carries everything about its kind:
its fields, its per-unit constants, its Brian2 code and its numpy mathematics (for `analysis` and the
reference tests). Whatever has to know the kinds (the spec field that accepts them, the engine that
batches and builds them, the analysis that linearises them) asks the table, so a new kind is one class
in one place, whether it lives in neuroattn or in a user's script::

    @COMPETITIONS.register
    class Shunting(CompetitionModel):
        model: Literal["shunting"] = "shunting"
        ...

A table is the only mutable state of the spec layer; it only grows, at import (or class definition)
time, like a plugin registry, and a tag can be registered once.
"""
from __future__ import annotations

import difflib
from typing import Annotated, Any, Callable, Optional

import pydantic
from pydantic import PlainSerializer, WrapValidator


class KindTable:
    """A registry of spec classes told apart by the value of one tag field (``kind`` or ``model``).

    Parameters
    ----------
    tag : the tag field every registered class declares as a ``Literal`` with a default.
    what : a word for error messages (``transfer``, ``competition model``).
    shorthand : optional function turning a bare value (a string, a number) into plain data.
    """

    def __init__(self, tag: str, what: str, shorthand: Optional[Callable[[Any], Any]] = None):
        self.tag = tag
        self.what = what
        self._shorthand = shorthand
        self._classes: dict[str, type] = {}

    def register(self, cls: type) -> type:
        """Class decorator: add `cls` under the default of its tag field; returns `cls` unchanged."""
        field = cls.model_fields.get(self.tag)
        name = None if field is None else field.default
        if not isinstance(name, str):
            raise TypeError(f"{cls.__name__}: a {self.what} class needs a field "
                            f"`{self.tag}: Literal['name'] = 'name'`")
        known = self._classes.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ValueError(f"{self.what} {name!r} is already registered (by {known.__qualname__})")
        self._classes[name] = cls
        return cls

    def names(self) -> tuple[str, ...]:
        return tuple(self._classes)

    def classes(self) -> tuple[type, ...]:
        return tuple(self._classes.values())

    def __getitem__(self, name: str) -> type:
        return self._classes[name]

    def __contains__(self, name: str) -> bool:
        return name in self._classes

    def _validate(self, value: Any, handler, info) -> Any:
        if isinstance(value, tuple(self._classes.values())):
            return value
        if self._shorthand is not None:
            value = self._shorthand(value)
        if isinstance(value, pydantic.BaseModel):
            value = value.model_dump()
        if not isinstance(value, dict):
            raise ValueError(f"must be a mapping with a '{self.tag}' field (got {value!r})")
        name = value.get(self.tag)
        if name is None:
            raise ValueError(f"needs a '{self.tag}' field (one of {', '.join(self._classes)})")
        cls = self._classes.get(name) if isinstance(name, str) else None
        if cls is None:
            close = difflib.get_close_matches(str(name), list(self._classes), n=1)
            tip = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown {self.what} {name!r} (choose {', '.join(self._classes)}){tip}")
        return cls.model_validate(value)  # its errors keep their path below this field

    def field(self):
        """The annotation of a spec field holding one of the registered classes."""
        return Annotated[Any, WrapValidator(self._validate),
                         PlainSerializer(_dump, when_used="always")]


def _dump(value: Any, info) -> Any:
    """Serialise a registered class like a nested model (it sits in an ``Any`` field)."""
    if not isinstance(value, pydantic.BaseModel):
        return value
    mode = "json" if info.mode_is_json() else "python"
    return value.model_dump(mode=mode, exclude_defaults=info.exclude_defaults,
                            exclude_none=info.exclude_none)


__all__ = ["KindTable"]
