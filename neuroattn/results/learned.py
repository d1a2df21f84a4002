"""`learned_spec`: the spec with the weights a run has learned, so a test phase runs on the trained network."""
from __future__ import annotations

from typing import Optional

import numpy as np
import xarray as xr

from neuroattn.exceptions import NeuroAttnError
from neuroattn.spec import NetworkSpec
from neuroattn.spec.plasticity import connection_id


def learned_spec(spec: NetworkSpec, result: xr.Dataset, *, point: Optional[int] = None,
                 keep_plasticity: bool = False) -> NetworkSpec:
    """`spec` with every plastic connection's weights set to the final weights in `result`.

    Each such connection gets an explicit ``matrix`` of its effective weights (and ``scale`` 1 for
    projections); its rule is removed unless `keep_plasticity`, so the trained network is tested as
    it is. A batch or sweep result needs `point`. Where structural plasticity ran, the weights are a
    ``sparse`` pattern holding the synapses that exist at the end (pruned ones are absent), and where
    an area has reserve units, those recruited during the run are ``reserve.recruited`` (active from
    the start); without plasticity, ``structural`` and ``reserve.recruit_when`` are removed too.

    Examples
    --------
    >>> res = na.simulate(spec, "10 s", seed=0)                           # doctest: +SKIP
    >>> trained = na.learned_spec(spec, res)                              # doctest: +SKIP
    >>> na.simulate(trained.replace({"stimuli[0].amplitude": 1.0}), "1 s")  # doctest: +SKIP
    """
    connections = spec.plastic_connections()
    if not connections:
        raise NeuroAttnError("learned_spec: the spec has no plastic connection")
    first, changes = {}, {}
    for name, (owner, *_) in connections.items():
        var = f"w_{connection_id(name)}_final"
        if var not in result:
            raise NeuroAttnError(f"learned_spec: the result has no {var!r} (is it a result of this spec?)")
        w = result[var]
        if "point" in w.dims:
            if point is None:
                raise NeuroAttnError(f"learned_spec: the result has {w.sizes['point']} points; say which (point=)")
            w = w.isel(point=point)
        values = np.asarray(w.values, float)
        if not np.all(np.isfinite(values)):
            raise NeuroAttnError(f"learned_spec: the learned weights of {name} are not finite (the run diverged)")
        mask = result.get(f"mask_{connection_id(name)}_final")
        if mask is not None:  # the synapses that exist, as a sparse pattern
            mask = np.asarray(mask.isel(point=point).values if "point" in mask.dims else mask.values, bool)
            post, pre = np.nonzero(mask | ~_eligible(values.shape, owner))
            changes[f"{owner}.weights"] = {"kind": "sparse", "shape": list(values.shape), "post": post.tolist(),
                                           "pre": pre.tolist(), "value": values[post, pre].tolist()}
        else:
            changes[f"{owner}.weights"] = {"kind": "matrix", "value": values.tolist()}
        if owner.startswith("projections"):
            changes[f"{owner}.scale"] = 1.0
        if not keep_plasticity:
            if mask is not None:
                first[f"{owner}.structural"] = None
            changes[f"{owner}.plasticity"] = None
    for name, area in spec.areas.items():
        if area.reserve is None or f"recruit_time_{name}" not in result:
            continue
        when = result[f"recruit_time_{name}"]
        when = when.isel(point=point) if "point" in when.dims else when
        first[f"areas.{name}.reserve.recruited"] = np.flatnonzero(np.isfinite(when.values)).tolist()
        if not keep_plasticity:
            first[f"areas.{name}.reserve.recruit_when"] = None
    return spec.replace({**first, **changes})  # what needs plasticity goes before plasticity does


def _eligible(shape: tuple, owner: str) -> np.ndarray:
    """Entries that can be synapses: all, but a unit onto itself in recurrent weights."""
    eligible = np.ones(shape, bool)
    if not owner.startswith("projections"):
        np.fill_diagonal(eligible, False)
    return eligible


__all__ = ["learned_spec"]
