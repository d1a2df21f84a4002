"""Plasticity rules: how a connection's weights change while the network runs (`RULES`).

A rule sits on a projection (``plasticity:``), or on an area's recurrent weights (its competition's
or its own dynamics' ``plasticity:``). Every rule is continuous in time, with ``rate`` in 1/s, acts
on the connection's effective weights ``w_ij`` (``scale`` times the pattern, row i = post unit i,
column j = pre unit j), and adds an optional ``decay``: ``dw_ij/dt = (rule) - decay * w_ij``. After
every step the weights are clipped to ``[w_min, w_max]`` where those are given, so a bound is never
exceeded. A unit's weight onto itself (the diagonal of recurrent weights) never changes.

====================  ==========================================================================
rule                  dw_ij/dt (post rate ``y_i``, pre rate ``x_j``)
====================  ==========================================================================
``hebb``              ``rate * y_i * x_j``
``oja``               ``rate * y_i * (x_j - y_i * w_ij)``
``bcm``               ``rate * y_i * (y_i - theta_i) * x_j``, ``theta_tau dtheta_i/dt = y_i**2 - theta_i``
``gated``             ``rate * g_i * y_i * x_j``, ``g`` the rates of the ``gate`` area mapped to the post
                      units (attention-gated three-factor rule; a zero gate changes nothing); with
                      ``normalize: true``, ``rate * g_i * y_i * (x_j - y_i * w_ij)`` (gated Oja)
``reward``            ``rate * delta(t) * e_ij``, ``tau_e de_ij/dt = -e_ij + y_i x_j``; ``delta`` is reward
                      minus expected reward, delivered by a `Task`
``scaling``           ``rate * (target - a_i) * w_ij``, ``average_tau da_i/dt = y_i - a_i``
                      (homeostatic synaptic scaling toward a target rate)
``antihebb``          ``-rate * (y_i * x_j - target**2)`` (Földiák's anti-Hebbian rule, for lateral
                      weights that act through ``+ rec``: co-active units come to inhibit each other)
``stdp``              spiking projections only: pair-based additive STDP with traces, optionally gated
                      (`STDP`)
====================  ==========================================================================

Each rule is one registered class: its fields, its extra state (`PlasticityRule.state`, recorded
like the weights) and its numpy derivative (`PlasticityRule.derivatives`), which the engine calls
once per step on the weights of all K points of a batch at once, shape (K, n_post, n_pre).
"""
from __future__ import annotations

from typing import ClassVar, Literal, Optional

import numpy as np
from pydantic import Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.kinds import KindTable
from neuroattn.spec.quantities import PositiveTime
from neuroattn.spec.weights import Matrix

#: The plasticity rules, by their ``rule`` tag.
RULES = KindTable("rule", "plasticity rule")


class Gate(SpecModel):
    """Where a gated rule's third factor comes from: the rates of `area`, mapped to the post units.

    ``map='features'``: each post unit takes the rate of the gate unit whose preferred feature is
    nearest its own (both areas on one feature axis); ``'mean'``: every post unit takes the gate
    area's mean rate; ``'matrix'``: ``g = M @ r_gate`` with ``matrix`` M (n_post x n_gate).
    """

    area: str
    map: Literal["features", "mean", "matrix"] = "features"
    matrix: Optional[Matrix] = None

    @model_validator(mode="after")
    def _matrix(self):
        if (self.map == "matrix") != (self.matrix is not None):
            raise ValueError("give a matrix exactly when map is 'matrix'")
        return self


class PlasticityRule(SpecModel):
    """Base of the rules (see the module docstring)."""

    rate: float = Field(ge=0)
    w_min: Optional[float] = None
    w_max: Optional[float] = None
    decay: float = Field(0.0, ge=0)

    #: Extra state per post unit (``'post'``) or per synapse (``'synapse'``): name -> (shape kind, long name).
    state: ClassVar[dict[str, tuple[str, str]]] = {}
    #: Rules that act on spikes (spiking projections) rather than on rates.
    event_based: ClassVar[bool] = False

    @model_validator(mode="after")
    def _bounds(self):
        if self.w_min is not None and self.w_max is not None and self.w_min > self.w_max:
            raise ValueError(f"w_min must be <= w_max (got w_min={self.w_min}, w_max={self.w_max})")
        return self

    def constants(self) -> dict[str, float]:
        """The numeric fields (bounds where given), which may differ between the points of a batch."""
        out = {name: float(getattr(self, name)) for name, field in type(self).model_fields.items()
               if field.annotation in (float, int)}
        out.update({b: float(getattr(self, b)) for b in ("w_min", "w_max") if getattr(self, b) is not None})
        return out

    def structure(self) -> tuple:
        return (self.rule, self.w_min is None, self.w_max is None)

    def initial_state(self, c: dict, n_post: int, n_pre: int, K: int) -> dict[str, np.ndarray]:
        """Start values of the extra state (zero unless a rule says otherwise)."""
        return {name: np.zeros((K, n_post) if kind == "post" else (K, n_post, n_pre))
                for name, (kind, _) in self.state.items()}

    def compiled(self) -> Optional[dict]:
        """The rule as C expressions for compiled couplings (`engine.plastic_kernels`), or None where
        it has none: ``{"dw": dw/dt without decay, "state": {name: d/dt}}`` per synapse, in the
        weight ``w``, the post rate ``y``, the pre rate ``x``, the gate ``g`` of a gated rule, the
        rule's per-post state and its constants by field name. The same arithmetic as `derivatives`."""
        return None

    def derivatives(self, w, y, x, state: dict, c: dict, third: Optional[np.ndarray]):
        """(dw/dt without decay, {state: d/dt}) at the current values, over all points.

        `w` is (K, n_post, n_pre); `y` (K, n_post) and `x` (K, n_pre) are the post and pre rates; each
        constant in `c` is (K, 1, 1); `third` is the gate (K, n_post) of a gated rule or the reward
        signal delta (K, 1, 1) of a reward rule.
        """
        raise NotImplementedError


