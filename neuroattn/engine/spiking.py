"""Spiking areas: NeuronGroups with threshold, reset and refractoriness; Synapses; Poisson inputs.

A spiking area is one NeuronGroup of K·n neurons of its `NeuronModel` (K batch copies). What enters
its membrane equation is built from what reaches it: current synapses (``s_exc``, ``s_inh``, volts),
conductance synapses (``g_exc``, ``g_inh``, relative to the leak), Poisson stimuli (one Poisson
source per neuron, each spike adding ``input_weight`` to ``s_exc``) and current stimuli (``I_v``).
Its rate ``r`` (Hz), the spike train filtered with ``rate_tau``, exists where something reads it (a
rate area, a gate). Projections between spiking areas are `Synapses` built from the projection's
weight matrix (each non-zero weight one synapse, excitatory and inhibitory weights in separate
objects, with the projection's delay). A rate area drives a spiking area through Poisson sources
whose rates (``scale * W @ r``, in Hz) the step operation writes each step. A competition model on a
spiking area adds an inhibitory pool (Wang 2002): ``n_pool = max(2, n // 4)`` neurons of the same
model receiving every excitatory neuron, and inhibiting every one (`pool_weights`).

Random numbers (Poisson spikes) come from Brian2's generator, seeded with the run's seed before the
run (`seed_for_run`), so a spiking run repeats exactly for the same seed, batch and target.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import brian2
import numpy as np

from neuroattn.exceptions import BuildError

#: Excitatory-to-pool and pool-to-excitatory weights (mV) of a competition on a spiking area, per
#: unit of the competition's beta, scaled by the number of presynaptic neurons.
POOL_EXCITATION, POOL_INHIBITION = 8.0, 30.0


def pool_size(n: int) -> int:
    return max(2, n // 4)


@dataclass
class SpikingParts:
    """What the spiking side of a network adds."""

    groups: dict = field(default_factory=dict)  # area -> NeuronGroup (excitatory neurons)
    objects: list = field(default_factory=list)  # everything else (pools, sources, synapses)
    spikes: dict = field(default_factory=dict)  # area -> SpikeMonitor
    monitors: dict = field(default_factory=dict)  # area -> StateMonitor (v and other state)
    rate_inputs: list = field(default_factory=list)  # (Poisson group rate view, source r view, W, scale, K)


def channels(spec, name: str) -> tuple[bool, bool]:
    """(current inputs, conductance inputs) reaching spiking area `name`."""
    into = [p for p in spec.projections if p.target == name]
    current = any(p.synapse.kind == "current" or not spec.areas[p.source].spiking for p in into) \
        or any(s.area == name and s.drive == "poisson" for s in spec.stimuli) \
        or spec.areas[name].competition is not None
    conductance = any(p.synapse.kind == "conductance" and spec.areas[p.source].spiking for p in into)
    return current, conductance


def reads_rate(spec, name: str) -> bool:
    """Does anything read area `name`'s filtered rate (a rate area it projects to, a gate)?"""
    if any(p.source == name and not spec.areas[p.target].spiking for p in spec.projections):
        return True
    rules = [r for _, (_, r, *_) in spec.plastic_connections().items()]
    return any(getattr(getattr(r, "gate", None), "area", None) == name for r in rules)


