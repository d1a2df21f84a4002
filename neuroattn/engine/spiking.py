"""Spiking areas: NeuronGroups with threshold, reset and refractoriness; Synapses; Poisson inputs.

A spiking area is one NeuronGroup of K·n neurons of its `NeuronModel` (K batch copies). What enters
its membrane equation is built from what reaches it: current synapses (``s_exc``, ``s_inh``, volts),
conductance synapses (``g_exc``, ``g_inh``, relative to the leak), Poisson input (a Poisson count of
input spikes per neuron and step, each adding ``input_weight`` to ``s_exc``, as Brian2's
PoissonInput) and current stimuli (``I_v``).
Its rate ``r`` (Hz), the spike train filtered with ``rate_tau``, exists where something reads it (a
rate area, a gate). Projections between spiking areas are `Synapses` built from the projection's
weight matrix (each non-zero weight one synapse, excitatory and inhibitory weights in separate
objects, with the projection's delay). A rate area drives a spiking area through Poisson input at
``input_rate * scale * W @ r``, which the step operation writes each step; a gain projection
multiplies the target's input (Poisson and projection synapses) by ``max(0, 1 + scale * W @ r)``, a
spiking source's ``r`` read in Hz. Stimulus noise (OU, the same seeded numbers as on a rate area)
adds to a Poisson stimulus's value. A competition model on a spiking area becomes synapses between
its neurons (`competition_weights`): the `lateral` model's inhibition ``beta * w_ij`` is
``competition_weight * beta * w_ij`` of inhibition per spike of neuron j onto neuron i (20 mV by
default), its ``alpha`` self-excitation likewise; competition synapses are not gain-modulated.
With ``inhibition: pool`` the competition goes through a pool of inhibitory neurons instead
(`_pool_numbers`: Dale's law, Wang 2002).

Random numbers (Poisson counts) come from Brian2's generator, seeded with the batch's first seed
before the run (`engine.simulation`), so a spiking run repeats exactly for the same seed, batch and
target.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import brian2
import numpy as np

from neuroattn.engine.groups import AreaSlice, concatenate
from neuroattn.exceptions import BuildError


@dataclass
class SpikingParts:
    """What the spiking side of a network adds. Spiking areas with identical equations and constants
    share one NeuronGroup (a block of K*n neurons each), and their connections of one kind share one
    Synapses object, so a network of many areas costs Brian2 few objects per step."""

    groups: dict = field(default_factory=dict)  # area -> AreaSlice of its group
    clusters: list = field(default_factory=list)  # (NeuronGroup, {area: start index}) per shared group
    objects: list = field(default_factory=list)  # groups, synapses, Poisson inputs
    spikes: dict = field(default_factory=dict)  # cluster index -> SpikeMonitor
    monitors: dict = field(default_factory=dict)  # area -> StateMonitor (v and other state)
    rate_inputs: list = field(default_factory=list)  # (in_<p> view, source rate area, W): Poisson drive
    gain_inputs: list = field(default_factory=list)  # (gain_<p> view, source rate area, W)
    stdp: dict = field(default_factory=dict)  # projection name -> (Synapses, point, post, pre, shape, monitor)
    record_weights_every: Optional[int] = None  # steps between STDP weight snapshots (None: none)
    gates: list = field(default_factory=list)  # (gate view on the target, gate rule, target area)
    values: list = field(default_factory=list)  # callables params -> [(object, variable, values)]
    results: Optional[tuple] = None  # (spike variables, coordinates) once the run is collected


def channels(spec, name: str) -> tuple[bool, bool]:
    """(current inputs, conductance inputs) reaching spiking area `name`."""
    into = [p for p in spec.projections if p.target == name]
    current = any(p.synapse.kind == "current" or not spec.areas[p.source].spiking for p in into) \
        or any(s.area == name and s.drive == "poisson" for s in spec.stimuli) \
        or spec.areas[name].competition is not None
    conductance = any(p.synapse.kind == "conductance" and spec.areas[p.source].spiking for p in into)
    return current, conductance


def gain_inputs(spec, name: str) -> list[str]:
    """The variables of the gain projections onto spiking area `name` (``gain_<p>``, dimensionless)."""
    return [f"gain_{p}" for p, proj in enumerate(spec.projections) if proj.target == name and proj.mode == "gain"]


def poisson_terms(spec, name: str, stimuli_on) -> list[str]:
    """The terms of area `name`'s Poisson input, in units of ``input_rate``."""
    terms = []
    for s, st in stimuli_on:
        if st.drive != "poisson":
            continue
        value = f"rate_{s}" if st.noise is None else f"(rate_{s} + eta_{s})"
        terms.append(value if st.always_on else f"env_{s}(t)*{value}")
    return terms + [f"in_{p}" for p, proj in enumerate(spec.projections)
                    if proj.target == name and proj.mode == "bias" and not spec.areas[proj.source].spiking]


