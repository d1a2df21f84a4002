"""Spiking neuron models for areas (`NEURONS`): ``neuron: {model: lif | adex, ...}`` on an area.

Every parameter is a physical quantity written with its unit (``'20 ms'``, ``'-70 mV'``) and checked
against the unit it needs. Synaptic and external input enter the membrane equation as voltages (the
current times the membrane resistance, as in Brian2's CUBA example), so a weight is the jump of the
synaptic input in mV per spike:

- ``lif``:  ``tau_m dv/dt = v_rest - v + s_exc + s_inh + I_v``, spike when ``v > v_threshold``, then
  ``v = v_reset`` for ``refractory``; ``tau_exc ds_exc/dt = -s_exc``, ``tau_inh ds_inh/dt = -s_inh``.
- ``adex``: ``tau_m dv/dt = v_rest - v + delta_T exp((v - v_threshold)/delta_T) - w_a + s_exc + s_inh
  + I_v``, ``tau_w dw_a/dt = a (v - v_rest) - w_a``; spike when ``v > v_peak``, then ``v = v_reset``,
  ``w_a += b`` (Brette & Gerstner 2005, in voltage units).

With conductance synapses (``synapse: {kind: conductance}`` on a projection) the input is
``g_exc (E_exc - v) + g_inh (E_inh - v)`` instead, with dimensionless conductances relative to the leak.
``I_v`` is the current drive of ``drive: current`` stimuli (their amplitude in mV) and of the area's
``baseline`` (mV); the area's ``u0`` is the start potential above ``v_rest`` (mV); ``drive: poisson``
stimuli (the default) are Poisson spike trains at the stimulus value times ``input_rate`` (default
``1 Hz``: the value in Hz), each spike adding ``input_weight`` to ``s_exc``; a rate area's drive
``scale * W @ r`` and a stimulus's OU noise are read the same way. Gain projections (``mode: gain``)
multiply every input but the area's own competition
(whose linearised coupling becomes synapses of ``competition_weight`` per unit of coupling).

Competition acts between the excitatory neurons directly (``inhibition: direct``, the default) or,
respecting Dale's law, through a shared pool of ``pool_size`` inhibitory neurons per area
(``inhibition: pool``, Wang 2002): every neuron excites the pool and the pool inhibits every neuron,
each neuron excites itself by what the pool takes from it beyond its own coupling, and the pool
fires tonically at ``pool_rate``, where its f–I curve is close to linear, so the mean inhibition
equals the direct circuit's (``engine.spiking``). by ``max(0, 1 + scale * W @ r_source)`` (a
spiking source's ``r`` read in Hz), as ``E = (1 + gain) * (I + bias)`` does in a rate area. The unit's rate ``r`` (Hz) is its spike train filtered with ``rate_tau``.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from neuroattn.spec.base import SpecModel
from neuroattn.spec.kinds import KindTable
from neuroattn.spec.quantities import parse_quantity

#: The neuron models, by their ``model`` tag.
NEURONS = KindTable("model", "neuron model")

_NAMES = {"second": "a time", "volt": "a voltage", "hertz": "a rate", "1": "a number"}


def _quantity(unit: str, positive: bool = False, non_negative: bool = False):
    def check(value: Any) -> str:
        si, got = parse_quantity(value)
        if got != unit:
            raise ValueError(f"must be {_NAMES.get(unit, unit)} with its unit")
        if positive and si <= 0:
            raise ValueError("must be positive")
        if non_negative and si < 0:
            raise ValueError("must not be negative")
        if getattr(value, "dim", None) is not None:
            return f"{si!r} {dict(second='s', volt='V', hertz='Hz').get(unit, '')}".strip()
        return value if isinstance(value, str) else repr(float(value))
    return Annotated[str, BeforeValidator(check)]


Time = _quantity("second", positive=True)
Duration = _quantity("second", non_negative=True)
Voltage = _quantity("volt")
PositiveVoltage = _quantity("volt", positive=True)
PositiveRate = _quantity("hertz", positive=True)


def si(value) -> float:
    """The SI value of a stored quantity (``'-70 mV'`` gives -0.07)."""
    return parse_quantity(value)[0]


class NeuronModel(SpecModel):
    """Base of the neuron models (see the module docstring)."""

    tau_m: Time = "20 ms"
    v_rest: Voltage = "-70 mV"
    v_threshold: Voltage = "-50 mV"
    v_reset: Voltage = "-60 mV"
    refractory: Duration = "2 ms"
    tau_exc: Time = "5 ms"
    tau_inh: Time = "10 ms"
    input_weight: Voltage = "0.5 mV"
    input_rate: PositiveRate = "1 Hz"
    competition_weight: PositiveVoltage = "20 mV"
    inhibition: Literal["direct", "pool"] = "direct"
    pool_size: int = Field(8, ge=1)
    pool_rate: PositiveRate = "100 Hz"
    rate_tau: Time = "20 ms"
    E_exc: Voltage = "0 mV"
    E_inh: Voltage = "-80 mV"

    #: Extra state variables besides v, s_exc, s_inh: name -> Brian2 unit.
    state: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _order(self):
        if si(self.v_threshold) <= si(self.v_reset):
            raise ValueError(f"v_threshold must be above v_reset (got v_threshold={self.v_threshold!r}, "
                             f"v_reset={self.v_reset!r})")
        return self

    def constants(self) -> dict[str, tuple[float, str]]:
        """Every numeric parameter as (SI value, Brian2 unit), for per-unit constants of the group."""
        units = {"second": "second", "volt": "volt", "1": "1"}
        out = {}
        for name in type(self).model_fields:
            if name in ("model", "inhibition", "pool_size"):  # structure, not numbers
                continue
            value, unit = parse_quantity(getattr(self, name))
            out["t_ref" if name == "refractory" else name] = (value, units.get(unit, unit))  # Brian2 reserves the name
        return out

    def structure(self) -> tuple:
        return (self.model, self.inhibition, self.pool_size if self.inhibition == "pool" else None)

    def membrane(self, inputs: str) -> list[str]:
        """Brian2 lines of the membrane equation; `inputs` is the input term (a voltage)."""
        raise NotImplementedError

    threshold: ClassVar[str] = "v > v_threshold"
    reset: ClassVar[str] = "v = v_reset"


@NEURONS.register
class LIF(NeuronModel):
    """Leaky integrate-and-fire (see the module docstring)."""

    model: Literal["lif"] = "lif"

    def membrane(self, inputs: str) -> list[str]:
        return [f"dv/dt = (v_rest - v + {inputs})/tau_m : volt (unless refractory)"]


@NEURONS.register
class AdEx(NeuronModel):
    """Adaptive exponential integrate-and-fire (see the module docstring)."""

    model: Literal["adex"] = "adex"
    delta_T: PositiveVoltage = "2 mV"
    v_peak: Voltage = "0 mV"
    tau_w: Time = "100 ms"
    a: float = Field(0.0, ge=0)
    b: Voltage = "0.5 mV"

    state: ClassVar[dict[str, str]] = {"w_a": "volt"}
    threshold: ClassVar[str] = "v > v_peak"
    reset: ClassVar[str] = "v = v_reset; w_a += b"

    def membrane(self, inputs: str) -> list[str]:
        return [f"dv/dt = (v_rest - v + delta_T*exp((v - v_threshold)/delta_T) - w_a + {inputs})/tau_m"
                " : volt (unless refractory)",
                "dw_a/dt = (a*(v - v_rest) - w_a)/tau_w : volt"]


#: A neuron field: any registered model (`NEURONS`).
Neuron = NEURONS.field()


class Synapse(SpecModel):
    """How a projection onto a spiking area acts: ``current`` (the weight, in mV, jumps the target's
    ``s_exc`` or, if negative, ``s_inh``) or ``conductance`` (the weight, relative to the leak, jumps
    ``g_exc`` or ``g_inh``). Both decay exponentially with the target neuron's ``tau_exc``/``tau_inh``.
    Rate areas read a spiking source's filtered rate (Hz) through the projection's weights."""

    kind: Literal["current", "conductance"] = "current"


__all__ = ["NEURONS", "NeuronModel", "Neuron", "LIF", "AdEx", "Synapse", "si"]
