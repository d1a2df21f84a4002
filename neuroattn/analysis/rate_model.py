"""The rate equations of a spec in numpy: ``du/dt = F(u, I)`` and its analytic Jacobian.

Each area's right-hand side and its partial derivatives come from the area's `AreaDynamics` (the
numpy side of its competition model's registration, or of its own equations); this module wires the
areas together through their projections. It shares no code with the Brian2 engine, so the reference
tests integrate it and compare. Projection delays do not enter `rhs` (pass delayed source rates
explicitly) nor `jacobian` (the Jacobian of the undelayed system).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from scipy import optimize

from neuroattn.exceptions import NeuroAttnError
from neuroattn.spec import NetworkSpec, area_dynamics
from neuroattn.spec.area import per_unit


class RateModel:
    """Numbers of one spec, arranged for evaluating the rate equations over all units.

    Examples
    --------
    >>> from neuroattn import load_spec
    >>> model = RateModel(load_spec("areas: {A: {n: 2, tau: 10 ms, transfer: linear}}"))
    >>> model.rhs(np.array([1.0, 0.0]), np.zeros(2))
    array([-100.,    0.])
    """

    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        self.slices = spec.area_slices()
        self.n_units = spec.n_units
        spiking = [name for name, a in spec.areas.items() if a.spiking]
        if spiking:
            raise NeuroAttnError(f"areas.{spiking[0]}: the analysis handles rate areas; this area is spiking")
        reserved = [name for name, a in spec.areas.items() if a.reserve is not None]
        if reserved:
            raise NeuroAttnError(f"areas.{reserved[0]}.reserve: the analysis handles areas without reserve units "
                                 "(their rates switch on during a run)")
        self.dynamics = {name: area_dynamics(a) for name, a in spec.areas.items()}
        for name, dyn in self.dynamics.items():
            if dyn.rhs is None:
                raise NeuroAttnError(f"areas.{name}: the analysis handles dynamics with one state variable "
                                     f"per unit (u); this area has {', '.join(dyn.state)}")
        self.timescale = np.concatenate([np.full(a.n, 1.0) if d.timescale is None else d.timescale
                                         for a, d in zip(spec.areas.values(), self.dynamics.values())])
        self.baseline = np.concatenate([per_unit(a.baseline, a.n) for a in spec.areas.values()])
        self.proj = [spec.projection_matrix(p) for p in spec.projections]

    # -- inputs ------------------------------------------------------------------------------------
    def steady_input(self) -> np.ndarray:
        """External input with every stimulus fully on and no noise (what fixed points are taken at)."""
        I = self.baseline.copy()
        for stim in self.spec.stimuli:
            I[self.slices[stim.area]] += self.spec.stimulus_amplitudes(stim)
        return I

    def input_trace(self, n_steps: int, dt: float, noise: Optional[Sequence[Optional[np.ndarray]]] = None) -> np.ndarray:
        """External input at steps 0..n_steps-1, shape (n_steps, N); ``noise[s]`` is eta of stimulus s."""
        I = np.tile(self.baseline, (n_steps, 1))
        for s, stim in enumerate(self.spec.stimuli):
            drive = self.spec.stimulus_amplitudes(stim)[None, :]
            if noise is not None and noise[s] is not None:
                drive = drive + noise[s]
            I[:, self.slices[stim.area]] += stim.envelope(n_steps, dt)[:, None] * drive
        return I

    # -- dynamics ----------------------------------------------------------------------------------
    def rates(self, u: np.ndarray) -> np.ndarray:
        r = np.empty_like(u, dtype=float)
        for name, sl in self.slices.items():
            r[sl] = self.spec.areas[name].transfer.value(u[sl])
        return r

    def slopes(self, u: np.ndarray) -> np.ndarray:
        d = np.empty_like(u, dtype=float)
        for name, sl in self.slices.items():
            d[sl] = self.spec.areas[name].transfer.derivative(u[sl])
        return d

    def _inputs_from_projections(self, r, r_proj):
        bias, gain = np.zeros(self.n_units), np.zeros(self.n_units)
        for p, proj in enumerate(self.spec.projections):
            src = r[self.slices[proj.source]] if r_proj is None else r_proj[p]
            target = bias if proj.mode == "bias" else gain
            target[self.slices[proj.target]] += self.proj[p] @ src
        return bias, gain

    def _recurrent(self, name: str, r_area: np.ndarray) -> np.ndarray:
        c = self.dynamics[name].coupling
        return np.zeros_like(r_area) if c is None else c @ r_area

    def rhs(self, u: np.ndarray, I: np.ndarray, r_proj: Optional[Sequence[np.ndarray]] = None) -> np.ndarray:
        """``du/dt`` at state `u` with external input `I`; `r_proj[p]` overrides projection p's source rates."""
        r = self.rates(u)
        bias, gain = self._inputs_from_projections(r, r_proj)
        E = (1.0 + gain) * (I + bias)
        out = np.empty_like(E)
        for name, sl in self.slices.items():
            dyn = self.dynamics[name]
            out[sl] = dyn.rhs(u[sl], r[sl], self._recurrent(name, r[sl]), E[sl], dyn.constants)
        return out

    def jacobian(self, u: np.ndarray, I: np.ndarray) -> np.ndarray:
        """Analytic ``d(du_i/dt)/du_j`` at `u` (N x N), from each area's partial derivatives."""
        N = self.n_units
        r, fp = self.rates(u), self.slopes(u)
        bias, gain = self._inputs_from_projections(r, None)
        D = I + bias  # drive before gain
        dE = np.zeros((N, N))  # dE_i/du_j with E = (1+gain)*(I+bias)
        for p, proj in enumerate(self.spec.projections):
            rows, cols = self.slices[proj.target], self.slices[proj.source]
            if proj.mode == "bias":
                dE[rows, cols] += (1.0 + gain[rows])[:, None] * self.proj[p] * fp[cols][None, :]
            else:
                dE[rows, cols] += D[rows][:, None] * self.proj[p] * fp[cols][None, :]
        E = (1.0 + gain) * D
        J = np.zeros((N, N))
        for name, sl in self.slices.items():
            dyn = self.dynamics[name]
            d_u, d_r, d_rec, d_E = dyn.partials(u[sl], r[sl], self._recurrent(name, r[sl]), E[sl], dyn.constants)
            J[sl] = d_E[:, None] * dE[sl]
            J[sl, sl] += np.diag(d_u + d_r * fp[sl])
            if dyn.coupling is not None:
                J[sl, sl] += d_rec[:, None] * dyn.coupling * fp[sl][None, :]
        return J

    def polish(self, guess: np.ndarray, I: np.ndarray, tol: float = 1e-9) -> Optional[np.ndarray]:
        """The fixed point that Newton's method (scipy ``hybr`` with the analytic Jacobian) reaches from
        `guess`, or None where it finds none whose residual ``max |du/dt| * timescale`` is at most
        ``tol * max(1, max |u|)``."""
        scale = self.timescale
        with np.errstate(all="ignore"):
            sol = optimize.root(lambda u: self.rhs(u, I) * scale, guess,
                                jac=lambda u: self.jacobian(u, I) * scale[:, None], method="hybr")
            x = sol.x
            if not np.all(np.isfinite(x)) or \
                    np.max(np.abs(self.rhs(x, I) * scale)) > tol * max(1.0, np.max(np.abs(x))):
                return None
        return x