def reads_rate(spec, name: str) -> bool:
    """Does anything read area `name`'s filtered rate (a rate area it projects to, a gate)?"""
    if any(p.source == name and (not spec.areas[p.target].spiking or p.mode == "gain") for p in spec.projections):
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
    lines += [f"rate_{s} : 1" for s, st in stimuli_on if st.drive == "poisson"]
    lines += [f"eta_{s} : 1" for s, st in stimuli_on if st.noise is not None]
    lines += [f"gate_{p} : 1" for p, proj in enumerate(spec.projections) if proj.target == name
              and getattr(proj.plasticity, "gate", None) is not None]
    lines += [f"in_{p} : 1" for p, proj in enumerate(spec.projections)
              if proj.target == name and proj.mode == "bias" and not spec.areas[proj.source].spiking]
    gains = gain_inputs(spec, name)
    lines += [f"{g} : 1" for g in gains]
    lines.append(f"gain = clip(1 + {' + '.join(gains)}, 0, inf) : 1" if gains else "gain = 1 : 1")
    if reads_rate(spec, name):
        lines.append("dr/dt = -r/rate_tau : Hz")
    lines += [f"{c} : {unit} (constant)" for c, unit in constants.items()]
    return "\n".join(lines)


def _reset(neuron, spec, name) -> str:
    return neuron.reset + ("; r += 1/rate_tau" if reads_rate(spec, name) else "")


def _pairs(w: np.ndarray, K: int, sign: int, start_pre: int, start_post: int, n_pre: int, n_post: int):
    """Global (pre, post, weight) of the synapses of one sign in weights `w` across the K copies."""
    ws = w if w.ndim == 3 else w[None]
    post_idx, pre_idx = np.nonzero(np.any(ws > 0 if sign > 0 else ws < 0, axis=0))
    values = ws[:, post_idx, pre_idx]
    if np.any(values * sign < 0):
        values = np.where(values * sign > 0, values, 0.0)
    k = np.repeat(np.arange(K), len(pre_idx))
    pre = np.tile(pre_idx, K) + k * n_pre + start_pre
    post = np.tile(post_idx, K) + k * n_post + start_post
    return pre, post, np.broadcast_to(values, (K, len(pre_idx))).ravel()


def _area_values(params, name: str) -> dict:
    """Every number of spiking area `name` that may differ between points: constant -> ((K, n), unit)."""
    spec, area = params.spec, params.areas[name]
    values = dict(area.neuron)
    currents = [s for s, st in enumerate(spec.stimuli) if st.area == name and st.drive == "current"]
    pool = _pool_numbers(params, name) if has_pool(spec, name) else None
    if currents or np.any(area.baseline) or pool is not None:
        offset = 0.0 if pool is None else pool["compensation"][:, None]  # the pool's tonic inhibition, undone
        values["I0_v"] = (area.baseline * 1e-3 + offset, "volt")
        values.update({f"amp_{s}": (params.amplitudes[s], "1") for s in currents})
    return values


def _quantity(values: np.ndarray, unit: str):
    return values * getattr(brian2, unit) if unit != "1" else values


