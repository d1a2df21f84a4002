"""Where a rate run goes after it ends: its own equations continued from its final state (no brian2).

A run that has not settled when it ends need not be run again to learn where it goes, when its
equations are known in closed form: `continue_run` integrates the spec's rate equations
(`RateModel.rhs`, with the analytic `RateModel.jacobian`: the equations `fixed_points` and
`bifurcation` solve) from the run's final state ``u_final``, with the input held at its value at the
end of the run, in windows of doubling length. After each window it asks whether the state has
reached a stable fixed point: Newton's method from the window's last state (`RateModel.polish`) finds
a fixed point within ``1e-6`` of it (relative) at which every eigenvalue of the Jacobian has a negative
real part. The integration is scipy's LSODA (stiff and non-stiff switching) with tight tolerances
(rtol 1e-10), so the continuation follows a ReLU's kinks and slow modes alike.

The continuation is the run's own dynamics only where nothing but the state and the rate equations
decides what comes next; `cannot_continue` says why not otherwise: spiking areas, areas with several
state variables or reserve units (which `RateModel` does not evaluate), stimulus noise, plastic
connections, tasks, projection delays, and stimuli whose envelope still changes after the run's end.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
from scipy import integrate

from neuroattn.analysis.rate_model import RateModel
from neuroattn.exceptions import NeuroAttnError
from neuroattn.spec import NetworkSpec

#: A fixed point counts as reached when the state is this close to it (relative to its size).
REACHED = 1e-6


def cannot_continue(spec: NetworkSpec, t_end: float) -> Optional[str]:
    """Why a run of `spec` that ended at `t_end` (s) cannot be continued by its rate equations; None
    where it can (the state ``u`` and `input_after` then decide everything that follows)."""
    try:
        RateModel(spec)
    except NeuroAttnError as err:
        return str(err)
    for k, stim in enumerate(spec.stimuli):
        where = f"stimuli[{k}]"
        if stim.noise is not None:
            return f"{where}.noise: noise-driven input"
        if stim.patterns is not None:
            return f"{where}.patterns: presentations alternate"
        if stim.offset is not None and stim.offset > t_end:
            return f"{where}.offset: the stimulus is switched off after the run's end"
        if stim.offset is None and stim.onset + stim.ramp > t_end:
            return f"{where}.onset: the stimulus is still rising (or not yet on) at the run's end"
    if spec.plastic_connections():
        return f"{next(iter(spec.plastic_connections()))}: the weights are plastic"
    if spec.tasks:
        return f"tasks[0]: a task ({spec.tasks[0].name}) acts on the run"
    for proj in spec.projections:
        if proj.delay > 0:
            return f"projections[{proj.name}].delay: delayed projections"
    return None


def input_after(spec: NetworkSpec, t_end: float, model: Optional[RateModel] = None) -> np.ndarray:
    """The external input per unit from `t_end` (s) on, for a spec `cannot_continue` accepts: the
    baseline plus every stimulus still on (those switched off before `t_end` add nothing)."""
    model = model or RateModel(spec)
    I = model.baseline.copy()
    for stim in spec.stimuli:
        if stim.offset is None or stim.offset > t_end:
            I[model.slices[stim.area]] += spec.stimulus_amplitudes(stim)
    return I


@dataclass(frozen=True)
class Window:
    """One window of a continued run: sample times (s after the run's end), the rates there (T, n), the
    state at its end, and the stable fixed point reached by then (state ``u``; None if not yet)."""

    times: np.ndarray
    r: np.ndarray
    u: np.ndarray
    fixed_point: Optional[np.ndarray]


def reached(model: RateModel, u: np.ndarray, I: np.ndarray) -> Optional[np.ndarray]:
    """The stable fixed point within `REACHED` of the state `u`, or None."""
    x = model.polish(u, I)
    if x is None or np.max(np.abs(x - u)) > REACHED * (1.0 + np.max(np.abs(x))):
        return None
    return x if np.max(np.linalg.eigvals(model.jacobian(x, I)).real) < 0 else None


def continue_run(spec: NetworkSpec, state: np.ndarray, t_end: float, *, window: float, n_samples: int = 50,
                 max_time: Optional[float] = None) -> Iterator[Window]:
    """Continue a run of `spec` that ended at `t_end` in state `state` by its rate equations.

    Parameters
    ----------
    spec : NetworkSpec
        The run's spec (one `cannot_continue` accepts).
    state : array
        The state ``u`` at the end of the run (``u_final``), one value per unit.
    t_end : float
        When the run ended (s); it decides the input held from then on (`input_after`).
    window : float
        Length of the first window (s); each next window is twice as long.
    n_samples : int
        Samples per window.
    max_time : float, optional
        How long to continue at most (s after the run's end); default 1e4 times the longest time
        constant.

    Yields
    ------
    Window
        Sample times (s after the run's end), rates ``r`` (samples, units), the state ``u`` at the
        window's end and ``fixed_point``: the stable fixed point reached, set on the last window where
        one is reached. Windows end there, where the integration fails or the state leaves 1e6 times
        its initial size (a shorter last window), or at `max_time`.

    Raises
    ------
    NeuroAttnError
        Where `cannot_continue` names a reason.

    Examples
    --------
    >>> import neuroattn as na
    >>> spec = na.models.seed_competition()
    >>> last = list(continue_run(spec, [0.5, 0.4, 0.3, 0.2], 1.0, window=0.1))[-1]
    >>> np.round(last.fixed_point, 3)
    array([ 3.571, -0.091, -0.111, -0.131])
    """
    reason = cannot_continue(spec, t_end)
    if reason:
        raise NeuroAttnError(f"continue_run: {reason}; the run cannot be continued from its final state")
    model = RateModel(spec)
    I = input_after(spec, t_end, model)
    u = np.asarray(state, float)
    if u.shape != (model.n_units,):
        raise NeuroAttnError(f"state: must have one value per unit ({model.n_units}) (got shape {u.shape})")
    horizon = 1e4 * float(np.max(model.timescale)) if max_time is None else float(max_time)
    bound = 1e6 * (1.0 + np.max(np.abs(u)))

    def escape(t, x):
        return bound - np.max(np.abs(x))

    escape.terminal = True
    t0, length = 0.0, float(window)
    while t0 < horizon:
        t1 = min(t0 + length, horizon)
        samples = np.linspace(t0, t1, n_samples)
        with np.errstate(all="ignore"):
            sol = integrate.solve_ivp(lambda t, x: model.rhs(x, I), (t0, t1), u, method="LSODA", t_eval=samples,
                                      jac=lambda t, x: model.jacobian(x, I), rtol=1e-10,
                                      atol=1e-12 * (1.0 + np.max(np.abs(u))), events=escape)
        if sol.t.size < 2:
            return
        u = sol.y[:, -1]
        point = reached(model, u, I) if sol.status == 0 else None
        yield Window(sol.t, model.rates(sol.y).T, u, point)
        if point is not None or sol.status != 0:  # reached, or failed or escaped: nothing more
            return
        t0, length = t1, 2 * length


__all__ = ["continue_run", "cannot_continue", "input_after", "reached", "Window", "REACHED"]
