"""Spec → Brian2 equations for one area, from the area's `AreaDynamics` and its transfer function.

Each area is one NeuronGroup of K·n units, or a block of K·n units of a group it shares with
areas of the same dynamics (`engine.groups`). Its dynamics are the text the area's `AreaDynamics` gives
(a competition model's ``du/dt = (-u + g)/tau : 1``, or the user's own equations), in which ``I``
means the external drive; the engine renames it ``E`` and adds::

    r = f(u) : 1 (constant over dt)            # or a variable the step operation writes (see below)
    I = I0 + sum_s env_s(t)*(amp_s + eta_s) : 1   # stimulus input; I0 = baseline + constant stimuli
    E = (1 + gain inputs) * (I + bias inputs) : 1 # the drive the dynamics see as I
    rec : 1, in_<p> : 1                        # written by the couplings
    <constant> : <unit> (constant)             # per-unit constants of the dynamics, f_<field> of f

Nothing here knows a particular kind: transfer code and dynamics come from their registrations.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from neuroattn.engine.batch import AreaParams
from neuroattn.spec import NetworkSpec


@dataclass
class AreaEquations:
    """Equation text of one area, in two parts, and the names it introduces."""

    dynamics: str  # the area's own dynamics, in which I means the drive (renamed E when built)
    text: str  # everything the engine adds
    constants: dict  # per-unit constants to fill from BatchParams: name -> Brian2 unit name
    coupled: list[str]  # variables written by couplings (rec, in_<p>)
    folded: list[int]  # stimuli (always on, noiseless) summed with the baseline into the constant I0


def group_equations(spec: NetworkSpec, areas: Sequence[AreaParams], *, noise_as_function: bool = False,
                    rate_as_state: bool = False, fused: Optional[dict] = None) -> AreaEquations:
    """Brian2 equations for a group of `areas` (one area, or several with the same dynamics:
    `groups.rate_clusters`).

    With ``rate_as_state=True`` the rate ``r`` is a plain variable that the engine's network operation
    refreshes from ``u`` at the start of every step (in-place numpy, `TransferFunction.writer`);
    otherwise it is a ``constant over dt`` subexpression that Brian2 evaluates at the same point of
    the step (then the areas must share one transfer function).

    Stimulus ``s`` contributes ``env_s(t)*(amp_s + eta_s)``; ``env_s`` is a TimedArray in the group's
    namespace, left out for stimuli that are always on (constant, noiseless ones are summed into
    ``I0``). A stimulus with patterns has ``pat_s`` (the pattern shown, written by the step
    operation from a schedule laid out before the run) in place of ``amp_s``. `fused` gives coupled
    variables as expressions (``rec = dense_rec_V1_at(dense_rec_V1(t))``, `kernels.DenseProduct`)
    instead of variables a coupling writes. Noise ``eta_s`` is a
    state variable written each step by the engine's network operation, or
    (``noise_as_function=True``, for standalone) a TimedArray ``eta_s(t, i)``.

    In a shared group every stimulus's and projection's variable is zero outside its own area's
    block (`builder.group_values`), and the transfer constants of every area's function are declared,
    so each block's terms are exactly its own area's: adding zeros and multiplying by ``1 + 0``
    change no bit.
    """
    names = [area.name for area in areas]
    first = areas[0]
    transfer = spec.areas[first.name].transfer
    constants = {"I0": "1"}
    for area in areas:
        constants.update({f"f_{k}": "1" for k in area.transfer})
    constants.update(first.dynamics.units)
    lines = ["r : 1" if rate_as_state else f"r = {transfer.brian2_code()} : 1 (constant over dt)"]
    inputs, folded = ["I0"], []
    for s, stim in enumerate(spec.stimuli):
        if stim.area not in names:
            continue
        if stim.always_on and stim.noise is None:  # constant input: summed into I0 once, at build
            folded.append(s)
            continue
        if stim.patterns is not None:  # the pattern shown now, written by the step operation
            lines.append(f"pat_{s} : 1")
            value = f"pat_{s}"
        else:
            constants[f"amp_{s}"] = "1"
            value = f"amp_{s}"
        drive = value if stim.noise is None else f"({value} + eta_{s})"
        inputs.append(drive if stim.always_on else f"env_{s}(t)*{drive}")
        if stim.noise is not None:
            lines.append(f"eta_{s} = eta_{s}_values(t, i) : 1" if noise_as_function else f"eta_{s} : 1")
    lines.append(f"I = {' + '.join(inputs)} : 1")
    bias = [f"in_{p}" for p, proj in enumerate(spec.projections) if proj.target in names and proj.mode == "bias"]
    gain = [f"in_{p}" for p, proj in enumerate(spec.projections) if proj.target in names and proj.mode == "gain"]
    drive = "I" if not bias else f"(I + {' + '.join(bias)})"
    if gain:
        drive = f"(1 + {' + '.join(gain)})*{drive}"
    lines.append(f"E = {drive} : 1")
    coupled = (["rec"] if any(area.coupling is not None for area in areas) else []) + bias + gain
    lines += [f"{c} : {unit} (constant)" for c, unit in constants.items()]
    fused = fused or {}  # coupled variables that are expressions (a compiled product's entry)
    lines += [f"{v} = {fused[v]} : 1" if v in fused else f"{v} : 1" for v in coupled]
    return AreaEquations(first.dynamics.equations, "\n".join(lines), constants, coupled, folded)
