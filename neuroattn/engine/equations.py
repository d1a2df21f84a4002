"""Spec → Brian2 equation text for one area, with a registry per transfer kind and competition model.

Each area is one NeuronGroup of K·n units obeying::

    du/dt = (-u + <competition rhs>)/tau : 1
    r = f(u) : 1 (constant over dt)            # evaluated once per step, before anything reads it
    I = I0 + sum_s env_s(t)*(amp_s + eta_s) : 1   # I0: baseline + constant stimuli
    E = (1 + gain inputs) * (I + bias inputs) : 1

A new transfer kind or competition model registers a writer here; nothing else changes.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from neuroattn.engine.batch import COMPETITION_CONSTANTS, TRANSFER_FIELDS
from neuroattn.spec import NetworkSpec
from neuroattn.spec.competition import Divisive, Lateral, Seed
from neuroattn.spec.transfer import Expression, Linear, ReLU, Sigmoid


@functools.singledispatch
def transfer_expression(transfer) -> str:
    """f(u) as Brian2 code, with its parameters as per-unit constants named ``f_<field>``."""
    raise NotImplementedError(f"no Brian2 expression registered for transfer {type(transfer).__name__}")


@transfer_expression.register
def _(transfer: Sigmoid) -> str:
    return "1/(1 + exp(-f_gain*(u - f_threshold)))"


@transfer_expression.register
def _(transfer: ReLU) -> str:
    return "clip(u - f_threshold, 0, inf)"


@transfer_expression.register
def _(transfer: Linear) -> str:
    return "f_slope*u"


@transfer_expression.register
def _(transfer: Expression) -> str:
    return f"({transfer.expr})"


@functools.singledispatch
def competition_rhs(comp, drive: str) -> str:
    """The right-hand side (before ``-u``) for a competition model; ``lat`` is its coupling sum."""
    raise NotImplementedError(f"no Brian2 equations registered for competition {type(comp).__name__}")


@competition_rhs.register
def _(comp: None, drive: str) -> str:
    return drive


@competition_rhs.register
def _(comp: Seed, drive: str) -> str:
    return f"lat - brs*r + {drive}"


@competition_rhs.register
def _(comp: Lateral, drive: str) -> str:
    return f"alpha*r - beta*lat + {drive}"


@competition_rhs.register
def _(comp: Divisive, drive: str) -> str:
    return f"({drive})/(sigma + beta*lat)"


@dataclass
class AreaEquations:
    """Equation text of one area, and the names it introduces."""

    text: str
    constants: list[str]  # per-unit (constant) parameters to fill from BatchParams
    coupled: list[str]  # variables written by couplings (lat, in_<p>)
    folded: list[int]  # stimuli (always on, noiseless) summed with the baseline into the constant I0


def area_equations(spec: NetworkSpec, name: str, *, noise_as_function: bool = False,
                   rate_as_state: bool = False) -> AreaEquations:
    """Brian2 equations for area `name`.

    With ``rate_as_state=True`` the rate ``r`` is a plain variable that the engine's network operation
    refreshes from ``u`` at the start of every step (vectorised numpy, see `engine.rates`); otherwise
    it is a ``constant over dt`` subexpression that Brian2 evaluates at the same point of the step.

    Stimulus ``s`` contributes ``env_s(t)*(amp_s + eta_s)``; ``env_s`` is a TimedArray in the group's
    namespace, left out for stimuli that are always on (constant, noiseless ones are summed into
    ``I0``). Noise ``eta_s`` is a state variable written each step by the engine's network operation,
    or (``noise_as_function=True``, for standalone) a TimedArray ``eta_s(t, i)``.
    """
    area = spec.areas[name]
    comp = area.competition
    constants = ["I0"] + [f"f_{k}" for k in TRANSFER_FIELDS[area.transfer.kind]]
    lines = ["du/dt = (-u + {rhs})/tau : 1",
             "r : 1" if rate_as_state else f"r = {transfer_expression(area.transfer)} : 1 (constant over dt)",
             "tau : second (constant)"]
    inputs, folded = ["I0"], []
    for s, stim in enumerate(spec.stimuli):
        if stim.area != name:
            continue
        if stim.always_on and stim.noise is None:  # constant input: summed into I0 once, at build
            folded.append(s)
            continue
        constants.append(f"amp_{s}")
        drive = f"amp_{s}" if stim.noise is None else f"(amp_{s} + eta_{s})"
        inputs.append(drive if stim.always_on else f"env_{s}(t)*{drive}")
        if stim.noise is not None:
            if noise_as_function:
                lines.append(f"eta_{s} = eta_{s}_values(t, i) : 1")
            else:
                lines.append(f"eta_{s} : 1")
    lines.append(f"I = {' + '.join(inputs)} : 1")
    bias = [f"in_{p}" for p, proj in enumerate(spec.projections) if proj.target == name and proj.mode == "bias"]
    gain = [f"in_{p}" for p, proj in enumerate(spec.projections) if proj.target == name and proj.mode == "gain"]
    drive = "I" if not bias else f"(I + {' + '.join(bias)})"
    if gain:
        drive = f"(1 + {' + '.join(gain)})*{drive}"
    coupled = bias + gain
    if comp is not None:
        coupled.insert(0, "lat")
        constants += list(COMPETITION_CONSTANTS[comp.model])
    lines[0] = lines[0].format(rhs=competition_rhs(comp, drive))
    lines += [f"{c} : 1 (constant)" for c in constants]
    lines += [f"{v} : 1" for v in coupled]
    return AreaEquations("\n".join(lines), constants, coupled, folded)
