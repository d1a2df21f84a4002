"""Provenance attributes: what produced a result, so it can be reproduced."""
from __future__ import annotations

import datetime
import platform
from importlib import metadata

from neuroattn.spec import NetworkSpec, spec_hash, spec_text


def versions() -> dict[str, str]:
    """Versions of neuroattn and the packages that decide its numbers (as installed)."""
    out = {"python": platform.python_version()}
    for pkg in ("neuroattn", "brian2", "numpy", "scipy", "xarray"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def provenance(spec: NetworkSpec, **extra) -> dict[str, object]:
    """Attributes for a result of `spec`: the spec as YAML, its hash, versions, time, and `extra`."""
    attrs = {"title": f"neuroattn simulation of {spec.name}", "spec": spec_text(spec),
             "spec_hash": spec_hash(spec),
             "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    attrs.update({f"{k}_version": v for k, v in versions().items()})
    attrs.update({k: v for k, v in extra.items() if v is not None})
    return attrs