def equations(spec, name: str, neuron, stimuli_on) -> tuple[str, list[str]]:
    """The group's equations and the names of its per-unit constants."""
    current, conductance = channels(spec, name)
    terms, lines = [], []
    if current:
        terms.append("s_exc + s_inh")
        lines += ["ds_exc/dt = -s_exc/tau_exc : volt", "ds_inh/dt = -s_inh/tau_inh : volt"]
    if conductance:
        terms.append("g_exc*(E_exc - v) + g_inh*(E_inh - v)")
        lines += ["dg_exc/dt = -g_exc/tau_exc : 1", "dg_inh/dt = -g_inh/tau_inh : 1"]
    synaptic = " + ".join(terms) if terms else "0*mV"
    inputs = ["I0_v"] + [(f"amp_{s}*mV" if st.always_on else f"env_{s}(t)*amp_{s}*mV")
                         for s, st in stimuli_on if st.drive == "current"]
    lines = neuron.membrane(synaptic) + lines + [f"I_v = {' + '.join(inputs)} : volt"]
    if reads_rate(spec, name):
        lines.append("dr/dt = -r/rate_tau : Hz")
    constants = [c for c in neuron.constants()] + [f"amp_{s}" for s, st in stimuli_on if st.drive == "current"]
    lines += [f"{c} : {unit} (constant)" for c, (_, unit) in neuron.constants().items()]
    lines += [f"amp_{s} : 1 (constant)" for s, st in stimuli_on if st.drive == "current"]
    lines += ["I0_v : volt (constant)"]
    return "\n".join(lines), constants


def _reset(neuron, spec, name) -> str:
    return neuron.reset + ("; r += 1/rate_tau" if reads_rate(spec, name) else "")


def _group(params, name, text, neuron, namespace, dt, n, tag="") -> brian2.NeuronGroup:
    spec = params.spec
    try:
        return brian2.NeuronGroup(params.n_points * n, text, threshold=neuron.threshold,
                                  reset=_reset(neuron, spec, name) if not tag else neuron.reset,
                                  refractory="t_ref", method="euler", namespace=namespace, dt=dt,
                                  name=f"area_{name}{tag}")
    except Exception as err:
        raise BuildError(f"areas.{name}.neuron: Brian2 cannot build this area ({' '.join(str(err).split())})") from err


def _set_constants(group, constants: dict, extra: dict) -> None:
    """Per-unit constants ``name -> ((K, n) SI values, unit)`` and other values into `group`."""
    for c, (values, unit) in constants.items():
        flat = np.ascontiguousarray(values).ravel()
        setattr(group, c, flat if unit == "1" else flat * getattr(brian2, unit))
    for c, values in extra.items():
        setattr(group, c, values)


def _connect(pre, post, w: np.ndarray, K: int, on_pre: str, dt, name: str, delay: float = 0.0):
    """Synapses from `pre` to `post` for weights `w` ((n_post, n_pre) shared or (K, n_post, n_pre)); only
    non-zero weights of some point become synapses, block-diagonal over the K copies."""
    ws = w if w.ndim == 3 else w[None]
    post_idx, pre_idx = np.nonzero(np.any(ws != 0, axis=0))
    syn = brian2.Synapses(pre, post, model="w : 1", on_pre=on_pre, namespace={}, dt=dt, name=name)
    if len(pre_idx):
        n_t, n_s = ws.shape[1:]
        k = np.repeat(np.arange(K), len(pre_idx))
        syn.connect(i=np.tile(pre_idx, K) + k * n_s, j=np.tile(post_idx, K) + k * n_t)
        syn.w = np.broadcast_to(ws[:, post_idx, pre_idx], (K, len(pre_idx))).ravel()
        if delay:
            syn.delay = delay * brian2.second
    return syn


def _split_connect(pre, post, w, K, kind: str, dt, name: str, delay: float) -> list:
    """Excitatory and inhibitory weights as two Synapses objects (as Brian2's CUBA example has them)."""
    out = []
    for sign, channel in ((1, "exc"), (-1, "inh")):
        part = np.where(sign * w > 0, w, 0.0)
        if not np.any(part):
            continue
        on_pre = f"s_{channel}_post += w*mV" if kind == "current" else f"g_{channel}_post += {sign}*w"
        out.append(_connect(pre, post, part, K, on_pre, dt, f"{name}_{channel}", delay))
    return out


