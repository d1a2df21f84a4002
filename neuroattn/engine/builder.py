"""BatchParams → one explicit `brian2.Network`: a NeuronGroup per area (K·n units), couplings, monitors.

Every object gets its own ``dt`` and ``namespace``; nothing reads Brian2's default clock or the
caller's namespace.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import brian2
import numpy as np

from neuroattn.engine.batch import BatchParams
from neuroattn.engine.coupling import Coupling, StepOperation, add_synapses
from neuroattn.engine.equations import group_equations
from neuroattn.engine.groups import RateGroup, concatenate, own_group, rate_clusters, transfer_key
from neuroattn.engine.kernels import DenseProduct, kernel_name
from neuroattn.engine.noise import OUProcess
from neuroattn.engine.plastic import PlasticWeights, gate_function
from neuroattn.engine.plastic_kernels import CompiledPlastic, PlasticProduct, compilable, gate_of, plastic_name
from neuroattn.engine.spiking import SpikingParts, build_spiking
from neuroattn.engine.structural import ReserveRun, StructuralGroup, StructuralWeights, interval_operation
from neuroattn.engine.tasks import TaskRun
from neuroattn.exceptions import BuildError, SpecError
from neuroattn.spec.plasticity import recurrent_name

COUPLINGS = ("auto", "matmul", "kernel", "synapses")
#: Variables every area can record: name -> (units, long name). Dynamics add their own state variables.
COMMON_VARIABLES = {"u": ("1", "state u"), "r": ("1", "rate r = f(u)"),
                    "I": ("1", "external input (baseline, stimuli, noise)"),
                    "E": ("1", "drive (external input and projections, gain applied)")}


def recordable(params: BatchParams) -> dict[str, tuple[str, str]]:
    """Every variable a network of `params` can record: name -> (units, long name)."""
    out = dict(COMMON_VARIABLES)
    for name, area in params.areas.items():
        if area.spiking:
            out["r"] = ("1 (Hz for spiking areas)", COMMON_VARIABLES["r"][1] + "; spikes per interval for spiking areas")
            out.setdefault("v", ("V", "membrane potential of spiking neurons"))
            for var, unit in params.spec.areas[name].neuron.state.items():
                out.setdefault(var, ({"volt": "V"}.get(unit, unit), f"state variable {var}"))
            continue
        for var in area.dynamics.state:
            out.setdefault(var, (area.dynamics.state_units.get(var, "1"), f"state variable {var}"))
    return out


@dataclass
class BuiltNetwork:
    """What the simulator needs after building: the network and handles into it."""

    network: brian2.Network
    groups: dict[str, brian2.NeuronGroup]
    monitors: dict  # area -> (StateMonitor, its columns of the area): rate areas share their group's
    params: BatchParams
    n_steps: int
    dt: float
    coupling: str
    rate_groups: list = field(default_factory=list)  # RateGroup per NeuronGroup of rate areas
    synapses: dict = field(default_factory=dict)  # coupling name -> Synapses (coupling='synapses')
    kernels: dict = field(default_factory=dict)  # coupling name -> DenseProduct (compiled dense couplings)
    noise_arrays: dict = field(default_factory=dict)  # stimulus index -> TimedArray of its noise (standalone)
    plastic: dict = field(default_factory=dict)  # coupling name -> PlasticWeights (runtime targets)
    couplings: list = field(default_factory=list)  # every Coupling
    tasks: list = field(default_factory=list)  # TaskRun per task (runtime targets)
    spiking: Optional[SpikingParts] = None  # spiking areas' groups, synapses, monitors
    run_seconds: Optional[float] = None  # cpp_standalone: the compiled program's run time
    record_every: Optional[int] = None  # steps between recorded samples (None: finals only)
    structural: dict = field(default_factory=dict)  # coupling name -> StructuralWeights
    reserves: dict = field(default_factory=dict)  # area -> ReserveRun


def couplings_of(params: BatchParams, dt: float) -> list[Coupling]:
    """Every within-area competition and every projection, as couplings."""
    out = []
    for name, area in params.areas.items():
        if area.coupling is not None:
            out.append(Coupling(recurrent_name(name), name, name, "rec", area.coupling, rule=area.plastic))
    for p, proj in enumerate(params.spec.projections):
        if params.areas[proj.target].spiking:  # built as Synapses or Poisson drive (engine.spiking)
            continue
        out.append(Coupling(proj.name, proj.source, proj.target, f"in_{p}", params.projections[p],
                            int(round(proj.delay / dt)), rule=params.projection_rules[p]))
    return out


def group_values(params: BatchParams, name: str, eqs) -> dict[str, np.ndarray]:
    """Every per-unit value of area `name`'s block of its group (start state, constants with their
    units), flat (K*n); zero for the variables of the group's other areas (their stimuli, transfer
    constants)."""
    area, spec = params.areas[name], params.spec
    size = params.n_points * area.n
    values = {"I0": area.baseline + sum(params.amplitudes[s] for s in eqs.folded if spec.stimuli[s].area == name),
              **{f"f_{k}": v for k, v in area.transfer.items()}, **area.constants}
    values.update({f"amp_{s}": params.amplitudes[s] for s, st in enumerate(spec.stimuli)
                   if st.area == name and st.patterns is None})
    out = {"u": area.u0.ravel()}
    for const, unit in eqs.constants.items():
        flat = np.ravel(values[const]) if const in values else np.zeros(size)
        out[const] = flat if unit == "1" else flat * getattr(brian2, unit)
    return out


def rate_values(params: BatchParams, rate_groups: Sequence[RateGroup]) -> list[tuple]:
    """(group, variable, values) for every per-unit number of the rate groups: each area's block, in
    order (`group_values`). The build sets them; a kept network sets them again for new numbers."""
    out = []
    for rg in rate_groups:
        blocks: dict = {}
        for name in rg.areas:
            for var, value in group_values(params, name, rg.equations).items():
                blocks.setdefault(var, []).append(value)
        out += [(rg.group, var, concatenate(parts)) for var, parts in blocks.items()]
    return out


def _describe(err: Exception, user: bool = False) -> str:
    """Brian2's message on one line; in user equations the drive is called I again (the engine's E)."""
    text = " ".join(str(err).split())
    return re.sub(r"\bE\b", "I", text) if user else text


def make_group(params: BatchParams, names: Sequence[str], eqs, *, namespace: dict, dt) -> brian2.NeuronGroup:
    """The NeuronGroup of the rate areas `names` (one, or several sharing it); a mistake in an area's
    own equations is a one-line `SpecError`."""
    name = names[0]
    user = params.spec.areas[name].dynamics is not None
    where = f"areas.{name}.dynamics.equations" if user else f"areas.{name}"
    try:
        model = brian2.Equations(eqs.dynamics, I="E") + brian2.Equations(eqs.text)
        group = brian2.NeuronGroup(params.n_points * sum(params.areas[n].n for n in names), model, method="euler",
                                   namespace=namespace, dt=dt, name=f"area_{'_'.join(names)}")
        group.equations.check_units(group, run_namespace={})  # Brian2 checks only when it runs; now
    except Exception as err:  # Brian2 rejects the equations: say which area and equation, keep its reason
        if user:
            raise SpecError(f"{where}: Brian2 rejects {eqs.dynamics.strip()!r}: {_describe(err, True)}") from None
        raise BuildError(f"{where}: Brian2 cannot build this area ({_describe(err)})") from err
    return group


def build_network(params: BatchParams, *, dt: float, n_steps: int, seeds: Sequence[int], target: str,
                  coupling: str = "auto", record: Sequence[str] = ("u", "r", "I"),
                  record_every: Optional[int] = 1, dense_synapses: bool = False,
                  record_weights_every: Optional[int] = None) -> BuiltNetwork:
    """Build the Brian2 network for `params` (call inside `engine.device.use_target`).

    Parameters
    ----------
    dt : float
        Step in seconds. `n_steps` is the number of steps the run will take (for envelopes and noise).
    seeds : sequence of int
        One noise seed per point.
    coupling : {'auto', 'matmul', 'kernel', 'synapses'}
        'auto' is 'matmul' on numpy and cython, 'kernel' on cpp_standalone (`coupling_plan`).
    record : variables to monitor every `record_every` steps; ``record_every=None`` records nothing.
    dense_synapses : connect every pair, zero weights included, so that other weights (of the same
        structure) can be set later without rebuilding (`engine.compiled`).
    record_weights_every : snapshot interval of plastic weights, in steps (None: final weights only).
    """
    if coupling not in COUPLINGS:
        raise BuildError(f"coupling: must be one of {', '.join(COUPLINGS)} (got {coupling!r})")
    standalone = target == "cpp_standalone"
    if standalone and coupling == "matmul":
        raise BuildError("coupling: 'matmul' needs a runtime target (numpy or cython), not cpp_standalone")
    spec, K = params.spec, params.n_points
    couplings = couplings_of(params, dt)
    plan = coupling_plan(params, couplings, coupling, target)
    on_synapses = [c for c in couplings if plan[c.name] == "synapses"]
    delayed = next((c for c in on_synapses if c.delay_steps), None)
    if delayed is not None:
        raise BuildError(f"projections[{delayed.name}].delay: delays need coupling='matmul' on a runtime "
                         "target (Brian2's summed variables cannot be delayed)")
    learning = next((c for c in on_synapses if c.rule is not None), None)
    if learning is not None:
        raise BuildError(f"{learning.name}: plastic weights need coupling='matmul' on a runtime target "
                         "(numpy or cython)")
    reserved = next((name for name, a in params.areas.items() if a.reserve is not None), None)
    if reserved is not None and (standalone or coupling in ("synapses", "kernel")):
        raise BuildError(f"areas.{reserved}.reserve: reserve units need coupling='matmul' on a runtime target "
                         "(numpy or cython)")
    if standalone or coupling == "synapses":
        if spec.tasks:
            raise BuildError("tasks: closed-loop tasks need a runtime target (numpy or cython) with "
                             "coupling='matmul'")
        patterned = next((s for s, st in enumerate(spec.stimuli) if st.patterns is not None), None)
        if patterned is not None:
            raise BuildError(f"stimuli[{patterned}].patterns: pattern presentations need a runtime target "
                             "(numpy or cython) with coupling='matmul'")
    rate_as_state = all(how == "matmul" for how in plan.values()) and not standalone and coupling != "synapses"
    bdt = dt * brian2.second
    groups, noises, objects, rate_groups, timed = {}, [], [], [], {}
    products = {c.name: DenseProduct(kernel_name(c.var, c.target), c.weights, n_points=K)  # rates: below
                for c in couplings if plan[c.name] == "kernel" and c.rule is None}
    for names in rate_clusters(params, share=rate_as_state):
        namespace, fused = {}, {}
        for c in couplings:
            if c.name in products and c.target in names:  # the coupled variable reads the product
                product = products[c.name]
                namespace.update({product.name: product, f"{product.name}_at": product.at})
                fused[c.var] = f"{product.name}_at({product.name}(t))"
        eqs = group_equations(spec, [params.areas[name] for name in names], noise_as_function=standalone,
                              rate_as_state=rate_as_state, fused=fused)
        for s, stim in enumerate(spec.stimuli):
            if stim.area not in names:
                continue
            if not stim.always_on:
                namespace[f"env_{s}"] = envelope_array(stim.envelope(n_steps, dt), bdt, f"env_{s}")
            if stim.noise is not None:
                process = OUProcess.of(params, s, seeds, dt, n_steps)
                if standalone:
                    timed[s] = namespace[f"eta_{s}_values"] = brian2.TimedArray(
                        process.trajectory(n_steps), dt=bdt, name=f"eta_{s}_values")
                else:
                    noises.append((process, s))
        rate_groups.append(RateGroup(make_group(params, names, eqs, namespace=namespace, dt=bdt), names, eqs))
        groups.update(rate_groups[-1].slices(params))
    for group, var, value in rate_values(params, rate_groups):
        setattr(group, var, value)
    objects += [rg.group for rg in rate_groups]
    spiking = build_spiking(params, dt=dt, n_steps=n_steps, record=tuple(record), record_every=record_every,
                            bdt=bdt, standalone=standalone, every_constant=dense_synapses,
                            record_weights_every=record_weights_every)
    noises += [(OUProcess.of(params, s, seeds, dt, n_steps), s)
               for s, stim in enumerate(spec.stimuli) if stim.noise is not None and params.areas[stim.area].spiking]
    groups.update(spiking.groups)  # AreaSlices: each spiking area's part of its (shared) group
    groups = {name: groups[name] for name in params.areas}  # spec order
    objects += spiking.objects + list(spiking.spikes.values())

    rates = rate_writers(params, rate_groups) if rate_as_state else []
    reserves = reserve_runs(params, groups, dt) if rate_as_state else {}
    rates += reserves.values()  # after every r = f(u), before anything reads the rates
    noise_views = [(proc, groups[spec.stimuli[s].area].variables[f"eta_{s}"].get_value()) for proc, s in noises]
    patterns = [(st.schedule(n_steps, dt), params.patterns[s],  # a spiking area's pattern is a Poisson rate
                 groups[st.area].variables[f"{'rate' if params.areas[st.area].spiking else 'pat'}_{s}"].get_value())
                for s, st in enumerate(spec.stimuli) if st.patterns is not None]
    structured = [c for c in couplings if c.rule is not None and c.rule.structural is not None]
    together = StructuralGroup(structured) if structured else None  # their weights: views of one buffer
    plastic = {c.name: plastic_weights_of(params, c, groups, dt, record_weights_every, n_steps)
               for c in couplings if c.rule is not None and plan[c.name] == "matmul"}
    structural = {c.name: StructuralWeights(plastic[c.name], c.rule.structural, c.rule.structural_constants,
                                            group=together, index=k, seeds=seeds, dt=dt,
                                            recurrent=c.source == c.target and c.var == "rec")
                  for k, c in enumerate(structured)}
    learning = {**plastic, **structural}  # what the step operation calls to learn
    tasks = []
    for t, task in enumerate(spec.tasks):
        steps, shown = task.decision_steps(spec.stimuli[spec.task_stimulus(task)], n_steps, dt)
        learners = [plastic[c.name] for c in couplings if c.rule is not None
                    and getattr(c.rule.rule, "task", None) == task.name]
        tasks.append(TaskRun(task, t, params.tasks[t], steps, shown, groups[task.area].variables["r"].get_value(),
                             seeds, learners, dt))
    synapses = add_synapses(on_synapses, groups, K, bdt, dense=dense_synapses)
    objects += synapses.values()
    for c in couplings:
        if c.name in products:
            products[c.name].rates = own_group(groups, c.source).variables["r"]
    learners = add_kernels([c for c in couplings if plan[c.name] == "kernel" and c.rule is not None], groups, params,
                           bdt, record_weights_every=record_weights_every)
    for c in couplings:
        if c.name in learners:  # its weights, constants and monitors
            objects += learners[c.name].objects
            for owner, var, value in learners[c.name].run_values(c):
                if var is not None:  # (the function's own values are set already)
                    setattr(owner, var, value)
            plastic[c.name] = CompiledPlastic(learners[c.name])
    kernels = {**learners, **products}
    matmul = [c for c in couplings if plan[c.name] == "matmul"]
    for view, source, w in spiking.rate_inputs:  # a rate area's drive of Poisson input (× input_rate)
        rates.append(_drive(view, groups[source].variables["r"].get_value(), w, K, rectify=True))
    for view, source, w in spiking.gain_inputs:  # a rate area's gain on a spiking area's input
        rates.append(_drive(view, groups[source].variables["r"].get_value(), w, K, rectify=False))
    for view, gate, target in spiking.gates:  # gated STDP: the gate area's rates at the post neurons
        rates.append(_gate_writer(view, gate, groups, params, target, K))
    if matmul or noise_views or rates or patterns:
        step = StepOperation(matmul, groups, K, noise_views, rates, patterns, learning, tasks, structure=together)
        objects.append(brian2.NetworkOperation(step, dt=bdt, when="start", order=-10, name="neuroattn_step"))
    intervals: dict[int, list] = {}
    for st in structural.values():
        intervals.setdefault(st.every, []).append(st)
    objects += [interval_operation(group, dt, f"neuroattn_structure_{k}") for k, group in enumerate(intervals.values())]

    monitors = {name: (mon, slice(None)) for name, mon in spiking.monitors.items()}  # the area's units only
    objects += spiking.monitors.values()
    if record_every is not None and record:
        for rg in rate_groups:
            here = [v for v in record if v in rg.group.variables]
            if here:
                monitor = brian2.StateMonitor(rg.group, here, record=True, dt=record_every * bdt, when="start",
                                              order=0, name=f"monitor_{'_'.join(rg.areas)}")
                objects.append(monitor)
                monitors.update({name: (monitor, groups[name].columns) for name in rg.areas})
    used = "+".join(sorted(set(plan.values()))) or ("matmul" if rate_as_state else "kernel")
    return BuiltNetwork(brian2.Network(*objects), groups, monitors, params, n_steps, dt, used,
                        rate_groups=rate_groups, synapses=synapses, kernels=kernels, noise_arrays=timed, plastic=plastic,
                        couplings=couplings, tasks=tasks, spiking=spiking, structural=structural,
                        reserves=reserves, record_every=record_every if record else None)


def rate_writers(params: BatchParams, rate_groups: Sequence[RateGroup]) -> list[Callable[[], None]]:
    """The step functions writing ``r = f(u)`` with `params`' transfer constants (where ``r`` is a
    variable that the step operation refreshes): one per run of neighbouring areas of a group with
    the same transfer function, its expression included (`groups.rate_clusters` puts them next to each other)."""
    out = []
    for rg in rate_groups:
        u, r = rg.group.variables["u"].get_value(), rg.group.variables["r"].get_value()
        blocks = rg.slices(params)
        for _, run in itertools.groupby(rg.areas, key=lambda name: transfer_key(params, name)):
            run = list(run)
            constants = {k: np.concatenate([np.ravel(params.areas[name].transfer[k]) for name in run])
                         for k in params.areas[run[0]].transfer}
            cols = slice(blocks[run[0]].start, blocks[run[-1]].columns.stop)
            out.append(params.spec.areas[run[0]].transfer.writer(constants, u[cols], r[cols]))
    return out


def coupling_plan(params: BatchParams, couplings: Sequence[Coupling], coupling: str, target: str) -> dict[str, str]:
    """How each coupling is computed (name -> 'kernel', 'matmul' or 'synapses').

    'auto' is 'kernel' on cpp_standalone and 'matmul' on numpy; on cython it is 'kernel' for plastic
    couplings that can learn compiled (`compiled_rule`) and 'matmul' for the rest: BLAS products with
    rates from in-place numpy ufuncs measured faster than Brian2's Cython loops, whose ``exp`` is not
    vectorised, but a rule's update in numpy makes temporaries of K·n_post·n_pre values each step,
    and the compiled pass that learns while it multiplies was 4× faster (README, "Speed"). With
    'kernel', dense couplings between rate areas are compiled `DenseProduct` functions, and plastic
    ones `PlasticProduct` functions where the rule has C expressions; delayed couplings and other
    plastic ones stay on the numpy step operation (runtime targets), and couplings from spiking
    areas use Synapses.
    """
    fallback = "synapses" if target == "cpp_standalone" else "matmul"
    plan = {}
    for c in couplings:
        spiking = params.areas[c.source].spiking
        compiles = not c.delay_steps and not spiking and (c.rule is None or compiled_rule(params, c))
        how = coupling
        if coupling == "auto" and target != "cpp_standalone":
            how = "kernel" if target == "cython" and compiles and c.rule is not None else "matmul"
        elif coupling in ("auto", "kernel"):
            how = "kernel" if compiles else "synapses" if spiking else fallback
        plan[c.name] = how
    return plan


def compiled_rule(params: BatchParams, c: Coupling) -> bool:
    """Whether plastic coupling `c` can learn inside a compiled `PlasticProduct`: its rule has C
    expressions, no structural plasticity, no per-synapse state, and a gate, if any, from a rate area."""
    gate = getattr(c.rule.rule, "gate", None)
    return compilable(c.rule) and (gate is None or not params.areas[gate.area].spiking)


def add_kernels(couplings: Sequence[Coupling], groups, params: BatchParams, dt, *,
                record_weights_every: Optional[int] = None) -> dict:
    """A `PlasticProduct` per plastic coupling in its target group's namespace, and per target group
    one ``run_regularly`` at ``start`` (after the rates, before the monitors) writing every plastically
    coupled variable: ``rec = plastic_rec_V1(t, i)``. (A fixed coupling is a subexpression of its
    target's equations instead, `DenseProduct`.)"""
    kernels, lines, K = {}, {}, params.n_points
    for c in couplings:
        source, target = own_group(groups, c.source), own_group(groups, c.target)
        name = plastic_name(c.var, c.target)
        kernels[c.name] = PlasticProduct(name, c, source.variables["r"], target.variables["r"], n_points=K,
                                         dt=float(dt), bdt=dt, recurrent=c.source == c.target and c.var == "rec",
                                         gate=gate_of(c, params, groups), record_every=record_weights_every)
        target.namespace[name] = kernels[c.name]
        lines.setdefault(c.target, []).append(f"{c.var} = {name}(t, i)")
    for target, code in lines.items():
        own_group(groups, target).run_regularly("\n".join(code), dt=dt, when="start", order=-5,
                                                name=f"couple_{target}")
    return kernels


def envelope_array(values: np.ndarray, dt, name: str) -> brian2.TimedArray:
    """A stimulus envelope as a `TimedArray` whose numpy implementation looks the step up with Python
    scalars: Brian2's own rounds and clips with numpy calls, which cost a quarter of the cortical
    hierarchy's run on the numpy target (three envelopes, every step). Same index as Brian2's:
    ``int(round(t / epsilon) / K)`` clipped to the array, ``epsilon = dt / K``."""
    from brian2.input.timedarray import _find_K

    array = brian2.TimedArray(values, dt=dt, name=name)
    table, step, last = array.values, float(dt), len(array.values) - 1

    def create(owner):
        K = _find_K(owner.clock.dt_, step)
        epsilon = step / K

        def envelope(t):
            if np.ndim(t):
                return table[np.clip(np.int_(np.round(np.asarray(t) / epsilon) / K), 0, last)]
            return table[min(max(int(round(float(t) / epsilon) / K), 0), last)]
        envelope._arg_units = [brian2.second]
        envelope._return_unit = 1
        return envelope
    array.implementations.add_dynamic_implementation("numpy", create)
    return array


def _drive(view: np.ndarray, r: np.ndarray, w: np.ndarray, K: int, rectify: bool):
    """A step function writing ``W @ r`` (``max(W @ r, 0)`` with `rectify`) into `view`."""
    out, live = view.reshape(K, -1), r.reshape(K, -1)
    batched = w.ndim == 3
    wt = w if batched else np.ascontiguousarray(w.T)

    def update():
        if batched:
            np.matmul(w, live[..., None], out=out[..., None])
        else:
            np.matmul(live, wt, out=out)
        if rectify:
            np.maximum(out, 0.0, out=out)
    return update


def _gate_writer(view: np.ndarray, gate, groups, params, target: str, K: int):
    spec = params.spec
    post, src = spec.areas[target], spec.areas[gate.area]
    g = gate_function(gate, groups[gate.area].variables["r"].get_value(), K, post.unit_features(),
                      src.unit_features(), post.features.period)
    out = view.reshape(K, -1)

    def update():
        out[:] = g()
    return update


def reserve_runs(params: BatchParams, groups, dt: float) -> dict[str, ReserveRun]:
    """A `ReserveRun` per area with reserve units (its criterion's gate read from the live rates)."""
    from neuroattn.spec.plasticity import Gate

    out, spec = {}, params.spec
    for name, area in params.areas.items():
        if area.reserve is None:
            continue
        when, gate = area.reserve.reserve.recruit_when, None
        if when is not None and when.area is not None:
            src = spec.areas[when.area]
            gate = gate_function(Gate(area=when.area), groups[when.area].variables["r"].get_value(), params.n_points,
                                 area.reserve.features[area.reserve.n_regular:], src.unit_features(),
                                 spec.areas[name].features.period)
        group = groups[name]
        out[name] = ReserveRun(area.reserve, group.variables["u"].get_value(), group.variables["r"].get_value(),
                               params.n_points, dt, gate)
    return out


def plastic_weights_of(params: BatchParams, c: Coupling, groups, dt: float, record_every: Optional[int],
             n_steps: int) -> PlasticWeights:
    """The `PlasticWeights` of plastic coupling `c` (its gate read from the gate area's live rates)."""
    rule = c.rule.rule
    gate = None
    if getattr(rule, "gate", None) is not None:
        spec = params.spec
        post, src = spec.areas[c.target], spec.areas[rule.gate.area]
        gate = gate_function(rule.gate, groups[rule.gate.area].variables["r"].get_value(), params.n_points,
                             post.unit_features(), src.unit_features(), post.features.period)
    return PlasticWeights(rule, c.rule.constants, c.weights, dt, recurrent=c.source == c.target and c.var == "rec",
                          gate=gate, record_every=record_every, n_steps=n_steps)