def _prepare(params, name: str, n_steps: int, dt: float, bdt, standalone: bool, every_constant: bool) -> tuple:
    """(cluster key, equations, namespace, per-unit constants, neuron, its stimuli) of one spiking area.
    Constants equal on every unit and point are namespace scalars, unless `every_constant` (a program
    compiled once, whose numbers change between runs) makes them all per-unit."""
    spec = params.spec
    neuron = spec.areas[name].neuron
    stimuli_on = [(s, st) for s, st in enumerate(spec.stimuli) if st.area == name]
    namespace = {}
    for s, st in stimuli_on:
        if st.noise is not None and (standalone or st.drive != "poisson"):
            raise BuildError(f"stimuli[{s}].noise: noise on a spiking area modulates a Poisson rate "
                             "(drive: poisson) on a runtime target (numpy or cython)")
        if st.patterns is not None and st.drive != "poisson":
            raise BuildError(f"stimuli[{s}].drive: patterns on spiking areas are Poisson rates (drive: poisson)")
        if st.drive == "poisson" and np.any(params.amplitudes[s] < 0):
            raise BuildError(f"stimuli[{s}].amplitude: a Poisson rate must not be negative (Hz)")
        if not st.always_on:
            namespace[f"env_{s}"] = brian2.TimedArray(st.envelope(n_steps, dt), dt=bdt, name=f"env_{s}")
    values = _area_values(params, name)
    drive = "I0_v" in values
    per_unit = {c: u for c, (v, u) in values.items() if every_constant or not _uniform(v)}  # the rest: scalars
    namespace.update({c: _quantity(float(np.ravel(v)[0]), u) for c, (v, u) in values.items() if c not in per_unit})
    text = equations(spec, name, neuron, stimuli_on, per_unit, drive)
    scalars = tuple(sorted((k, repr(v)) for k, v in namespace.items() if not isinstance(v, brian2.TimedArray)))
    timed = tuple(sorted(k for k, v in namespace.items() if isinstance(v, brian2.TimedArray)))
    key = (text, neuron.threshold, _reset(neuron, spec, name), scalars, timed)
    return key, text, namespace, per_unit, neuron, stimuli_on


def build_spiking(params, *, dt: float, n_steps: int, record: tuple, record_every, bdt,
                  standalone: bool = False, every_constant: bool = False,
                  record_weights_every: Optional[int] = None) -> SpikingParts:
    """Groups, Poisson inputs, synapses and spike monitors of every spiking area of `params`, with their
    numbers set (`spiking_values`). `every_constant`: every neuron parameter a per-unit constant, so that
    a compiled program can take other numbers with ``run_args``."""
    spec, K = params.spec, params.n_points
    parts = SpikingParts(record_weights_every=record_weights_every)
    prepared = {name: _prepare(params, name, n_steps, dt, bdt, standalone, every_constant)
                for name, a in params.areas.items() if a.spiking}
    clusters: dict = {}
    for name, (key, *_) in prepared.items():
        clusters.setdefault(key, []).append(name)
    for c, names in enumerate(clusters.values()):
        _, text, namespace, per_unit, neuron, _ = prepared[names[0]]
        sizes = {n: K * params.areas[n].n for n in names}
        starts = dict(zip(names, np.cumsum([0] + list(sizes.values()))[:-1].tolist()))
        label = "_".join(names)
        try:
            group = brian2.NeuronGroup(sum(sizes.values()), text, threshold=neuron.threshold,
                                       reset=_reset(neuron, spec, names[0]), refractory="t_ref", method="euler",
                                       namespace=namespace, dt=bdt, name=f"area_{label}")
        except Exception as err:
            raise BuildError(f"areas.{names[0]}.neuron: Brian2 cannot build this area "
                             f"({' '.join(str(err).split())})") from err
        for name in names:
            sl = slice(starts[name], starts[name] + sizes[name])
            parts.groups[name] = AreaSlice(group, starts[name], sizes[name])
            if record_every is not None:
                here = [v for v in record if v in group.variables and v not in ("r", "u", "I")]
                if here:
                    parts.monitors[name] = brian2.StateMonitor(group, here, record=np.arange(sl.start, sl.stop),
                                                               dt=record_every * bdt, when="start", order=0,
                                                               name=f"monitor_{name}")
        parts.values.append(_group_values(group, names, per_unit, [prepared[n][5] for n in names]))
        rates = poisson_terms(spec, names[0], prepared[names[0]][5])  # the same for every area of the cluster
        parts.objects.append(group)
        if rates:  # one Poisson count per neuron and step for all Poisson input (a sum of Poissons is Poisson)
            parts.objects.append(group.run_regularly(
                f"s_exc += input_weight*gain*poisson(input_rate*clip({' + '.join(rates)}, 0, inf)*dt)",
                when="before_synapses", name=f"poisson_{label}"))
        parts.clusters.append((group, starts))
        parts.spikes[c] = brian2.SpikeMonitor(group, name=f"spikes_{label}")
    for name in parts.groups:
        if has_pool(spec, name):
            _pool(params, parts, name, bdt)
    _synapses(params, parts, bdt)
    for owner, var, value in spiking_values(params, parts):
        setattr(owner, var, value)
    return parts


