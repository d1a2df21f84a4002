"""An independent reference integrator of rate networks: forward Euler in plain numpy.

Written from the documentation (README "The model", "Your own dynamics, as Brian2 equations",
"Plasticity: weights that learn" for pattern presentations, the docstrings of ``neuroattn.spec``
for the exact formulas of transfer functions, weight patterns, feature axes and stimulus
envelopes), not from the engine: this module imports neither ``neuroattn.engine`` nor
``neuroattn.analysis`` (nor ``tests/helpers.py``). It reads the fields of a spec and computes
every equation itself; where the reference and the engine disagree, one of them, or the
documentation, is wrong.

What it takes from the spec layer's own methods, because the documentation names the construction
but not its numbers: the draws of ``random`` weight patterns (`Random.matrix`, "seeded draws") and
the order of ``order: random`` presentations (`Presentation.order_of`, "seeded by seed").

The engine's documented conventions it follows (README "Engine and speed", "The model"):

- step ``k`` (time ``k*dt``) computes ``r = f(u[k])``, every coupling from those rates, the drive
  and ``du/dt``; then ``u[k+1] = u[k] + dt*du/dt`` (Euler, every state variable from the old state);
- a projection delayed by ``d = round(delay/dt)`` steps reads ``r_source[k - d]``, and ``r(0)``
  before the start;
- traces hold steps ``0, e, 2e, ...`` (``e = record_every``); ``u_final`` is ``u[n_steps]``;
- stimulus ``s`` gives unit ``i`` at step ``k`` ``env[k]*(a_i + eta_i[k])``; the OU noise is
  ``eta[0] = 0``, ``eta[k+1] = eta[k] - dt/tau*eta[k] + sigma*sqrt(2*dt/tau)*xi[k]``, with ``xi[k]``
  the k-th row of ``numpy.random.default_rng(SeedSequence(seed, spawn_key=(s,))).standard_normal``
  over the area's units;
- a run diverged when some ``|u|`` exceeds 1e6 or is not finite.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

#: |u| beyond this counts as diverged (README, "Regimes": "the engine's divergence limit (1e6)").
DIVERGENCE_LIMIT = 1e6

#: The functions an expression may use (README: "Brian2's functions"), as numpy computes them.
FUNCTIONS = {"exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
             "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "arcsin": np.arcsin,
             "arccos": np.arccos, "arctan": np.arctan, "abs": np.abs, "sign": np.sign, "floor": np.floor,
             "ceil": np.ceil, "clip": np.clip, "pi": np.pi, "e": np.e, "inf": np.inf}


def evaluate(expr: str, names: dict):
    """The numpy value of a (test-written) expression in `names` and `FUNCTIONS`."""
    return eval(compile(expr, "<expression>", "eval"), {"__builtins__": {}}, {**FUNCTIONS, **names})


# ---------------------------------------------------------------- quantities, features, weights

_PREFIX = {"": 1.0, "m": 1e-3, "u": 1e-6, "µ": 1e-6, "n": 1e-9, "p": 1e-12, "k": 1e3, "M": 1e6}
_BASE = ("s", "second", "Hz", "hertz", "V", "volt", "A", "amp", "S", "siemens", "F", "farad", "ohm")
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*([A-Za-zµ]*)\s*$")


def si(value) -> float:
    """A number with an optional unit (``'10 ms'``, ``'-70 mV'``, ``0.2``) in SI."""
    if isinstance(value, (int, float)):
        return float(value)
    number, unit = _QUANTITY.match(str(value)).groups()
    if unit in ("", *_BASE):
        return float(number)
    for prefix, scale in _PREFIX.items():
        if prefix and unit.startswith(prefix) and unit[len(prefix):] in _BASE:
            return float(number) * scale
    if unit in ("msec", "msecond", "usecond"):
        return float(number) * (1e-3 if unit[0] == "m" else 1e-6)
    raise ValueError(f"unknown unit {unit!r}")


def per_unit(value, n: int) -> np.ndarray:
    """One number for every unit, or one per unit (README: "or one number per unit")."""
    return np.broadcast_to(np.asarray(value, float), (n,)).astype(float)


def features(area) -> np.ndarray:
    """Preferred features: ``n`` points over ``[low, high)`` (periodic) or ``[low, high]`` (FeatureAxis)."""
    ax, n = area.features, area.n
    if ax.periodic:
        return ax.low + (ax.high - ax.low) * np.arange(n) / n
    return np.linspace(ax.low, ax.high, n) if n > 1 else np.array([float(ax.low)])


def distance(x, y, period: Optional[float]) -> np.ndarray:
    """``|x_i - y_j|``, wrapped on a ring of length `period`."""
    d = np.abs(np.asarray(x, float)[:, None] - np.asarray(y, float)[None, :])
    return d if period is None else np.minimum(d, period - d)


def period(area) -> Optional[float]:
    ax = area.features
    return ax.high - ax.low if ax.periodic else None


def weights(pattern, post, pre) -> np.ndarray:
    """``W[i, j]`` onto unit i of area `post` from unit j of area `pre` (spec/weights.py's docstring);
    a Gaussian's distance is taken on the post area's axis."""
    shape = (post.n, pre.n)
    kind = pattern.kind
    if kind == "uniform":
        return np.full(shape, float(pattern.value))
    if kind == "matrix":
        return np.array(pattern.value, float)
    if kind == "gaussian":
        d = distance(features(post), features(pre), period(post))
        return pattern.offset + pattern.amplitude * np.exp(-d ** 2 / (2 * pattern.sigma ** 2))
    if kind == "sparse":
        w = np.zeros(tuple(pattern.shape))
        for i, j, v in zip(pattern.post, pattern.pre, pattern.value):
            w[i, j] = v
        return w
    if kind == "random":  # seeded draws: the numbers come from the spec's own construction
        return np.asarray(pattern.matrix(features(post), features(pre), period(post)), float)
    raise NotImplementedError(f"weights of kind {kind!r}")


# ---------------------------------------------------------------- transfer and competition

def transfer(spec_transfer) -> Callable[[np.ndarray], np.ndarray]:
    """f(u) of a transfer spec (the formulas of spec/transfer.py's docstrings)."""
    t = spec_transfer
    if t.kind == "sigmoid":
        return lambda u: 1.0 / (1.0 + np.exp(-t.gain * (u - t.threshold)))
    if t.kind == "relu":
        return lambda u: np.maximum(0.0, u - t.threshold)
    if t.kind == "linear":
        return lambda u: t.slope * u
    if t.kind == "expression":
        code = compile(t.expr, "<transfer>", "eval")
        return lambda u: np.broadcast_to(eval(code, {"__builtins__": {}}, {**FUNCTIONS, "u": u}),
                                         np.shape(u)).astype(float)
    raise NotImplementedError(f"transfer of kind {t.kind!r}")


def off_diagonal(w: np.ndarray) -> np.ndarray:
    out = np.array(w, float)
    np.fill_diagonal(out, 0.0)
    return out


def competition_rhs(area) -> tuple[Optional[np.ndarray], Callable]:
    """(matrix of rec or None, g(r, rec, I)) of a built-in competition model (README table)."""
    comp = area.competition
    if comp is None:
        return None, lambda r, rec, I: I
    w = weights(comp.weights, area, area)
    if comp.model == "seed":
        row = w.sum(axis=1) if comp.include_self else w.sum(axis=1) - np.diag(w)
        return off_diagonal(w), lambda r, rec, I: rec - comp.beta * row * r + I
    if comp.model == "lateral":
        return off_diagonal(w), lambda r, rec, I: comp.alpha * r - comp.beta * rec + I
    if comp.model == "divisive":
        return w, lambda r, rec, I: I / (comp.sigma + comp.beta * rec)
    raise NotImplementedError(f"competition model {comp.model!r}")


# ---------------------------------------------------------------- an area's dynamics

_DIFF = re.compile(r"^d([A-Za-z]\w*)/dt\s*=\s*(.+?)\s*:\s*[^():]+?\s*(\([^()]*\))?\s*$")
_SUB = re.compile(r"^([A-Za-z]\w*)\s*=\s*(.+?)\s*:\s*[^():]+?\s*(\([^()]*\))?\s*$")


def equation_lines(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """({state: right-hand side}, {subexpression: expression}) of Brian2 equation text."""
    diffs, subs = {}, {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _DIFF.match(line)
        if m:
            diffs[m.group(1)] = m.group(2)
            continue
        m = _SUB.match(line)
        if m is None:
            raise ValueError(f"cannot read {line!r}")
        subs[m.group(1)] = m.group(2)
    return diffs, subs


@dataclass
class AreaModel:
    """One rate area: its units' place, f, the matrix of rec, and d(state)/dt."""

    name: str
    n: int
    units: slice
    f: Callable
    rec: Optional[np.ndarray]
    derivatives: Callable  # (state dict, r, rec, drive, t) -> {state: d/dt}
    state0: dict


def area_model(area, units: slice) -> AreaModel:
    f = transfer(area.transfer)
    u0 = per_unit(area.u0, area.n)
    if area.dynamics is None:
        rec, g = competition_rhs(area)
        tau = float(area.tau)

        def derivatives(state, r, rec_v, drive, t):
            return {"u": (-state["u"] + g(r, rec_v, drive)) / tau}
        return AreaModel(area.name, area.n, units, f, rec, derivatives, {"u": u0})
    dyn = area.dynamics
    diffs, subs = equation_lines(dyn.equations)
    params = {k: (np.asarray(v, float) if isinstance(v, list) else np.full(area.n, si(v)))
              for k, v in dyn.parameters.items()}
    rec = None if dyn.weights is None else weights(dyn.weights, area, area)  # rec_i = sum_j w_ij r_j

    def derivatives(state, r, rec_v, drive, t):
        names = {**params, **state, "r": r, "rec": rec_v, "I": drive, "t": t}
        pending = dict(subs)
        while pending:  # subexpressions in any order: evaluate those whose names are known
            for name, expr in list(pending.items()):
                try:
                    names[name] = evaluate(expr, names)
                except NameError:
                    continue
                del pending[name]
        return {var: np.broadcast_to(evaluate(expr, names), (area.n,)).astype(float) for var, expr in diffs.items()}
    state0 = {var: (u0 if var == "u" else np.zeros(area.n)) for var in diffs}
    return AreaModel(area.name, area.n, units, f, rec, derivatives, state0)


# ---------------------------------------------------------------- stimuli and noise

def envelope(stim, n_steps: int, dt: float) -> np.ndarray:
    """0 before onset and from offset on; a linear rise over `ramp` from onset and a linear fall over
    `ramp_off` that ends at offset; times in whole steps."""
    k = np.arange(n_steps, dtype=float)
    on = round(stim.onset / dt)
    env = (k >= on).astype(float)
    if stim.ramp > 0:
        env = np.minimum(env, np.clip((k - on) / (stim.ramp / dt), 0.0, 1.0))
    if stim.offset is not None:
        off = round(stim.offset / dt)
        env = env * (k < off)
        if stim.ramp_off > 0:
            env = np.minimum(env, np.clip((off - k) / (stim.ramp_off / dt), 0.0, 1.0))
    return env


def amplitudes(stim, area) -> np.ndarray:
    """Per-unit amplitudes: a number, a list, or a Gaussian bump over the feature axis."""
    a = stim.amplitude
    if getattr(a, "kind", None) == "gaussian":
        d = distance(features(area), [a.center], period(area))[:, 0]
        return a.baseline + a.peak * np.exp(-d ** 2 / (2 * a.width ** 2))
    return per_unit(a, area.n)


def presented(stim, area, n_steps: int, dt: float) -> np.ndarray:
    """(n_steps, n) the pattern shown at each step times `amplitude` (zero between and after them):
    one at a time for `duration`, then `gap`, from onset; `n` presentations at most."""
    p = stim.presentation
    on, dur, gap = round(stim.onset / dt), round(p.duration / dt), round(p.gap / dt)
    since = np.arange(n_steps) - on
    slot = np.where(since >= 0, since // (dur + gap), -1)
    n_slots = int(slot.max()) + 1 if n_steps else 0
    n = n_slots if p.n is None else min(p.n, n_slots)
    table = stim.amplitude * np.asarray(stim.patterns, float)
    order = np.arange(max(n, 1)) % len(table) if p.order == "cycle" else p.order_of(len(table), max(n, 1))
    out = np.zeros((n_steps, area.n))
    showing = (slot >= 0) & (slot < n) & (since - slot * (dur + gap) < dur)
    out[showing] = table[order[slot[showing]]]
    return out


def ou_noise(seed: int, s: int, sigma: float, tau: float, n: int, n_steps: int, dt: float) -> np.ndarray:
    """(n_steps, n) Euler–Maruyama OU noise of stimulus `s` (the module docstring)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(s,)))
    xi = rng.standard_normal((max(n_steps - 1, 0), n))
    eta = np.zeros((n_steps, n))
    for k in range(1, n_steps):
        eta[k] = eta[k - 1] - dt / tau * eta[k - 1] + sigma * np.sqrt(2 * dt / tau) * xi[k - 1]
    return eta


def external_input(spec, slices: dict, n_steps: int, dt: float, seed: int) -> np.ndarray:
    """(n_steps, N): baseline plus every stimulus (what results record as ``I``)."""
    N = sum(a.n for a in spec.areas.values())
    I = np.zeros((n_steps, N))
    for name, area in spec.areas.items():
        I[:, slices[name]] += per_unit(area.baseline, area.n)
    for s, stim in enumerate(spec.stimuli):
        area = spec.areas[stim.area]
        value = presented(stim, area, n_steps, dt) if stim.patterns is not None else \
            np.broadcast_to(amplitudes(stim, area), (n_steps, area.n))
        if stim.noise is not None:
            value = value + ou_noise(seed, s, stim.noise.sigma, stim.noise.tau, area.n, n_steps, dt)
        I[:, slices[stim.area]] += envelope(stim, n_steps, dt)[:, None] * value
    return I


# ---------------------------------------------------------------- the run

@dataclass
class Projection:
    source: slice
    target: slice
    mode: str
    w: np.ndarray  # scale * W, (n_target, n_source)
    delay: int  # steps


@dataclass
class Trajectory:
    """Every step's values (n_steps, N) and the state after the last step."""

    traces: dict  # u, r, I, E and further state variables (NaN on areas without them)
    final: dict  # u_final, r_final and <state>_final
    areas: list  # AreaModel per area, in spec order
    diverged: bool = False
    every_step_diverged: Optional[np.ndarray] = field(default=None, repr=False)  # (n_steps + 1,) per step

    def sampled(self, every: int) -> dict:
        """The traces at steps 0, every, 2*every, ..."""
        return {k: v[::every] for k, v in self.traces.items()}


def build(spec, dt: float) -> tuple[list[AreaModel], list[Projection]]:
    areas, start = [], 0
    for name, area in spec.areas.items():
        if area.neuron is not None:
            raise NotImplementedError("the reference integrates rate areas only")
        areas.append(area_model(area, slice(start, start + area.n)))
        start += area.n
    where = {a.name: a.units for a in areas}
    projections = [Projection(where[p.source], where[p.target], p.mode,
                              p.scale * weights(p.weights, spec.areas[p.target], spec.areas[p.source]),
                              int(round(p.delay / dt)))
                   for p in spec.projections]
    return areas, projections


def simulate(spec, n_steps: int, dt: float, seed: int = 0) -> Trajectory:
    """Forward Euler of `spec` for `n_steps` steps of `dt` seconds with noise seed `seed`."""
    areas, projections = build(spec, dt)
    N = sum(a.n for a in areas)
    slices = {a.name: a.units for a in areas}
    I = external_input(spec, slices, n_steps, dt, seed)
    names = sorted({v for a in areas for v in a.state0})
    traces = {v: np.full((n_steps, N), np.nan) for v in ["u", "r", "I", "E"] + [v for v in names if v != "u"]}
    traces["I"][:] = I
    state = {a.name: {v: x.copy() for v, x in a.state0.items()} for a in areas}
    rates = []  # r at every step so far (delays read back)
    with np.errstate(all="ignore"):
        for k in range(n_steps):
            r = np.concatenate([a.f(state[a.name]["u"]) for a in areas])
            rates.append(r)
            bias, gain = np.zeros(N), np.zeros(N)
            for p in projections:
                src = rates[max(k - p.delay, 0)][p.source]
                (bias if p.mode == "bias" else gain)[p.target] += p.w @ src
            E = (1.0 + gain) * (I[k] + bias)
            traces["r"][k], traces["E"][k] = r, E
            for a in areas:
                for var, x in state[a.name].items():
                    traces[var][k, a.units] = x
            for a in areas:
                ra = r[a.units]
                rec = None if a.rec is None else a.rec @ ra
                d = a.derivatives(state[a.name], ra, rec, E[a.units], k * dt)
                state[a.name] = {var: x + dt * d[var] for var, x in state[a.name].items()}
    final = {f"{v}_final": np.concatenate([state[a.name].get(v, np.full(a.n, np.nan)) for a in areas])
             for v in names}
    final["r_final"] = np.concatenate([a.f(state[a.name]["u"]) for a in areas])
    u_all = np.vstack([traces["u"], final["u_final"][None]])
    bad = ~np.isfinite(u_all) | (np.abs(np.nan_to_num(u_all, nan=0.0)) > DIVERGENCE_LIMIT)
    per_step = bad.any(axis=1)
    return Trajectory(traces, final, areas, bool(per_step.any()), per_step)
