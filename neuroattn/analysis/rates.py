"""The rate equations of a spec in numpy: ``du/dt = F(u, I)`` and its analytic Jacobian.

This is an implementation of the equations in `neuroattn.spec.competition` independent of the Brian2
engine; the reference tests integrate it and compare. Projection delays do not enter `rhs` (pass
delayed source rates explicitly) nor `jacobian` (the Jacobian of the undelayed system).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from neuroattn.spec import NetworkSpec
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
        self.tau = np.concatenate([np.full(a.n, a.tau) for a in spec.areas.values()])
        self.baseline = np.concatenate([per_unit(a.baseline, a.n) for a in spec.areas.values()])
        self.w = {name: spec.competition_matrix(name) for name in spec.areas}
        self.w_offdiag = {name: None if w is None else w - np.diag(np.diag(w)) for name, w in self.w.items()}
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

    def rhs(self, u: np.ndarray, I: np.ndarray, r_proj: Optional[Sequence[np.ndarray]] = None) -> np.ndarray:
        """``du/dt`` at state `u` with external input `I`; `r_proj[p]` overrides projection p's source rates."""
        r = self.rates(u)
        bias, gain = self._inputs_from_projections(r, r_proj)
        E = (1.0 + gain) * (I + bias)
        total = np.empty_like(E)
        for name, sl in self.slices.items():
            comp = self.spec.areas[name].competition
            ra, Ea = r[sl], E[sl]
            if comp is None:
                total[sl] = Ea
            elif comp.model == "seed":
                w = self.w[name]
                rs = w.sum(1) if comp.include_self else w.sum(1) - np.diag(w)
                total[sl] = self.w_offdiag[name] @ ra - comp.beta * rs * ra + Ea
            elif comp.model == "lateral":
                total[sl] = comp.alpha * ra - comp.beta * (self.w_offdiag[name] @ ra) + Ea
            else:  # divisive
                total[sl] = Ea / (comp.sigma + comp.beta * (self.w[name] @ ra))
        return (-u + total) / self.tau

    def jacobian(self, u: np.ndarray, I: np.ndarray) -> np.ndarray:
        """Analytic ``d(du_i/dt)/du_j`` at `u` (N x N)."""
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
            comp = self.spec.areas[name].competition
            fa = fp[sl]
            if comp is None:
                J[sl] = dE[sl]
            elif comp.model == "seed":
                w = self.w[name]
                rs = w.sum(1) if comp.include_self else w.sum(1) - np.diag(w)
                J[sl] = dE[sl]
                J[sl, sl] += self.w_offdiag[name] * fa[None, :] - np.diag(comp.beta * rs * fa)
            elif comp.model == "lateral":
                J[sl] = dE[sl]
                J[sl, sl] += np.diag(comp.alpha * fa) - comp.beta * self.w_offdiag[name] * fa[None, :]
            else:  # divisive: x = E / (sigma + beta * W r)
                den = comp.sigma + comp.beta * (self.w[name] @ r[sl])
                J[sl] = dE[sl] / den[:, None]
                J[sl, sl] -= (E[sl] / den ** 2)[:, None] * comp.beta * self.w[name] * fa[None, :]
        J -= np.eye(N)
        return J / self.tau[:, None]
