"""Plastic dense couplings as compiled code: the product and the rule's weight update in one pass.

A plastic coupling ``var = W @ r_source`` whose rule has C expressions (`PlasticityRule.compiled`)
is, like a fixed one (`kernels.DenseProduct`), one line of the target group's ``run_regularly`` at
``start``::

    rec = plastic_rec_V1(t, i)

On the first call of a step `PlasticProduct` walks each point's matrix once, row by row: it adds
``w_ij * x_j`` to the row's product and replaces ``w_ij`` by its Euler step
``w_ij + dt * (rule(w_ij, y_i, x_j) - decay * w_ij)`` (zero on the diagonal of recurrent weights,
then clipped to the bounds); after the row, the rule's per-post state (BCM's threshold, scaling's
average) takes its own step. The product reads the weights before their update and every rate of
the same step, as the numpy step operation (`engine.plastic.PlasticWeights`) does, so the two agree
to rounding.

Everything that changes or may differ between batches is a Brian2 variable, so that Brian2 saves
it, monitors it and (cpp_standalone) takes it as ``run_args``: the weights are the variable ``w`` of
a group of K·n_post·n_pre parameters (``plastic_<id>``), the rule's constants and per-post state are
variables of a group of K·n_post (``plastic_<id>_post``); neither group has equations, so Brian2
generates no code for them. A gated rule's map from the gate area to the post units is the
function's own array (it is a `TimedArray`, like `DenseProduct`). On the numpy target the function
runs `PlasticWeights` on the same arrays.
"""
from __future__ import annotations

from typing import Optional

import brian2
import numpy as np
from brian2.core.functions import Function
from brian2.core.names import Nameable
from brian2.units.fundamentalunits import DIMENSIONLESS

from neuroattn.engine.groups import own_group
from neuroattn.engine.kernels import CPP_CODE, kernel_name
from neuroattn.engine.plastic import PlasticWeights, gate_matrix

BLOCK_CODE = """
static void {name}_block(double * __restrict w0, const double * __restrict pre, const double * __restrict post,
                         const double * __restrict gate, const double * __restrict gate_map,
                         {arrays}double * __restrict out, const int n_points)
{{
    for (int k = 0; k < n_points; k++) {{
        const double * __restrict xs = pre + (size_t)k*{n_s};
        for (int i = 0; i < {n_t}; i++) {{
            const int ki = k*{n_t} + i;
            const double y = post[ki];
{per_row}
            double * __restrict wi = w0 + ((size_t)k*{n_t} + i)*{n_s};
            double acc = 0.0;
            for (int j = 0; j < {n_s}; j++) {{
                const double x = xs[j];
                const double w = wi[j];
                acc += w*x;
                double dw = ({dw}) - decay*w;
{diagonal}
                double v = w + {dt!r}*dw;
{clip}
                wi[j] = v;
            }}
            out[ki] = acc;
{state_step}
        }}
    }}
}}
"""

CYTHON_CODE = """
cdef extern from *:
    \"\"\"
{block}
    \"\"\"
    void {name}_block(double *w0, const double *pre, const double *post, const double *gate,
                      const double *gate_map, {cython_arrays}double *out, const int n_points) nogil

cdef double {name}(double t, int _i):
    global _namespace{name}_values, _namespace{name}_out, _namespace{name}_state
    if _namespace{name}_state[0] != t:
        _namespace{name}_state[0] = t
        {name}_block({cython_args}, _namespace{name}_out, <int>_namespace{name}_state[1])
    return _namespace{name}_out[_i]
"""

def compilable(rule_params) -> bool:
    """Whether a plastic coupling's rule (`RuleParams`) can run as a `PlasticProduct`: it has C
    expressions, no structural plasticity and no per-synapse state."""
    rule = rule_params.rule
    return (rule.compiled() is not None and rule_params.structural is None
            and all(kind == "post" for kind, _ in rule.state.values()))


