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
spiking area becomes synapses between its neurons (`competition_weights`): the `lateral` model's
inhibition ``beta * w_ij`` is ``20 mV * beta * w_ij`` of inhibition per spike of neuron j onto
neuron i, its ``alpha`` self-excitation likewise. Dale's law is not enforced here: excitatory
neurons inhibit each other directly (a shared inhibitory pool, Wang 2002, would need populations
with recurrent excitation per competing unit; with one neuron per unit a pool inhibits the winner
as much as the losers and selects nothing).

Random numbers (Poisson spikes) come from Brian2's generator, seeded with the run's seed before the
run (`seed_for_run`), so a spiking run repeats exactly for the same seed, batch and target.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import brian2
import numpy as np

from neuroattn.exceptions import BuildError

#: mV per spike for one unit of a competition's coupling on a spiking area (`competition_weights`).
COMPETITION_MV = 20.0


@dataclass
class SpikingParts:
    """What the spiking side of a network adds."""

    groups: dict = field(default_factory=dict)  # area -> NeuronGroup (excitatory neurons)
    objects: list = field(default_factory=list)  # everything else (pools, sources, synapses)
    spikes: dict = field(default_factory=dict)  # area -> SpikeMonitor
    monitors: dict = field(default_factory=dict)  # area -> StateMonitor (v and other state)
    rate_inputs: list = field(default_factory=list)  # (Poisson group rate view, source area, W)
    input_spike: dict = field(default_factory=dict)  # area -> the name of one input spike's weight


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


def _uniform(values: np.ndarray) -> bool:
    flat = np.ravel(values)
    return bool(np.all(flat == flat[0]))


def equations(spec, name: str, neuron, stimuli_on, constants: dict, drive: bool) -> str:
    """The group's equations. `constants` are the per-unit constants (name -> Brian2 unit); the others
    sit in the group's namespace as scalars. `drive`: whether a current input ``I_v`` exists."""
    current, conductance = channels(spec, name)
    terms, lines = [], []
    if current:
        terms.append("s_exc + s_inh")
        lines += ["ds_exc/dt = -s_exc/tau_exc : volt", "ds_inh/dt = -s_inh/tau_inh : volt"]
    if conductance:
        terms.append("g_exc*(E_exc - v) + g_inh*(E_inh - v)")
        lines += ["dg_exc/dt = -g_exc/tau_exc : 1", "dg_inh/dt = -g_inh/tau_inh : 1"]
    if drive:
        terms.append("I_v")
        inputs = ["I0_v"] + [(f"amp_{s}*mV" if st.always_on else f"env_{s}(t)*amp_{s}*mV")
                             for s, st in stimuli_on if st.drive == "current"]
        lines.append(f"I_v = {' + '.join(inputs)} : volt")
    lines = neuron.membrane(" + ".join(terms) if terms else "0*mV") + lines
    lines += [f"rate_{s} : Hz" for s, st in stimuli_on if st.drive == "poisson"]
    lines += [f"in_{p} : Hz" for p, proj in enumerate(spec.projections)
              if proj.target == name and not spec.areas[proj.source].spiking]
    if reads_rate(spec, name):
        lines.append("dr/dt = -r/rate_tau : Hz")
    lines += [f"{c} : {unit} (constant)" for c, unit in constants.items()]
    return "\n".join(lines)


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


def _connect(pre, post, w: np.ndarray, K: int, on_pre: str, dt, name: str, delay: float = 0.0,
             mask: np.ndarray = None):
    """Synapses from `pre` to `post` for weights `w` ((n_post, n_pre) shared or (K, n_post, n_pre)); the
    pairs in `mask` (default: non-zero in some point) become synapses, block-diagonal over the K copies."""
    ws = w if w.ndim == 3 else w[None]
    post_idx, pre_idx = np.nonzero(np.any(ws != 0, axis=0) if mask is None else mask)
    syn = brian2.Synapses(pre, post, model="w : 1", on_pre=on_pre, namespace={}, dt=dt, name=name)
    if len(pre_idx):
        n_t, n_s = ws.shape[1:]
        if K == 1:
            syn.connect(i=pre_idx, j=post_idx)
        else:
            k = np.repeat(np.arange(K), len(pre_idx))
            syn.connect(i=np.tile(pre_idx, K) + k * n_s, j=np.tile(post_idx, K) + k * n_t)
        syn.w = np.broadcast_to(ws[:, post_idx, pre_idx], (K, len(pre_idx))).ravel()
        if delay:
            syn.delay = delay * brian2.second
    return syn


