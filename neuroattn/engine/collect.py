"""A finished network's numbers → the result `Dataset` (traces, final state, divergence, provenance)."""
from __future__ import annotations

import warnings
from typing import Mapping, Optional

import brian2
import numpy as np
import xarray as xr

from neuroattn.exceptions import DivergenceWarning
from neuroattn.results import make_dataset, provenance

#: |u| above this counts as a run-away (diverged) run.
DIVERGENCE_LIMIT = 1e6


def collect(built, record, K: int):
    """Traces (K, T, N) and finals (K, N) over all areas, in the spec's area order.

    A variable that only some areas have (a state variable of one area's own dynamics) is NaN on the
    units of the others.
    """
    areas = built.params.areas
    traces, times = {}, None
    if built.monitors:
        for var in record:
            parts = []
            for name, area in areas.items():
                mon = built.monitors.get(name)
                if mon is not None and var in mon.record_variables:
                    values = np.asarray(getattr(mon, var))  # (K*n, T)
                    parts.append(values.reshape(K, area.n, -1).transpose(0, 2, 1))
                else:
                    parts.append(None)
            n_t = next(p.shape[1] for p in parts if p is not None)
            traces[var] = np.concatenate([np.full((K, n_t, a.n), np.nan) if p is None else p
                                          for p, a in zip(parts, areas.values())], axis=2)
        times = np.asarray(next(iter(built.monitors.values())).t / brian2.second)
    u_final = np.concatenate([np.asarray(g.u[:]).reshape(K, -1) for g in built.groups.values()], axis=1)
    r_final = np.empty_like(u_final)
    start = 0
    for name, area in areas.items():
        transfer = built.params.spec.areas[name].transfer
        c = {k: v for k, v in area.transfer.items()}  # (K, n) each
        r_final[:, start:start + area.n] = transfer.f(u_final[:, start:start + area.n], c)
        start += area.n
    return traces, {"u_final": u_final, "r_final": r_final}, times


def diverged(traces, finals, K: int) -> np.ndarray:
    """Per point: did u leave the finite range or exceed `DIVERGENCE_LIMIT`?"""
    flags = np.zeros(K, bool)
    for arr in [traces.get("u"), finals["u_final"]]:
        if arr is not None:
            a = arr.reshape(K, -1)
            flags |= ~np.all(np.isfinite(a), axis=1) | np.any(np.abs(np.nan_to_num(a)) > DIVERGENCE_LIMIT, axis=1)
    return flags


def assemble(params, seeds, traces, finals, times, *, variables: Mapping[str, tuple[str, str]], dt, n_steps,
             every, target, coupling, wall, point_coords=None, with_provenance: bool = True) -> xr.Dataset:
    """The batch result: divergence flags (and their warning), provenance, coordinates."""
    K, spec = params.n_points, params.spec
    flags = diverged(traces, finals, K)
    if flags.any():
        warnings.warn(f"{int(flags.sum())} of {K} point(s) diverged (|u| > {DIVERGENCE_LIMIT:g} or "
                      "non-finite); they are flagged in result['diverged']", DivergenceWarning, stacklevel=4)
    run = dict(seed=seeds[0] if len(set(seeds)) == 1 else None, dt=dt, duration=n_steps * dt,
               record_every=every if every else 0, target=target, coupling=coupling, wall_time=wall, n_points=K)
    attrs = provenance(spec, **run) if with_provenance else {}
    coords = dict(point_coords or {})
    if len(set(seeds)) > 1:
        coords.setdefault("seed", seeds)
    return make_dataset(spec, times=times, traces=traces, finals=finals, diverged=flags, attrs=attrs,
                        point_coords=coords, variables=variables)


__all__ = ["collect", "assemble", "diverged", "DIVERGENCE_LIMIT"]