def connection_id(name: str) -> str:
    """A connection's name as result variables spell it: ``V1->PFC`` gives ``V1_to_PFC``."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name.replace("->", "_to_"))


def recurrent_name(area: str) -> str:
    """The name of an area's recurrent connection (its competition's or dynamics' weights)."""
    return f"{area}_recurrent"


def learned_variables(name: str, rule: "PlasticityRule", n_post: int, n_pre: int) -> dict[str, tuple]:
    """The result variables of one plastic connection at the end of a run, per point:
    ``var -> (dims after 'point', shape, long name)``; coordinates ``post_<id>``, ``pre_<id>``."""
    cid = connection_id(name)
    post, pre = f"post_{cid}", f"pre_{cid}"
    out = {f"w_{cid}_final": ((post, pre), (n_post, n_pre), f"weights of {name} at the end of the run")}
    for var, (kind, long_name) in rule.state.items():
        dims, shape = ((post,), (n_post,)) if kind == "post" else ((post, pre), (n_post, n_pre))
        out[f"{var}_{cid}_final"] = (dims, shape, f"{long_name} of {name} at the end of the run")
    return out


def _outer(y, x):
    return y[:, :, None] * x[:, None, :]


@RULES.register
class Hebb(PlasticityRule):
    """Plain Hebb: ``dw_ij/dt = rate * y_i * x_j``."""

    rule: Literal["hebb"] = "hebb"

    def compiled(self):
        return {"dw": "rate*(y*x)", "state": {}}

    def derivatives(self, w, y, x, state, c, third):
        return c["rate"] * _outer(y, x), {}


@RULES.register
class Oja(PlasticityRule):
    """Oja's rule: ``dw_ij/dt = rate * y_i * (x_j - y_i * w_ij)`` (normalised Hebb)."""

    rule: Literal["oja"] = "oja"

    def compiled(self):
        return {"dw": "rate*(y*x - (y*y)*w)", "state": {}}

    def derivatives(self, w, y, x, state, c, third):
        return c["rate"] * (_outer(y, x) - (y * y)[:, :, None] * w), {}


@RULES.register
class BCM(PlasticityRule):
    """BCM: ``dw_ij/dt = rate * y_i (y_i - theta_i) x_j`` with a sliding threshold
    ``theta_tau dtheta_i/dt = y_i**2 - theta_i`` (starting at ``theta0``)."""

    rule: Literal["bcm"] = "bcm"
    theta_tau: PositiveTime = "100 ms"
    theta0: float = Field(0.0, ge=0)

    state: ClassVar[dict[str, tuple[str, str]]] = {"theta": ("post", "BCM sliding threshold")}

    def initial_state(self, c, n_post, n_pre, K):
        return {"theta": np.broadcast_to(c["theta0"][:, :, 0], (K, n_post)).copy()}

    def compiled(self):
        return {"dw": "rate*((y*(y - theta))*x)", "state": {"theta": "(y*y - theta)/theta_tau"}}

    def derivatives(self, w, y, x, state, c, third):
        theta = state["theta"]
        return (c["rate"] * _outer(y * (y - theta), x),
                {"theta": (y * y - theta) / c["theta_tau"][:, :, 0]})