def connectivity_key(params) -> str:
    """A digest of which synapses a spiking network has (the sign pattern of every synaptic weight
    matrix across the batch): a compiled program fits any weights with the same synapses."""
    import hashlib

    digest = hashlib.sha256()
    for p, proj in enumerate(params.spec.projections):
        if params.areas[proj.source].spiking and params.areas[proj.target].spiking:
            w = params.projections[p] if params.projections[p].ndim == 3 else params.projections[p][None]
            for mask in (np.any(w > 0, axis=0), np.any(w < 0, axis=0)):
                digest.update(np.packbits(mask).tobytes())
    for name, area in params.areas.items():
        comp = params.spec.areas[name].competition
        if area.spiking and comp is not None:
            w = competition_weights(area_with_competition(params, name, comp), comp, area.neuron["competition_weight"][0])
            for mask in (np.any(w > 0, axis=0), np.any(w < 0, axis=0)):
                digest.update(np.packbits(mask).tobytes())
    return digest.hexdigest()


#: C++ put into a compiled program's main before the run: Brian2's generators seeded from
#: ``NEUROATTN_SEED`` (set for each run), so one program runs every chunk with its own seed.
SEED_FROM_ENVIRONMENT = """{
    const char* _neuroattn_seed = std::getenv("NEUROATTN_SEED");
    if (_neuroattn_seed != 0)
        for (int _i = 0; _i < %d; _i++)
            brian::_random_generators[_i].seed(std::strtoul(_neuroattn_seed, 0, 10) + _i);
}"""


def spiking_values(params, parts: SpikingParts) -> list:
    """(Brian2 object, variable, values) for every number of the spiking side that may differ between
    batches of one structure: neuron constants, start potentials, Poisson rates, synaptic weights and
    STDP constants. The build sets them; a compiled program takes them as ``run_args``."""
    return [item for values in parts.values for item in values(params)]


def _group_values(group, names: list, per_unit: dict, stimuli: list):
    """The values of one (shared) group: its areas' blocks, in order, for each per-unit variable."""
    def values(params) -> list:
        out = {}
        for name, stimuli_on in zip(names, stimuli):
            area = params.areas[name]
            numbers = _area_values(params, name)
            blocks = {c: _quantity(np.ravel(numbers[c][0]), unit) for c, unit in per_unit.items()}
            blocks["v"] = (area.neuron["v_rest"][0] + 1e-3 * area.u0).ravel() * brian2.volt  # u0: mV above rest
            for s, st in stimuli_on:
                if st.drive == "poisson" and st.patterns is None:  # pattern rates: written each step
                    blocks[f"rate_{s}"] = params.amplitudes[s].ravel()
            for var, block in blocks.items():
                out.setdefault(var, []).append(block)
        return [(group, var, concatenate(blocks)) for var, blocks in out.items()]
    return values


def connections(params, groups: dict) -> dict:
    """Every synaptic connection onto spiking areas from spiking areas but STDP and gain projections:
    (source group name, target group name, kind, channel) -> (source group, target group, chunks), each
    chunk (pre, post, weights, delay) of one projection or competition across the K points."""
    spec, K = params.spec, params.n_points
    found: dict = {}

    def add(source: str, target: str, w: np.ndarray, kind: str, delay: float) -> None:
        src, tgt = groups[source], groups[target]
        for sign, channel in ((1, "exc"), (-1, "inh")):
            pre, post, values = _pairs(w, K, sign, src.start, tgt.start, params.areas[source].n,
                                       params.areas[target].n)
            if len(pre):
                entry = found.setdefault((src.group.name, tgt.group.name, kind, channel), (src.group, tgt.group, []))
                entry[2].append((pre, post, values, delay))

    for name, area in params.areas.items():
        comp = spec.areas[name].competition
        if area.spiking and comp is not None and has_pool(spec, name):  # the rest goes through the pool
            autapse = _pool_numbers(params, name)["autapse"]
            add(name, name, 1e3 * autapse[:, :, None] * np.eye(autapse.shape[1]), "competition", 0.0)
        elif area.spiking and comp is not None:  # not gain-modulated, as rec in a rate area's E
            add(name, name, competition_weights(area_with_competition(params, name, comp), comp,
                                               area.neuron["competition_weight"][0]), "competition", 0.0)
    for p, proj in enumerate(spec.projections):
        if params.areas[proj.target].spiking and params.areas[proj.source].spiking and proj.mode == "bias" \
                and proj.plasticity is None:
            add(proj.source, proj.target, params.projections[p], proj.synapse.kind, proj.delay)
    return found