def build_spiking(params, *, dt: float, n_steps: int, record: tuple, record_every, bdt) -> SpikingParts:
    """Groups, pools, Poisson sources, synapses and spike monitors of every spiking area of `params`."""
    from neuroattn.spec.plasticity import connection_id

    spec, K = params.spec, params.n_points
    parts = SpikingParts()
    for name, area in params.areas.items():
        if not area.spiking:
            continue
        neuron = spec.areas[name].neuron
        stimuli_on = [(s, st) for s, st in enumerate(spec.stimuli) if st.area == name]
        namespace = {}
        for s, st in stimuli_on:
            if st.patterns is not None or st.noise is not None:
                raise BuildError(f"stimuli[{s}]: patterns and noise on spiking areas are not supported yet")
            if not st.always_on:
                namespace[f"env_{s}"] = brian2.TimedArray(st.envelope(n_steps, dt), dt=bdt, name=f"env_{s}")
        text, _ = equations(spec, name, neuron, stimuli_on)
        group = _group(params, name, text, neuron, namespace, bdt, area.n)
        extra = {"I0_v": area.baseline.ravel() * brian2.mV, "v": area.neuron["v_rest"][0].ravel() * brian2.volt}
        extra.update({f"amp_{s}": params.amplitudes[s].ravel() for s, st in stimuli_on if st.drive == "current"})
        _set_constants(group, area.neuron, extra)
        parts.groups[name] = group
        for s, st in stimuli_on:  # one Poisson source per neuron, rate = the stimulus value in Hz
            if st.drive != "poisson":
                continue
            if np.any(params.amplitudes[s] < 0):
                raise BuildError(f"stimuli[{s}].amplitude: a Poisson rate must not be negative (Hz)")
            rate = "rate" if st.always_on else f"env_{s}(t)*rate"
            source = brian2.NeuronGroup(K * area.n, "rate : Hz (constant)", threshold=f"rand() < {rate}*dt",
                                        namespace=dict(namespace), dt=bdt, name=f"poisson_{s}")
            source.rate = params.amplitudes[s].ravel() * brian2.Hz
            syn = brian2.Synapses(source, group, on_pre="s_exc_post += input_weight_post", namespace={}, dt=bdt,
                                  name=f"poisson_{s}_input")
            syn.connect(j="i")
            parts.objects += [source, syn]
        if spec.areas[name].competition is not None:
            parts.objects += _pool(params, name, group, bdt)
        parts.spikes[name] = brian2.SpikeMonitor(group, name=f"spikes_{name}")
        if record_every is not None:
            here = [v for v in record if v in group.variables and v not in ("r", "u", "I")]
            if here:
                parts.monitors[name] = brian2.StateMonitor(group, here, record=True, dt=record_every * bdt,
                                                           when="start", order=0, name=f"monitor_{name}")
    for p, proj in enumerate(spec.projections):
        target = params.areas[proj.target]
        if not target.spiking:
            continue
        if proj.plasticity is not None:
            raise BuildError(f"projections[{p}].plasticity: plasticity onto spiking areas is not supported yet")
        if proj.mode != "bias":
            raise BuildError(f"projections[{p}].mode: onto a spiking area a projection adds input ('bias')")
        w = params.projections[p]
        name = f"syn_{connection_id(proj.name)}"
        if params.areas[proj.source].spiking:
            parts.objects += _split_connect(parts.groups[proj.source], parts.groups[proj.target], w, K,
                                            proj.synapse.kind, bdt, name, proj.delay)
        else:  # a rate area drives Poisson sources at scale * W @ r Hz, written by the step operation
            source = brian2.NeuronGroup(K * target.n, "rate : Hz", threshold="rand() < rate*dt", dt=bdt,
                                        namespace={}, name=f"poisson_{name}")
            syn = brian2.Synapses(source, parts.groups[proj.target], on_pre="s_exc_post += input_weight_post",
                                  namespace={}, dt=bdt, name=f"{name}_input")
            syn.connect(j="i")
            parts.objects += [source, syn]
            parts.rate_inputs.append((source.variables["rate"].get_value(), proj.source, w))
    return parts


