"""A finished network's numbers → the result `Dataset` (traces, final state, divergence, provenance)."""
from __future__ import annotations

import warnings
from typing import Mapping, Optional

import brian2
import numpy as np
import xarray as xr

from neuroattn.exceptions import DivergenceWarning
from neuroattn.engine.structural import silence
from neuroattn.results import describe, make_dataset, provenance
from neuroattn.spec.plasticity import connection_id, learned_variables

#: |u| above this counts as a run-away (diverged) run.
DIVERGENCE_LIMIT = 1e6


def collect(built, record, K: int):
    """Traces (K, T, N) and finals (K, N) over all areas, in the spec's area order.

    A variable that only some areas have (a state variable of one area's own dynamics, the membrane
    potential ``v`` of spiking areas) is NaN on the units of the others. For spiking areas ``r`` is
    the spike count per recording interval in Hz, ``r_final`` the rate over the run's last tenth (at
    least 50 ms), and ``u`` is NaN.
    """
    from neuroattn.engine.spiking import spike_results

    areas = built.params.areas
    traces, times = {}, None
    monitors = built.monitors
    if monitors:
        times = np.asarray(next(iter(monitors.values()))[0].t / brian2.second)
    elif built.record_every:  # spiking areas only: their rates are binned spikes at the same times
        times = np.arange(0, built.n_steps, built.record_every) * built.dt
    binned, last = {}, {}
    if built.spiking is not None and built.spiking.spikes:
        data, coords, binned, last = spike_results(built.spiking, built.params, K, times, built.n_steps, built.dt,
                                                   built.record_every)
        built.spiking.results = (data, coords)  # the spike variables, for `spikes_of`
    if times is not None:
        for var in record:
            parts = []
            for name, area in areas.items():
                mon, columns = monitors.get(name, (None, None))
                if var == "r" and name in binned:
                    parts.append(binned[name])
                elif mon is not None and var in mon.record_variables:
                    values = mon.variables[var].get_value()[:, columns]  # the monitor's own buffer, in SI
                    parts.append(values.reshape(-1, K, area.n).transpose(1, 0, 2))  # copied just below
                else:
                    parts.append(None)
            n_t = len(times)
            traces[var] = np.concatenate([np.full((K, n_t, a.n), np.nan) if p is None else p  # a new array,
                                          for p, a in zip(parts, areas.values())], axis=2)  # however many parts
    u_final, r_final = [], []
    for name, area in areas.items():
        group = built.groups[name]
        if area.spiking:
            u_final.append(np.full((K, area.n), np.nan))
            r_final.append(last[name])
            continue
        u = np.array(group.variables["u"].get_value()).reshape(K, -1)
        u_final.append(u)
        r_final.append(silence(built.params.spec.areas[name].transfer.f(u, dict(area.transfer)),
                               built.reserves.get(name)))
    return traces, {"u_final": np.concatenate(u_final, axis=1), "r_final": np.concatenate(r_final, axis=1)}, times


def spikes_of(built, K: int) -> tuple[dict, dict]:
    """The spike variables (``spike_time``, ``spike_unit``, ``spike_point`` along ``spike``) of a run,
    as `collect` read them."""
    if built.spiking is None or built.spiking.results is None:
        return {}, {}
    data, coords = built.spiking.results
    keep = data["spike_point"][1] < K
    return ({k: (dims, values[keep], attrs) for k, (dims, values, attrs) in data.items()},
            {k: (dim, values[keep]) for k, (dim, values) in coords.items()})