@RULES.register
class Gated(PlasticityRule):
    """Attention-gated Hebb: ``dw_ij/dt = rate * g_i * y_i * x_j``, g from the `gate` area.

    With ``normalize: true`` the gated change is Oja's, ``rate * g_i * y_i * (x_j - y_i * w_ij)``: the
    weights onto an attended unit converge to its inputs' average instead of growing without limit,
    so inputs present in every attended trial end up far stronger than occasional ones.
    """

    rule: Literal["gated"] = "gated"
    gate: Gate
    normalize: bool = False

    def structure(self) -> tuple:
        return super().structure() + (self.gate.area, self.gate.map, self.normalize)

    def compiled(self):
        if self.normalize:
            return {"dw": "rate*((g*y)*x - ((g*y)*y)*w)", "state": {}}
        return {"dw": "rate*((g*y)*x)", "state": {}}

    def derivatives(self, w, y, x, state, c, third):
        gy = third * y
        if self.normalize:
            return c["rate"] * (_outer(gy, x) - (gy * y)[:, :, None] * w), {}
        return c["rate"] * _outer(gy, x), {}


@RULES.register
class Reward(PlasticityRule):
    """Reward-gated three-factor rule: ``dw_ij/dt = rate * delta(t) * e_ij`` with the eligibility trace
    ``tau_e de_ij/dt = -e_ij + y_i x_j``; delta (reward minus expected reward) comes from a task."""

    rule: Literal["reward"] = "reward"
    tau_e: PositiveTime = "50 ms"
    task: str = "task"

    def structure(self) -> tuple:
        return super().structure() + (self.task,)

    state: ClassVar[dict[str, tuple[str, str]]] = {"eligibility": ("synapse", "eligibility trace")}

    def derivatives(self, w, y, x, state, c, third):
        e = state["eligibility"]
        return c["rate"] * third * e, {"eligibility": (_outer(y, x) - e) / c["tau_e"]}


@RULES.register
class Scaling(PlasticityRule):
    """Homeostatic scaling: ``dw_ij/dt = rate * (target - a_i) * w_ij`` with the post unit's average
    rate ``average_tau da_i/dt = y_i - a_i`` (starting at the target)."""

    rule: Literal["scaling"] = "scaling"
    target: float = Field(ge=0)
    average_tau: PositiveTime = "1 s"

    state: ClassVar[dict[str, tuple[str, str]]] = {"average": ("post", "average post-synaptic rate")}

    def initial_state(self, c, n_post, n_pre, K):
        return {"average": np.broadcast_to(c["target"][:, :, 0], (K, n_post)).copy()}

    def compiled(self):
        return {"dw": "rate*(target - average)*w", "state": {"average": "(y - average)/average_tau"}}

    def derivatives(self, w, y, x, state, c, third):
        a = state["average"]
        return (c["rate"] * (c["target"][:, :, 0] - a)[:, :, None] * w,
                {"average": (y - a) / c["average_tau"][:, :, 0]})


@RULES.register
class AntiHebb(PlasticityRule):
    """Földiák's anti-Hebbian rule: ``dw_ij/dt = -rate * (y_i * x_j - target**2)``."""

    rule: Literal["antihebb"] = "antihebb"
    target: float = Field(0.0, ge=0)

    def compiled(self):
        return {"dw": "-rate*(y*x - target*target)", "state": {}}

    def derivatives(self, w, y, x, state, c, third):
        return -c["rate"] * (_outer(y, x) - c["target"] ** 2), {}


@RULES.register
class STDP(PlasticityRule):
    """Pair-based additive STDP with traces (Song, Miller & Abbott 2000), for spiking projections.

    A pre spike at ``t_pre`` and a post spike at ``t_post`` change the weight by
    ``rate * A_plus * exp(-(t_post - t_pre)/tau_plus)`` when the pre spike comes first and by
    ``-rate * A_minus * exp(-(t_pre - t_post)/tau_minus)`` when the post spike does (all pairs add up,
    through exponential traces), then the weight is clipped to ``[w_min, w_max]`` (default
    ``[0, inf)``). With a `gate`, every change is multiplied by the gate at the post neuron
    (attention-gated STDP; the gate area's rate, in Hz where it is spiking).
    """

    rule: Literal["stdp"] = "stdp"
    rate: float = Field(1.0, ge=0)
    A_plus: float = Field(0.01, ge=0)
    A_minus: float = Field(0.0105, ge=0)
    tau_plus: PositiveTime = "20 ms"
    tau_minus: PositiveTime = "20 ms"
    gate: Optional[Gate] = None

    #: Runs as Brian2 synapse code on spikes, not as a rate derivative.
    event_based: ClassVar[bool] = True

    def structure(self) -> tuple:
        return super().structure() + (None if self.gate is None else (self.gate.area, self.gate.map),)

    def derivatives(self, w, y, x, state, c, third):
        raise NotImplementedError("stdp acts on spikes: it runs on projections between spiking areas")


#: A plasticity field: any registered rule (`RULES`).
Plasticity = RULES.field()

__all__ = ["RULES", "connection_id", "recurrent_name", "learned_variables", "PlasticityRule", "Plasticity", "Gate", "Hebb", "Oja", "BCM", "Gated", "Reward", "Scaling",
           "AntiHebb", "STDP"]