class PlasticProduct(brian2.TimedArray):
    """``name(t, i)``: entry ``i`` of ``W @ r_pre`` over K points, W learning by its rule.

    Parameters
    ----------
    name : the function's name in the target group's equations.
    coupling : the plastic `Coupling` (weights (K, n_post, n_pre), `RuleParams`).
    pre, post : the source's and the target's ``r`` variables (read live).
    gate : the gate area's ``r`` variable of a gated rule, and the map (n_post, n_gate).
    dt : step in seconds; recurrent : the diagonal stays fixed; record_every : snapshot interval.
    """

    _cache_irrelevant_attributes = brian2.TimedArray._cache_irrelevant_attributes | {
        "pre", "post", "gate", "out", "state", "weights", "post_group", "_numpy_weights"}

    def __init__(self, name: str, coupling, pre, post, *, n_points: int, dt: float, bdt, recurrent: bool,
                 gate: Optional[tuple] = None, record_every: Optional[int] = None):
        Nameable.__init__(self, name)
        rule = coupling.rule.rule
        K, n_t, n_s = coupling.weights.shape
        self.rule, self.n_points, self.n_target, self.n_source = rule, K, n_t, n_s
        self.dt, self.recurrent, self.pre, self.post = dt, recurrent, pre, post
        self.code = rule.compiled()
        self.constant_names = sorted(coupling.rule.constants)
        self.gate = None if gate is None else gate[0]
        self.values = np.ascontiguousarray(np.zeros((1, 1)) if gate is None else gate[1], dtype=float)
        self.dim = DIMENSIONLESS
        label = name.replace("plastic_", "", 1)
        self.weights = brian2.NeuronGroup(K * n_t * n_s, "w : 1", namespace={}, dt=bdt, name=f"plastic_{label}")
        post_vars = [f"{c} : 1 (constant)" for c in self.constant_names] + [f"{v} : 1" for v in rule.state]
        self.post_group = brian2.NeuronGroup(K * n_t, "\n".join(post_vars), namespace={}, dt=bdt,
                                             name=f"plastic_{label}_post")
        self.monitors = []
        if record_every:
            self.monitors.append(brian2.StateMonitor(self.weights, "w", record=True, dt=record_every * bdt,
                                                     when="start", order=-6, name=f"weights_{label}"))
            if rule.state:
                self.monitors.append(brian2.StateMonitor(self.post_group, list(rule.state), record=True,
                                                         dt=record_every * bdt, when="start", order=-6,
                                                         name=f"weights_{label}_post"))
        self.every = record_every
        self.out = np.zeros(K * n_t)
        self.state = np.array([-1.0, K])  # time of the last product (-1: none yet), K
        self._numpy_weights = None
        Function.__init__(self, pyfunc=self._numpy_product, arg_units=[brian2.second, 1], arg_names=["t", "i"],
                          return_unit=1, arg_types=["float", "integer"], return_type="float")
        self.implementations.add_numpy_implementation(self._numpy_product)
        self.implementations.add_dynamic_implementation(
            "cython", lambda owner: self._code(CYTHON_CODE, cython=True), name=self.name,
            namespace=lambda owner: {**self._namespace(), **self._live_arrays()})
        self.implementations.add_dynamic_implementation(
            "cpp", lambda owner: self._code(CPP_CODE, cython=False), name=self.name,
            namespace=lambda owner: self._namespace())

    @property
    def objects(self) -> list:
        """The Brian2 objects to add to the network."""
        return [self.weights, self.post_group, *self.monitors]

    def _variables(self) -> list[tuple[str, object]]:
        """(argument, Brian2 variable) of every live array the block reads or writes, in its order."""
        gate = self.gate if self.gate is not None else self.pre  # unread without a gate
        out = [("w", self.weights.variables["w"]), ("pre", self.pre), ("post", self.post), ("gate", gate)]
        names = self.constant_names + list(self.rule.state)
        return out + [(f"c_{n}", self.post_group.variables[n]) for n in names]

    def _live_arrays(self) -> dict:
        return {f"{self.name}_{arg}": var.get_value() for arg, var in self._variables()}

    def _namespace(self) -> dict:
        return {f"{self.name}_values": self.values.ravel(), f"{self.name}_out": self.out,
                f"{self.name}_state": self.state}

    def _code(self, template: str, cython: bool) -> str:
        n_t, n_s, n_g = self.n_target, self.n_source, self.values.shape[1]
        names = self.constant_names + list(self.rule.state)
        per_row = [f"            const double {c} = c_{c}[ki];" for c in self.constant_names]
        per_row += [f"            const double {v} = c_{v}[ki];" for v in self.rule.state]
        if "decay" not in self.constant_names:
            per_row.append("            const double decay = 0.0;")
        if self.gate is not None:
            per_row.append("            double g = 0.0;")
            per_row.append(f"            for (int m = 0; m < {n_g}; m++) g += gate_map[i*{n_g} + m]*gate[k*{n_g} + m];")
        clip = []
        if "w_min" in self.constant_names:
            clip.append("                if (v < w_min) v = w_min;")
        if "w_max" in self.constant_names:
            clip.append("                if (v > w_max) v = w_max;")
        state_step = [f"            c_{v}[ki] = {v} + {self.dt!r}*({expr});" for v, expr in self.code["state"].items()]
        arrays = "".join(f"double * __restrict c_{n}, " if n in self.rule.state else f"const double * __restrict c_{n}, "
                         for n in names)
        block = BLOCK_CODE.format(name=self.name, n_t=n_t, n_s=n_s, dt=self.dt, dw=self.code["dw"], arrays=arrays,
                                  per_row="\n".join(per_row), clip="\n".join(clip), state_step="\n".join(state_step),
                                  diagonal="                if (i == j) dw = 0.0;" if self.recurrent else "")
        values = f"_namespace{self.name}_values"
        if cython:
            args = [f"_namespace{self.name}_{arg}" for arg, _ in self._variables()]
            args.insert(4, values)
            cython_arrays = "".join(f"double *c_{n}, " if n in self.rule.state else f"const double *c_{n}, "
                                    for n in names)
            return template.format(block=block, name=self.name, cython_args=", ".join(args),
                                   cython_arrays=cython_arrays)
        device = brian2.get_device()
        args = [f"brian::{device.get_array_name(var)}" for _, var in self._variables()]
        args.insert(4, values)
        return template.format(block=block, name=self.name, args=", ".join(args))

    def run_values(self, coupling) -> list[tuple]:
        """(owner, variable or None, values) setting every number of `coupling` (same structure and
        K): the weights (clipped to the bounds, as they hold from the start), the rule's constants
        and start state per post unit, and the gate map."""
        K, n_t = self.n_points, self.n_target
        c = {k: np.asarray(v, float).reshape(K, 1, 1) for k, v in coupling.rule.constants.items()}
        w = np.array(coupling.weights, dtype=float)
        if "w_min" in c or "w_max" in c:
            np.clip(w, c.get("w_min"), c.get("w_max"), out=w)
        out = [(self.weights, "w", w.ravel())]
        out += [(self.post_group, n, np.repeat(c[n].ravel(), n_t)) for n in self.constant_names]
        out += [(self.post_group, v, np.ravel(s)) for v, s in self.rule.initial_state(c, n_t, self.n_source, K).items()]
        return out + [(self, None, self.values)]

    def _numpy_product(self, t, i):
        """The numpy target's implementation: `PlasticWeights` on the Brian2 arrays, then ``(W @ r)[i]``."""
        K, n_t, n_s = self.n_points, self.n_target, self.n_source
        if self._numpy_weights is None:
            gate = None
            if self.gate is not None:
                live, M = self.gate.get_value().reshape(K, -1), self.values.T
                gate = lambda: live @ M  # noqa: E731
            c = {n: self.post_group.variables[n].get_value().reshape(K, n_t)[:, 0] for n in self.constant_names}
            self._numpy_weights = PlasticWeights(self.rule, c, self.weights.variables["w"].get_value().reshape(K, n_t, n_s),
                                                 self.dt, recurrent=self.recurrent, gate=gate)
            for v in self.rule.state:  # the rule's state: the Brian2 arrays, updated in place
                self._numpy_weights.state[v] = self.post_group.variables[v].get_value().reshape(K, n_t)
        if float(np.ravel(t)[0]) != self.state[0]:
            self.state[0] = float(np.ravel(t)[0])
            x = self.pre.get_value().reshape(K, n_s)
            np.matmul(self._numpy_weights.w, x[..., None], out=self.out.reshape(K, n_t, 1))
            self._numpy_weights.update(0, self.post.get_value().reshape(K, n_t), x)
        return self.out[np.asarray(i)]