def jump_code(kind: str, channel: str, weight: str = "w") -> str:
    """What a spike of a synapse of `kind` (``competition``, ``current`` or ``conductance``) with
    `weight` does to its post neuron's `channel` (``exc`` or ``inh``, the weight's sign): a current
    synapse jumps ``s_<channel>`` by the weight in mV, a conductance synapse ``g_<channel>`` by its
    magnitude; both gain-modulated (competition synapses are not)."""
    sign = 1 if channel == "exc" else -1
    return {"competition": f"s_{channel}_post += {weight}*mV",
            "current": f"s_{channel}_post += {weight}*gain_post*mV",
            "conductance": f"g_{channel}_post += {sign}*{weight}*gain_post"}[kind]


def _synapses(params, parts: SpikingParts, bdt) -> None:
    """Every connection onto spiking areas: one Synapses object per (source group, target group, kind,
    sign), with each synapse's delay; rate areas drive Poisson input instead."""
    spec = params.spec
    for p, proj in enumerate(spec.projections):
        if not params.areas[proj.target].spiking:
            continue
        if proj.plasticity is not None and not proj.plasticity.event_based:
            raise BuildError(f"projections[{p}].plasticity: rate rules onto spiking areas are not supported "
                             "(use stdp between spiking areas)")
        if proj.mode == "gain":
            if proj.plasticity is not None:
                raise BuildError(f"projections[{p}].plasticity: a gain projection onto a spiking area is not plastic")
            if params.areas[proj.source].spiking:  # gain_<p> = W @ r (Hz), summed by Brian2
                parts.objects.append(_gain_synapses(params, parts, p, bdt))
            else:  # written by the step operation
                parts.gain_inputs.append((parts.groups[proj.target].variables[f"gain_{p}"].get_value(),
                                          proj.source, params.projections[p]))
        elif params.areas[proj.source].spiking and proj.plasticity is not None:
            parts.objects.append(_stdp(params, parts, p, bdt))
        elif not params.areas[proj.source].spiking:  # Poisson input at input_rate * scale * W @ r
            view = parts.groups[proj.target].variables[f"in_{p}"].get_value()
            parts.rate_inputs.append((view, proj.source, params.projections[p]))

    made = {}  # connection key -> its Synapses
    for key, (pre_group, post_group, chunks) in connections(params, parts.groups).items():
        pre_name, post_name, kind, channel = key
        syn = brian2.Synapses(pre_group, post_group, model="w : 1", on_pre=jump_code(kind, channel), namespace={}, dt=bdt,
                              name=f"syn_{pre_name}_{post_name}_{kind}_{channel}")
        syn.connect(i=np.concatenate([c[0] for c in chunks]), j=np.concatenate([c[1] for c in chunks]))
        if any(c[3] for c in chunks):
            syn.delay = np.concatenate([np.full(len(c[0]), c[3]) for c in chunks]) * brian2.second
        parts.objects.append(syn)
        made[key] = syn

    def weights(params) -> list:  # every merged Synapses' weights from one pass over the connections
        found = connections(params, parts.groups)
        return [(syn, "w", np.concatenate([c[2] for c in found[key][2]])) for key, syn in made.items()]
    if made:
        parts.values.append(weights)


def has_pool(spec, name: str) -> bool:
    """Does spiking area `name` compete through an inhibitory pool?"""
    area = spec.areas[name]
    return area.neuron is not None and area.competition is not None and area.neuron.inhibition == "pool"


