"""YAML load/dump of specs, and a stable hash of a spec's content."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Union

import yaml

from neuroattn.exceptions import SpecError
from neuroattn.spec.network import NetworkSpec
from neuroattn.spec.weights import Matrix
from neuroattn.spec.yamlio import read_text, read_yaml


#: libyaml's C implementations when PyYAML was built with them (much faster on large matrices).
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: Above this many matrix entries `spec_text` writes JSON (valid YAML) instead of block YAML.
LARGE_SPEC = 10_000

#: The model files shipped inside the package (``neuroattn/models/specs``); `load_spec` reads one by
#: its bare name (``load_spec("cortical_hierarchy")``). Found by path, so the spec layer imports no model.
MODELS_DIR = Path(__file__).resolve().parents[1] / "models" / "specs"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Fields that tag a union member; a compact dump keeps them even where they equal the default.
_TAGS = ("kind", "model", "rule")


def _keep_tags(compact, full):
    if isinstance(compact, dict) and isinstance(full, dict):
        for tag in _TAGS:
            if tag in full:
                rest = {k: v for k, v in compact.items() if k != tag}
                compact.clear()
                compact.update({tag: full[tag], **rest})
        for key, value in compact.items():
            _keep_tags(value, full.get(key))
    elif isinstance(compact, list) and isinstance(full, list) and compact and isinstance(compact[0], dict):
        for c, f in zip(compact, full):
            _keep_tags(c, f)


def spec_to_dict(spec: NetworkSpec) -> dict:
    """Plain data (times as strings with units), the form YAML files take; defaults are left out."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    _keep_tags(data, spec.model_dump(mode="json"))
    for name, area in data.get("areas", {}).items():
        area.pop("name", None)
    for proj in data.get("projections", []):
        if proj.get("name") == f"{proj['source']}->{proj['target']}":
            proj.pop("name")
    return data


def dump_spec(spec: NetworkSpec, path: Union[str, os.PathLike, None] = None) -> str:
    """The spec as YAML text; also written to `path` if given.

    ``load_spec(dump_spec(spec)) == spec`` holds for every spec.
    """
    text = yaml.dump(spec_to_dict(spec), Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=100)
    if path is not None:
        Path(path).write_text(text)
    return text


def _matrix_entries(spec: NetworkSpec) -> int:
    patterns = [a.competition.weights for a in spec.areas.values() if a.competition is not None]
    patterns += [p.weights for p in spec.projections]
    return sum(len(w.value) * len(w.value[0]) for w in patterns if isinstance(w, Matrix))


def spec_text(spec: NetworkSpec) -> str:
    """Text that `load_spec` reads back to `spec`: YAML, or for large specs JSON (JSON is YAML).

    Writing a dense 1000x1000 weight matrix as YAML takes seconds even with libyaml; pydantic's
    JSON serialiser takes a fraction of one. Results store this text as provenance.
    """
    memo = spec._serialised
    if "text" not in memo:
        memo["text"] = _json(spec) if _matrix_entries(spec) > LARGE_SPEC else dump_spec(spec)
    return memo["text"]


def _json(spec: NetworkSpec) -> str:
    memo = spec._serialised
    if "json" not in memo:
        memo["json"] = spec.model_dump_json()
    return memo["json"]


def bundled_models() -> list[str]:
    """The names of the model files shipped with neuroattn, for ``load_spec(name)``.

    Examples
    --------
    >>> "seed_competition" in bundled_models()
    True
    """
    return sorted(p.stem for p in MODELS_DIR.glob("*.yaml"))


def bundled_model_path(name: str) -> Path:
    """The path of the shipped model file `name` (``"cortical_hierarchy"``); `SpecError` naming the
    shipped models when there is none."""
    path = MODELS_DIR / f"{name}.yaml"
    if not (_NAME.fullmatch(name) and path.is_file()):
        raise SpecError(f"spec: no model file {name!r} and no model of that name shipped with neuroattn "
                        f"(shipped: {', '.join(bundled_models())})")
    return path


def load_spec(source: Union[str, os.PathLike, dict]) -> NetworkSpec:
    """A `NetworkSpec` from a shipped model's name, a YAML file path, YAML text, or plain data.

    A bare name such as ``"cortical_hierarchy"`` that is not a file in the working directory names a
    model shipped with neuroattn (`bundled_models` lists them).

    Raises
    ------
    SpecError
        The file is missing or unreadable, the YAML does not parse, or the spec is invalid.

    Examples
    --------
    >>> spec = load_spec("name: tiny\\nareas: {V1: {n: 2, tau: 10 ms}}")
    >>> spec.areas["V1"].tau
    0.01
    >>> load_spec("seed_competition").areas["V1"].n
    4
    """
    if isinstance(source, dict):
        return NetworkSpec.from_dict(source)
    text = str(source)
    looks_like_yaml = isinstance(source, str) and ("\n" in text or ":" in text and not text.endswith((".yaml", ".yml")))
    if isinstance(source, str) and _NAME.fullmatch(text) and not Path(text).is_file():
        source = bundled_model_path(text)
    try:
        if not looks_like_yaml:
            text = read_text(source, "spec file")
        data = read_yaml(text, "spec YAML")
    except ValueError as err:
        raise SpecError(str(err)) from None
    if not isinstance(data, dict):
        raise SpecError(f"spec YAML: must be a mapping with 'areas' (got {type(data).__name__})")
    return NetworkSpec.from_dict(data)


def read_config(path: Union[str, os.PathLike], cls, what: str, error: type):
    """A YAML file of `what` (``'sweep file'``) read and validated as `cls`; any problem is one line
    raised as `error`, naming the file."""
    from neuroattn.exceptions import SpecError

    path = Path(path)
    try:
        raw = read_yaml(read_text(path, what), f"{what} {str(path)!r}")
    except ValueError as err:
        raise error(str(err)) from None
    try:
        return cls.from_dict(raw, where=path.name)
    except SpecError as err:
        raise error(f"{what} {str(path)!r}: {err}") from None


def config_model(model: str, path: Union[str, os.PathLike], what: str, error: type) -> NetworkSpec:
    """The spec a config file at `path` names: a YAML file beside it (or an absolute path), or a model
    shipped with neuroattn by name."""
    path = Path(path)
    found = Path(model) if Path(model).is_absolute() else path.parent / model
    if not found.is_file() and model in bundled_models():
        return load_spec(model)
    if not found.is_file():
        raise error(f"{what} {str(path)!r}: model: no such file {str(found)!r} and no shipped model of that "
                    f"name (shipped: {', '.join(bundled_models())})")
    return load_spec(found)


def spec_hash(spec: NetworkSpec) -> str:
    """A stable hex digest of the spec's content (the same spec always hashes the same)."""
    memo = spec._serialised
    if "hash" not in memo:  # a spec is immutable: its JSON (shared with `spec_text`) and hash are made once
        memo["hash"] = hashlib.sha256(_json(spec).encode()).hexdigest()[:16]
    return memo["hash"]
