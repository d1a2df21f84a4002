"""Reading YAML files people pass around: safe, strict about duplicate keys, bounded, one-line errors.

`read_yaml` accepts only plain data (PyYAML's safe loader: no ``!!python/...`` tags), refuses a key
given twice in one mapping (the second would silently win), refuses aliases (``*a``; they make
"billion laughs" files explode in memory, and specs have no use for them), reads files as UTF-8
(say so in one line if they are not), and caps the text's size.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Union

import yaml

#: Largest YAML text read (bytes). A 1000x1000 weight matrix as YAML is about 10 MB.
MAX_YAML_BYTES = 256 * 2**20

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):
    """PyYAML's safe loader that refuses duplicate keys and aliases."""

    def _no_alias(self, node) -> None:
        """A node met a second time is an alias (``*name``): refused before it is expanded."""
        if node in self._met:
            raise yaml.constructor.ConstructorError(None, None, "aliases (*name) are not allowed", node.start_mark)
        self._met.add(node)

    def construct_document(self, node):
        self._met = set()
        return super().construct_document(node)

    def construct_sequence(self, node, deep=False):
        for child in node.value:
            self._no_alias(child)
        return super().construct_sequence(node, deep=deep)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, value_node in node.value:
            self._no_alias(value_node)
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base class reports it
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is given twice",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _StrictLoader.construct_sequence)


def read_text(path: Union[str, os.PathLike], what: str) -> str:
    """A file's text as UTF-8, or a one-line `ValueError` saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what}: no such file {str(path)!r}")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ValueError(f"{what}: {str(path)!r} is larger than {MAX_YAML_BYTES // 2**20} MiB")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{what}: {str(path)!r} is not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise ValueError(f"{what}: cannot read {str(path)!r} ({err.strerror})") from None


def read_yaml(text: str, what: str) -> Any:
    """Plain data from YAML `text`, or a one-line `ValueError` naming the line and the problem."""
    if len(text) > MAX_YAML_BYTES:
        raise ValueError(f"{what}: the YAML text is larger than {MAX_YAML_BYTES // 2**20} MiB")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(err, "problem", None) or err).split())[:200]
        raise ValueError(f"{what}: does not parse{where} ({problem})") from None


__all__ = ["read_yaml", "read_text", "MAX_YAML_BYTES"]