def _pool(params, name, group, dt) -> list:
    """The inhibitory pool of a competition on a spiking area (winner-take-all, Wang 2002)."""
    spec, K, area = params.spec, params.n_points, params.areas[name]
    neuron, comp = spec.areas[name].neuron, spec.areas[name].competition
    n, m = area.n, pool_size(area.n)
    text = "\n".join(neuron.membrane("s_exc + s_inh") + ["ds_exc/dt = -s_exc/tau_exc : volt",
                                                         "ds_inh/dt = -s_inh/tau_inh : volt", "I_v = 0*mV : volt"]
                     + [f"{c} : {unit} (constant)" for c, (_, unit) in neuron.constants().items()])
    pool = _group(params, name, text, neuron, {}, dt, m, tag="_pool")
    _set_constants(pool, {c: (np.broadcast_to(v[:, :1], (K, m)), u) for c, (v, u) in area.neuron.items()},
                   {"v": np.broadcast_to(area.neuron["v_rest"][0][:, :1], (K, m)).ravel() * brian2.volt})
    beta = getattr(comp, "beta", 1.0)
    to_pool = np.full((m, n), POOL_EXCITATION * beta / n)
    from_pool = np.full((n, m), -POOL_INHIBITION * beta / m)
    out = [pool, _connect(group, pool, to_pool, K, "s_exc_post += w*mV", dt, f"pool_{name}_in"),
           _connect(pool, group, from_pool, K, "s_inh_post += w*mV", dt, f"pool_{name}_out")]
    alpha = getattr(comp, "alpha", 0.0)
    if alpha:
        out.append(_connect(group, group, np.eye(n) * alpha, K, "s_exc_post += w*mV", dt, f"self_{name}"))
    return out


def spike_results(parts: SpikingParts, params, K: int, times, n_steps: int, dt: float, every) -> tuple:
    """(spike variables and coordinates, binned rates per area (K, T, n) in Hz, final rates (K, n))."""
    spec = params.spec
    offsets = spec.area_slices()
    t_all, unit_all, point_all = [], [], []
    binned, final = {}, {}
    duration = n_steps * dt
    window = min(duration, max(0.1 * duration, 50e-3))
    for name, mon in parts.spikes.items():
        n = params.areas[name].n
        i = np.asarray(mon.i[:], dtype=np.int64)
        t = np.asarray(mon.t[:] / brian2.second)
        point, local = i // n, i % n
        t_all.append(t)
        unit_all.append(local + offsets[name].start)
        point_all.append(point)
        late = t >= duration - window - 1e-12
        final[name] = np.zeros((K, n))
        np.add.at(final[name], (point[late], local[late]), 1.0 / window)
        if times is not None and every:
            edges = np.append(times, duration)
            b = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(times) - 1)
            counts = np.zeros((K, len(times), n))
            np.add.at(counts, (point, b, local), 1.0)
            binned[name] = counts / (every * dt)
    order = np.argsort(np.concatenate(t_all), kind="stable") if t_all else np.zeros(0, int)
    t = np.concatenate(t_all)[order] if t_all else np.zeros(0)
    unit = np.concatenate(unit_all)[order] if t_all else np.zeros(0, int)
    point = np.concatenate(point_all)[order] if t_all else np.zeros(0, int)
    areas = np.asarray([name for name, sl in offsets.items() for _ in range(sl.stop - sl.start)], str)
    data = {"spike_time": (("spike",), t, {"units": "s", "long_name": "spike time"}),
            "spike_unit": (("spike",), unit, {"long_name": "unit that spiked (index along unit)"}),
            "spike_point": (("spike",), point, {"long_name": "batch point of the spike"})}
    coords = {"spike_area": ("spike", areas[unit] if len(unit) else np.zeros(0, str))}
    return data, coords, binned, final


__all__ = ["build_spiking", "spike_results", "SpikingParts", "pool_size"]