def _pool_numbers(params, name: str) -> dict:
    """The pool circuit of area `name`, per point, in SI units (module docstring of `neurons`).

    The competition's coupling C (``competition_weights``, volts per spike) must be uniform off the
    diagonal, ``C_ij = -c`` (c >= 0): the pool then inhibits every neuron by ``c`` per spike of any
    neuron, its own included, and an autapse of ``C_ii + c`` gives each neuron back its own part.
    The autapse's ``c`` is larger by ``exp(t_ref / tau_exc)``: it comes while its neuron is refractory
    (and decays meanwhile), the pool's inhibition by the neuron's own spike only after.
    A pool neuron (LIF, no refractory period) fires at ``pool_rate`` under a constant depolarisation
    ``V0``; its rate's slope there is ``s``. Each spike of the area jumps the pool's input by ``J_ep``
    (so that the whole area at ``pool_rate`` would add a quarter of ``V0 - threshold``), and each pool
    spike inhibits by ``J_pe = c / (pool_size * s * J_ep * tau_exc)``, which makes the mean inhibition
    ``c * tau_inh * sum_j r_j``, as the direct circuit's. The pool's tonic inhibition,
    ``J_pe * tau_inh * pool_size * pool_rate``, is added back to the area's drive."""
    from scipy.optimize import brentq

    spec, area = params.spec, params.areas[name]
    comp = spec.areas[name].competition
    C = 1e-3 * competition_weights(area_with_competition(params, name, comp), comp, area.neuron["competition_weight"][0])
    K, n = C.shape[:2]
    off = C[:, ~np.eye(n, dtype=bool)].reshape(K, -1) if n > 1 else np.zeros((K, 1))
    if np.any(np.abs(off - off[:, :1]) > 1e-9 * np.maximum(np.abs(off[:, :1]), 1e-12)) or np.any(off > 0):
        raise BuildError(f"areas.{name}.neuron.inhibition: a pool gives every neuron the same inhibition; this "
                         "competition's coupling is not uniform inhibition between units (use inhibition: direct)")
    c = -off[:, 0]
    autapse = np.diagonal(C, axis1=1, axis2=2) + c[:, None]  # checked before the refractory correction below
    if np.any(autapse < -1e-12):
        raise BuildError(f"areas.{name}.neuron.inhibition: with a pool each neuron would inhibit itself "
                         "(its own coupling is below the others'); use inhibition: direct")
    first = {k: np.asarray(v)[:, 0] if np.ndim(v) == 2 else np.full(K, float(np.ravel(v)[0]))
             for k, (v, _) in area.neuron.items()}
    size = spec.areas[name].neuron.pool_size
    V0, slope, J_ep, J_pe = (np.empty(K) for _ in range(4))
    for k in range(K):
        a, b = first["v_reset"][k] - first["v_rest"][k], first["v_threshold"][k] - first["v_rest"][k]
        tau, rate0 = first["tau_m"][k], first["pool_rate"][k]

        def rate(v, a=a, b=b, tau=tau):
            return 1.0 / (tau * np.log((v - a) / (v - b)))
        V0[k] = brentq(lambda v: rate(v) - rate0, b * (1 + 1e-12) + 1e-15, b + 1e3 * (b - a))
        L = np.log((V0[k] - a) / (V0[k] - b))
        slope[k] = (b - a) / (tau * L ** 2 * (V0[k] - a) * (V0[k] - b))
        J_ep[k] = (V0[k] - b) / (4 * n * first["tau_exc"][k] * rate0)
        J_pe[k] = c[k] / (size * slope[k] * J_ep[k] * first["tau_exc"][k])
    # the pool's inhibition of a neuron by its own spike comes after its refractory period, the autapse's
    # excitation during it (v clamped), losing a fraction: that part of the autapse is larger to match
    autapse = np.diagonal(C, axis1=1, axis2=2) + (c * np.exp(first["t_ref"] / first["tau_exc"]))[:, None]
    return {"c": c, "autapse": autapse, "V0": V0, "J_ep": J_ep, "J_pe": J_pe, "size": size, "first": first,
            "compensation": J_pe * first["tau_inh"] * size * first["pool_rate"]}


def _pool(params, parts: SpikingParts, name: str, bdt) -> None:
    """The inhibitory pool of area `name`: ``pool_size`` LIF neurons per point, all-to-all with the area."""
    K, n = params.n_points, params.areas[name].n
    size = params.spec.areas[name].neuron.pool_size
    consts = ("v_rest", "v_threshold", "v_reset", "tau_m", "tau_exc")
    text = "\n".join(["dv/dt = (v_rest - v + V0 + s_exc)/tau_m : volt", "ds_exc/dt = -s_exc/tau_exc : volt",
                      "V0 : volt (constant)", *[f"{c} : {'second' if c.startswith('tau') else 'volt'} (constant)"
                                                for c in consts]])
    pool = brian2.NeuronGroup(K * size, text, threshold="v > v_threshold", reset="v = v_reset", method="euler",
                              namespace={}, dt=bdt, name=f"pool_{name}")
    area = parts.groups[name]
    point_e, point_p = np.repeat(np.arange(K), n * size), np.repeat(np.arange(K), size * n)
    e_in = np.tile(np.repeat(np.arange(n), size), K)
    p_in = np.tile(np.tile(np.arange(size), n), K)
    to_pool = brian2.Synapses(area.group, pool, model="w : 1 (constant)", on_pre="s_exc_post += w*mV",
                              namespace={}, dt=bdt, name=f"to_pool_{name}")
    to_pool.connect(i=area.start + point_e * n + e_in, j=point_e * size + p_in)
    from_pool = brian2.Synapses(pool, area.group, model="w : 1 (constant)", on_pre="s_inh_post += w*mV",
                                namespace={}, dt=bdt, name=f"from_pool_{name}")
    from_pool.connect(i=point_p * size + p_in, j=area.start + point_p * n + e_in)

    def values(params) -> list:
        numbers = _pool_numbers(params, name)
        first = numbers["first"]
        point = np.repeat(np.arange(K), size)
        phase = np.tile((np.arange(size) + 0.5) / size, K)  # start potentials spread over the interval
        v0 = first["v_reset"][point] + phase * (first["v_threshold"][point] - first["v_reset"][point])
        out = [(pool, "V0", numbers["V0"][point] * brian2.volt), (pool, "v", v0 * brian2.volt),
               (to_pool, "w", 1e3 * numbers["J_ep"][point_e]), (from_pool, "w", -1e3 * numbers["J_pe"][point_p])]
        return out + [(pool, c, first[c][point] * (brian2.second if c.startswith("tau") else brian2.volt))
                      for c in consts]
    parts.values.append(values)
    parts.objects += [pool, to_pool, from_pool]