def _split_connect(pre, post, w, K, kind: str, dt, name: str, delay: float) -> list:
    """Excitatory and inhibitory weights as two Synapses objects (as Brian2's CUBA example has them)."""
    ws = w if w.ndim == 3 else w[None]
    out = []
    for sign, channel in ((1, "exc"), (-1, "inh")):
        mask = np.any(ws > 0 if sign > 0 else ws < 0, axis=0)
        if not mask.any():
            continue
        on_pre = f"s_{channel}_post += w*mV" if kind == "current" else f"g_{channel}_post += {sign}*w"
        other = np.any(ws < 0 if sign > 0 else ws > 0)
        part = np.where(sign * ws > 0, ws, 0.0) if other else ws  # single-signed: no copy
        out.append(_connect(pre, post, part, K, on_pre, dt, f"{name}_{channel}", delay, mask=mask))
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
        values = dict(area.neuron)
        currents = [s for s, st in stimuli_on if st.drive == "current"]
        drive = bool(currents) or bool(np.any(area.baseline))
        if drive:
            values["I0_v"] = (area.baseline * 1e-3, "volt")
            values.update({f"amp_{s}": (params.amplitudes[s], "1") for s in currents})
        per_unit = {c: v for c, v in values.items() if not _uniform(v[0])}  # the rest: namespace scalars
        namespace.update({c: float(np.ravel(v)[0]) * (getattr(brian2, u) if u != "1" else 1.0)
                          for c, (v, u) in values.items() if c not in per_unit})
        text = equations(spec, name, neuron, stimuli_on, {c: u for c, (_, u) in per_unit.items()}, drive)
        group = _group(params, name, text, neuron, namespace, bdt, area.n)
        v0 = area.neuron["v_rest"][0] + 1e-3 * area.u0  # u0: the start potential above v_rest, in mV
        _set_constants(group, per_unit, {"v": v0.ravel() * brian2.volt})
        parts.groups[name] = group
        parts.input_spike[name] = "input_weight"
        for s, st in stimuli_on:  # a Poisson count of input spikes per neuron and step, at the stimulus value in Hz
            if st.drive != "poisson":
                continue
            if np.any(params.amplitudes[s] < 0):
                raise BuildError(f"stimuli[{s}].amplitude: a Poisson rate must not be negative (Hz)")
            group.variables[f"rate_{s}"].set_value(params.amplitudes[s].ravel())
            rate = f"rate_{s}" if st.always_on else f"env_{s}(t)*rate_{s}"
            parts.objects.append(group.run_regularly(f"s_exc += {parts.input_spike[name]}*poisson({rate}*dt)",
                                                     when="before_synapses", name=f"poisson_{s}"))
        comp = spec.areas[name].competition
        if comp is not None:
            w = competition_weights(area_with_competition(params, name, comp), comp)
            parts.objects += _split_connect(group, group, w, K, "current", bdt, f"competition_{name}", 0.0)
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
        else:  # a rate area drives Poisson input at scale * W @ r Hz, written by the step operation
            group = parts.groups[proj.target]
            parts.objects.append(group.run_regularly(f"s_exc += {parts.input_spike[proj.target]}*poisson(in_{p}*dt)",
                                                     when="before_synapses", name=f"poisson_{name}"))
            parts.rate_inputs.append((group.variables[f"in_{p}"].get_value(), proj.source, w))
    return parts


def competition_weights(area_params, comp) -> np.ndarray:
    """The competition's coupling in spiking form, (K, n, n) in mV per spike: ``COMPETITION_MV`` times
    the linearisation of its ``g`` at rest (r = 0, rec = 0, I = 1), ``dg_i/dr_j = dg/drec_i * c_ij +
    [i = j] dg/dr_i``, so the `lateral` model's ``-beta*rec`` becomes inhibition of ``beta*w_ij`` units
    between neurons and its ``alpha`` self-excitation."""
    c = area_params.constants
    K, n = next(iter(c.values())).shape if c else (1, area_params.n)
    coupling = area_params.coupling if area_params.coupling.ndim == 3 else area_params.coupling[None]
    out = np.empty((K, n, n))
    for k in range(K):
        ck = {name: v[k] for name, v in c.items()}
        zero = np.zeros(n)
        g_r, g_rec, _ = comp.partials(zero, zero, np.ones(n), ck)
        out[k] = np.asarray(g_rec)[:, None] * coupling[min(k, len(coupling) - 1)] + np.diag(np.asarray(g_r) * np.ones(n))
    return COMPETITION_MV * out


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


def area_with_competition(params, name, comp):
    """The competition's per-unit constants and coupling for a spiking area (rate areas have them in
    `AreaParams`; a spiking area's competition is computed here, from every point's spec)."""
    from types import SimpleNamespace

    from neuroattn.spec.dynamics import MatrixCache

    cache, per = MatrixCache(), [s.areas[name] for s in params.specs]
    derived = [cache.get((a.competition.weights, a.features), (a.n,) + a.competition.structure(),
                         lambda a=a: a.competition.coupling(a.weight_matrix())) for a in per]
    constants = [a.competition.constant_values(d, a.n) for a, d in zip(per, derived)]
    return SimpleNamespace(n=per[0].n, coupling=np.stack([d["rec"] for d in derived]),
                           constants={k: np.stack([c[k] for c in constants]) for k in constants[0]})


__all__ = ["build_spiking", "spike_results", "SpikingParts", "competition_weights", "COMPETITION_MV"]