def learned(built, K: int) -> tuple[dict, dict]:
    """Variables and coordinates of the plastic connections: final weights and rule state
    (`learned_variables`), and their snapshots over ``weight_time`` where recorded (same names
    without ``_final``); masks and synapse counts of structural plasticity (`StructuralWeights.results`)
    and the recruitment times of reserve units (`ReserveRun.results`)."""
    data, coords = {}, {}
    couplings = {c.name: c for c in built.couplings}
    for name, plastic in built.plastic.items():
        c, cid = couplings[name], connection_id(name)
        n_post, n_pre = plastic.w.shape[1:]
        post, pre = f"post_{cid}", f"pre_{cid}"
        coords[post] = (post, np.arange(n_post), {"long_name": f"unit of {c.target} (post-synaptic)"})
        coords[pre] = (pre, np.arange(n_pre), {"long_name": f"unit of {c.source} (pre-synaptic)"})
        about = {"connection": name, "source": c.source, "target": c.target, "rule": plastic.rule.rule,
                 "units": "1"}
        final = {f"w_{cid}_final": plastic.w, **{f"{v}_{cid}_final": plastic.state[v] for v in plastic.rule.state}}
        traces = {f"w_{cid}": plastic.trace, **{f"{v}_{cid}": plastic.state_trace.get(v) for v in plastic.rule.state}}
        for var, (dims, _, long_name) in learned_variables(name, plastic.rule, n_post, n_pre).items():
            data[var] = (("point",) + dims, final[var][:K].copy(), {**about, "long_name": long_name})
            trace = traces[var[:-len("_final")]]
            if trace is not None:
                data[var[:-len("_final")]] = (("point", "weight_time") + dims, np.moveaxis(trace[:, :K], 0, 1),
                                              {**about, "long_name": long_name.replace(" at the end of the run", "")})
        if plastic.trace is not None:
            coords["weight_time"] = ("weight_time", np.arange(plastic.trace.shape[0]) * plastic.every * built.dt,
                                     {"units": "s", "long_name": "time of the weight snapshots"})
    for name, st in built.structural.items():
        c = couplings[name]
        more, more_coords = st.results(name, connection_id(name), K, {"connection": name, "source": c.source,
                                                                      "target": c.target})
        data.update(more)
        coords.update(more_coords)
    for name, run in built.reserves.items():
        more, more_coords = run.results(name, built.params.areas[name].reserve, K)
        data.update(more)
        coords.update(more_coords)
    if built.spiking is not None:
        for name, (syn, point, post, pre, shape, monitor) in built.spiking.stdp.items():
            cid = connection_id(name)
            w = np.zeros(shape)
            w[point, post, pre] = np.asarray(syn.w[:])
            proj = built.params.spec.projection(name)
            if monitor is not None:
                snapshots = np.asarray(monitor.w)  # (synapses, snapshots)
                trace = np.zeros((shape[0], snapshots.shape[1]) + shape[1:])
                trace[point, :, post, pre] = snapshots
                data[f"w_{cid}"] = (("point", "weight_time", f"post_{cid}", f"pre_{cid}"), trace[:K],
                                    {"connection": name, "source": proj.source, "target": proj.target,
                                     "rule": "stdp", "units": "1", "long_name": f"weights of {name} (0: no synapse)"})
                coords["weight_time"] = ("weight_time", np.asarray(monitor.t / brian2.second),
                                         {"units": "s", "long_name": "time of the weight snapshots"})
            coords[f"post_{cid}"] = (f"post_{cid}", np.arange(shape[1]), {"long_name": f"unit of {proj.target}"})
            coords[f"pre_{cid}"] = (f"pre_{cid}", np.arange(shape[2]), {"long_name": f"unit of {proj.source}"})
            data[f"w_{cid}_final"] = (("point", f"post_{cid}", f"pre_{cid}"), w[:K],
                                      {"connection": name, "source": proj.source, "target": proj.target,
                                       "rule": "stdp", "units": "1",
                                       "long_name": f"weights of {name} at the end of the run (0: no synapse)"})
    for task in built.tasks:
        more, more_coords = task.results(K, built.dt)
        data.update(more)
        coords.update(more_coords)
    more, more_coords = spikes_of(built, K)
    data.update(more)
    coords.update(more_coords)
    return data, coords


def diverged(traces, finals, K: int, rate_units: np.ndarray) -> np.ndarray:
    """Per point: did u or r of a rate unit leave the finite range or exceed `DIVERGENCE_LIMIT`?

    `rate_units` (a boolean mask over all units) says which units have a state ``u``: spiking units
    are NaN there by design. Every other unit counts, NaN included.
    """
    flags = np.zeros(K, bool)
    for arr in [traces.get("u"), traces.get("r"), finals["u_final"], finals["r_final"]]:
        if arr is not None:
            a = arr.reshape(K, -1, arr.shape[-1])[..., rate_units].reshape(K, -1)
            flags |= ~np.all(np.isfinite(a), axis=1) | np.any(np.abs(np.nan_to_num(a)) > DIVERGENCE_LIMIT, axis=1)
    return flags


def rate_unit_mask(params) -> np.ndarray:
    """True on the units of rate areas (which have ``u``), in the spec's area order."""
    return np.concatenate([np.full(area.n, not area.spiking) for area in params.areas.values()])


def assemble(params, seeds, traces, finals, times, *, variables: Mapping[str, tuple[str, str]], dt, n_steps,
             every, target, coupling, wall, point_coords=None, with_provenance: bool = True,
             extra: Optional[tuple[dict, dict]] = None, target_choice: Optional[str] = None) -> xr.Dataset:
    """The batch result: divergence flags (and their warning), provenance, coordinates."""
    K, spec = params.n_points, params.spec
    flags = diverged(traces, finals, K, rate_unit_mask(params))
    if flags.any():
        warnings.warn(f"{int(flags.sum())} of {K} point(s) diverged (|u| or |r| > {DIVERGENCE_LIMIT:g}, "
                      "or non-finite); they are flagged in result['diverged']", DivergenceWarning, stacklevel=4)
    run = dict(seed=seeds[0] if len(set(seeds)) == 1 else None, dt=dt, duration=n_steps * dt,
               record_every=every if every else 0, target=target, target_choice=target_choice, coupling=coupling,
               wall_time=wall, n_points=K)
    attrs = provenance(spec, **run) if with_provenance else {}
    coords = dict(point_coords or {})
    if len(set(seeds)) > 1:
        coords.setdefault("seed", seeds)
    ds = make_dataset(spec, times=times, traces=traces, finals=finals, diverged=flags, attrs=attrs,
                      point_coords=coords, variables=variables)
    if extra and extra[0]:
        ds = describe(ds.assign_coords(extra[1]).assign(extra[0]))
    return ds


__all__ = ["collect", "learned", "assemble", "diverged", "DIVERGENCE_LIMIT"]