def _projection_pairs(params, p: int):
    """(post, pre) within one point of projection `p`'s non-zero weights (of any point), and its (K, n, n)."""
    w = params.projections[p] if params.projections[p].ndim == 3 else params.projections[p][None]
    post_idx, pre_idx = np.nonzero(np.any(w != 0, axis=0))
    return post_idx, pre_idx, w


def _gain_synapses(params, parts: SpikingParts, p: int, bdt):
    """Gain projection `p` from a spiking area: ``gain_<p> = W @ r`` (r in Hz) as a summed variable."""
    spec, K = params.spec, params.n_points
    proj = spec.projections[p]
    src, tgt = parts.groups[proj.source], parts.groups[proj.target]
    post_idx, pre_idx, _ = _projection_pairs(params, p)
    point = np.repeat(np.arange(K), len(pre_idx))
    syn = brian2.Synapses(src.subgroup(), tgt.subgroup(), model=f"w : 1 (constant)\ngain_{p}_post = w*r_pre/Hz : 1 (summed)",
                          namespace={}, dt=bdt, name=f"gain_{p}")
    n_pre, n_post = params.areas[proj.source].n, params.areas[proj.target].n
    syn.connect(i=np.tile(pre_idx, K) + point * n_pre, j=np.tile(post_idx, K) + point * n_post)

    def values(params) -> list:
        w = _projection_pairs(params, p)[2]
        return [(syn, "w", np.broadcast_to(w[:, post_idx, pre_idx], (K, len(pre_idx))).ravel())]
    parts.values.append(values)
    return syn


