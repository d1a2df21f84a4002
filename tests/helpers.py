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


def two_area_spec(delay="0 ms", noise=True, delay_bias=True):
    """Recurrent competition in both areas and three projections (bias and gain), the feedback
    delayed by `delay` (the bias feedback too, with `delay_bias`)."""
    import neuroattn as na

    return na.NetworkSpec(
        areas={"V1": na.Area(n=6, tau="10 ms", transfer="relu", baseline=0.05,
                             competition=na.Seed(beta=0.5, weights=-0.1)),
               "PFC": na.Area(n=3, tau="30 ms", transfer={"kind": "sigmoid", "gain": 5, "threshold": 0.3},
                              u0=[0.1, 0.0, -0.1], competition=na.Lateral(alpha=0.3, beta=0.5, weights=0.5))},
        projections=[na.Projection(source="V1", target="PFC", weights=na.Random(seed=2, distribution="uniform"),
                                   scale=0.5),
                     na.Projection(source="PFC", target="V1", weights=na.Random(seed=3), kind="feedback",
                                   mode="gain", scale=0.3, delay=delay),
                     na.Projection(source="PFC", target="V1", name="fb_bias", weights=0.1, kind="feedback",
                                   delay=delay if delay_bias else "0 ms")],
        stimuli=[na.Stimulus(area="V1", amplitude=np.linspace(1.0, 0.5, 6), onset="2 ms",
                             noise=na.OUNoise(sigma=0.2, tau="5 ms") if noise else None),
                 na.Stimulus(area="PFC", amplitude=[0.5, 0, 0], offset="50 ms")])