class CompiledPlastic:
    """What a run learned through a `PlasticProduct`, read from Brian2 after the run, in the names
    `engine.collect.learned` reads from `PlasticWeights`."""

    def __init__(self, product: PlasticProduct):
        self.product, self.rule, self.every = product, product.rule, product.every

    def _shape(self, values, per_synapse=True):
        p = self.product
        return np.asarray(values).reshape((-1, p.n_points, p.n_target) + ((p.n_source,) if per_synapse else ()))

    @property
    def w(self) -> np.ndarray:
        return self._shape(self.product.weights.variables["w"].get_value())[0]

    @property
    def state(self) -> dict:
        return {v: self._shape(self.product.post_group.variables[v].get_value(), False)[0] for v in self.rule.state}

    @property
    def trace(self) -> Optional[np.ndarray]:
        if not self.product.monitors:
            return None
        return self._shape(self.product.monitors[0].variables["w"].get_value())

    @property
    def state_trace(self) -> dict:
        if len(self.product.monitors) < 2:
            return {}
        mon = self.product.monitors[1]
        return {v: self._shape(mon.variables[v].get_value(), False) for v in self.rule.state}


def plastic_name(var: str, target: str) -> str:
    """The function's name for plastic coupled variable `var` of area `target`."""
    return kernel_name(var, target).replace("dense_", "plastic_", 1)


def gate_of(c, params, groups):
    """(gate area's ``r`` variable, map (n_post, n_gate)) of a gated coupling, or None."""
    gate = getattr(c.rule.rule, "gate", None)
    if gate is None:
        return None
    spec = params.spec
    post, src = spec.areas[c.target], spec.areas[gate.area]
    M = gate_matrix(gate, post.unit_features(), src.unit_features(), post.features.period)
    return own_group(groups, gate.area).variables["r"], M


__all__ = ["PlasticProduct", "CompiledPlastic", "compilable", "plastic_name", "gate_of"]
