"""Reference integrators shared by the tests: forward Euler in numpy on the analysis RateModel."""
from __future__ import annotations

import numpy as np

from neuroattn.analysis import RateModel
from neuroattn.engine import OUProcess
from neuroattn.spec.area import per_unit


def euler_reference(spec, n_steps: int, dt: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """States at steps 0..n_steps-1 (n_steps, N) and the final state, by a plain Euler loop.

    Follows the engine's conventions: r = f(u) and the couplings of step k use u[k]; noise of stimulus
    s comes from the same seeded OU stream; delayed projections read r of ``k - delay`` (r(0) before).
    """
    model = RateModel(spec)
    noise = []
    for s, stim in enumerate(spec.stimuli):
        if stim.noise is None:
            noise.append(None)
            continue
        n = spec.areas[stim.area].n
        proc = OUProcess([seed], s, np.full((1, n), stim.noise.sigma), np.full((1, n), stim.noise.tau), dt)
        noise.append(proc.trajectory(n_steps))
    I = model.input_trace(n_steps, dt, noise)
    u = np.concatenate([per_unit(a.u0, a.n) for a in spec.areas.values()])
    delays = [int(round(p.delay / dt)) for p in spec.projections]
    history = []
    out = np.empty((n_steps, model.n_units))
    for k in range(n_steps):
        out[k] = u
        r = model.rates(u)
        history.append(r)
        r_proj = [history[max(k - d, 0)][model.slices[p.source]] for p, d in zip(spec.projections, delays)]
        u = u + dt * model.rhs(u, I[k], r_proj)
    return out, u