def _stdp(params, parts: SpikingParts, p: int, bdt):
    """The Synapses of projection `p` with pair-based additive STDP (traces, event-driven), one weight
    per non-zero initial weight of some point; the rule's numbers are per-synapse constants, so the
    points of a batch may differ in them. A pre spike acts as the projection's synapse kind does
    (`jump_code`: ``s_exc`` for current synapses, ``g_exc`` for conductance synapses), with the weight
    before that spike's own update."""
    spec, K = params.spec, params.n_points
    proj = spec.projections[p]
    rule = proj.plasticity
    src, tgt = parts.groups[proj.source], parts.groups[proj.target]
    n_pre, n_post = params.areas[proj.source].n, params.areas[proj.target].n
    post_idx, pre_idx, _ = _projection_pairs(params, p)
    point = np.repeat(np.arange(K), len(pre_idx))
    gate = f"gate_{p}_post*" if rule.gate is not None else ""
    model = """w : 1
               eta : 1 (constant)
               A_plus : 1 (constant)
               A_minus : 1 (constant)
               w_lo : 1 (constant)
               w_hi : 1 (constant)
               tau_plus : second (constant)
               tau_minus : second (constant)
               dapre/dt = -apre/tau_plus : 1 (event-driven)
               dapost/dt = -apost/tau_minus : 1 (event-driven)"""
    if rule.w_min is None:  # weights in [0, w_max]: excitatory
        jump = jump_code(proj.synapse.kind, "exc")
    else:  # a lower bound may be negative: a weight acts on the channel of its sign at each spike
        jump = "; ".join(jump_code(proj.synapse.kind, channel, f"clip(w, {lo}, {hi})")
                         for channel, lo, hi in (("exc", 0, "inf"), ("inh", "-inf", 0)))
    syn = brian2.Synapses(src.group, tgt.group, model=model, namespace={}, dt=bdt,
                          on_pre=f"{jump}; apre += A_plus; w = clip(w - eta*{gate}apost, w_lo, w_hi)",
                          on_post=f"apost += A_minus; w = clip(w + eta*{gate}apre, w_lo, w_hi)",
                          name=f"stdp_{p}")
    syn.connect(i=np.tile(pre_idx, K) + point * n_pre + src.start, j=np.tile(post_idx, K) + point * n_post + tgt.start)
    if proj.delay:
        syn.delay = proj.delay * brian2.second

    def values(params) -> list:
        w = _projection_pairs(params, p)[2]
        c = params.projection_rules[p].constants
        lo, hi = c.get("w_min", np.zeros(K)), c.get("w_max", np.full(K, np.inf))
        return [(syn, "w", np.clip(np.broadcast_to(w[:, post_idx, pre_idx], (K, len(pre_idx))).ravel(),
                                   lo[point], hi[point])),
                (syn, "eta", c["rate"][point]), (syn, "A_plus", c["A_plus"][point]),
                (syn, "A_minus", c["A_minus"][point]), (syn, "w_lo", lo[point]), (syn, "w_hi", hi[point]),
                (syn, "tau_plus", c["tau_plus"][point] * brian2.second),
                (syn, "tau_minus", c["tau_minus"][point] * brian2.second)]
    parts.values.append(values)
    monitor = None
    if parts.record_weights_every:  # snapshots before each interval's updates, as for rate rules
        monitor = brian2.StateMonitor(syn, "w", record=True, dt=parts.record_weights_every * bdt, when="start",
                                      order=0, name=f"weights_{p}")
        parts.objects.append(monitor)
    parts.stdp[proj.name] = (syn, point, np.tile(post_idx, K), np.tile(pre_idx, K), (K, n_post, n_pre), monitor)
    if rule.gate is not None:
        parts.gates.append((tgt.variables[f"gate_{p}"].get_value(), rule.gate, proj.target))
    return syn


def competition_weights(area_params, comp, scale: np.ndarray) -> np.ndarray:
    """The competition's coupling in spiking form, (K, n, n) in mV per spike: the target neuron's
    ``competition_weight`` (`scale`, (K, n) volts) times the linearisation of its ``g`` at rest (r = 0,
    rec = 0, I = 1), ``dg_i/dr_j = dg/drec_i * c_ij + [i = j] dg/dr_i``, so the `lateral` model's
    ``-beta*rec`` becomes inhibition of ``beta*w_ij`` units between neurons and its ``alpha``
    self-excitation."""
    c = area_params.constants
    K, n = next(iter(c.values())).shape if c else (1, area_params.n)
    coupling = area_params.coupling if area_params.coupling.ndim == 3 else area_params.coupling[None]
    K = max(K, len(scale))
    out = np.empty((K, n, n))
    for k in range(K):
        ck = {name: v[min(k, len(v) - 1)] for name, v in c.items()}
        zero = np.zeros(n)
        g_r, g_rec, _ = comp.partials(zero, zero, np.ones(n), ck)
        out[k] = np.asarray(g_rec)[:, None] * coupling[min(k, len(coupling) - 1)] + np.diag(np.asarray(g_r) * np.ones(n))
        out[k] *= 1e3 * np.asarray(scale[min(k, len(scale) - 1)])[:, None]
    return out


def spike_results(parts: SpikingParts, params, K: int, times, n_steps: int, dt: float, every) -> tuple:
    """(spike variables and coordinates, binned rates per area (K, T, n) in Hz, final rates (K, n))."""
    spec = params.spec
    offsets = spec.area_slices()
    t_all, unit_all, point_all = [], [], []
    binned, final = {}, {}
    duration = n_steps * dt
    window = min(duration, max(0.1 * duration, 50e-3))
    per_area = []
    for c, mon in parts.spikes.items():
        i_all = np.asarray(mon.i[:], dtype=np.int64)
        t_group = np.asarray(mon.t[:] / brian2.second)
        for name, start in parts.clusters[c][1].items():
            inside = (i_all >= start) & (i_all < start + K * params.areas[name].n)
            per_area.append((name, i_all[inside] - start, t_group[inside]))
    for name, i, t in per_area:
        n = params.areas[name].n
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


__all__ = ["build_spiking", "spiking_values", "connections", "connectivity_key", "SEED_FROM_ENVIRONMENT", "spike_results", "SpikingParts", "competition_weights"]
