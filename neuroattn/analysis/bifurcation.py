"""Fixed-point branches along a parameter path, their stability and bifurcations; phase planes.

`bifurcation(spec, path, values)` starts from every fixed point `fixed_points` finds at the first and
the last value and follows each along `values` by natural-parameter continuation: a secant predictor
from the two previous solutions, then a Newton corrector (scipy ``hybr`` with the analytic Jacobian)
at the new value, halving the step where the corrector fails or jumps. A branch ends at a fold (it
has no continuation there). Along each branch the eigenvalues of the Jacobian label stability, and a
change in the number of unstable eigenvalues is a bifurcation, located by bisection to ``1e-10``:

- ``branch point``: a real eigenvalue crosses zero (pitchforks of symmetric states, where the
  winner-take-all branches split off, and transcritical points);
- ``hopf``: a complex pair crosses the imaginary axis (the frequency ``Im(lambda)/2 pi`` is reported);
- ``border``: an eigenvalue jumps across zero where a piecewise-linear transfer (ReLU) changes slope
  at a unit of the fixed point (a border collision, not a smooth bifurcation);
- ``fold``: a branch ends inside the range where an eigenvalue vanishes (a saddle-node: it meets
  another branch and both disappear), located by bisecting how far it can be continued.

`phase_plane(spec, x, y)` gives ``du/dt`` of two units (or two areas, all units of each moving
together) over a grid, the others held at a given state: the vector field, whose zero contours are
the nullclines.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import xarray as xr

from neuroattn.analysis.fixed_points import fixed_points
from neuroattn.analysis.rate_model import RateModel
from neuroattn.exceptions import NeuroAttnError
from neuroattn.results.attrs import path_attrs
from neuroattn.results.dataset import unit_coords
from neuroattn.spec import NetworkSpec
from neuroattn.spec.paths import spec_data
from neuroattn.spec.quantities import parse_quantity


class _Path:
    """The specs along one parameter path, built (and cached) on demand at any parameter value."""

    def __init__(self, spec: NetworkSpec, path: str, values: Sequence, inputs: Optional[np.ndarray]):
        self.spec, self.path, self.inputs = spec, path, inputs
        self.data = spec_data(spec)
        self.attrs = path_attrs(self.data, path, values)
        self.unit_text = {"s": "s", "V": "V", "Hz": "Hz", "A": "A", "S": "S", "F": "F", "ohm": "ohm"}.get(
            self.attrs["units"])
        try:
            self.p = np.array([parse_quantity(v)[0] for v in values], float)
        except ValueError as err:
            raise NeuroAttnError(f"values: {err} (got {list(values)[:3]!r} ...)") from None
        if self.p.size < 2 or not np.all(np.isfinite(self.p)):
            raise NeuroAttnError("values: give at least two finite parameter values")
        if not (np.all(np.diff(self.p) > 0) or np.all(np.diff(self.p) < 0)):
            raise NeuroAttnError("values: must increase or decrease strictly along the path")
        self._cache: dict[float, tuple[RateModel, np.ndarray]] = {}

    def model(self, p: float) -> tuple[RateModel, np.ndarray]:
        p = float(p)
        if p not in self._cache:
            value = f"{p!r} {self.unit_text}" if self.unit_text else p
            model = RateModel(self.spec.replace({self.path: value}))
            I = model.steady_input() if self.inputs is None else np.asarray(self.inputs, float)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[p] = (model, I)
        return self._cache[p]

    def correct(self, p: float, guess: np.ndarray, tol: float) -> Optional[np.ndarray]:
        model, I = self.model(p)
        return model.polish(guess, I, tol)

    def eigenvalues(self, p: float, u: np.ndarray) -> np.ndarray:
        model, I = self.model(p)
        e = np.linalg.eigvals(model.jacobian(u, I))
        return e[np.lexsort((-e.imag, -e.real))]


def _step(path: _Path, p0, u0, p1, prev, tol, jump, depth=0, max_halvings=10):
    """The solution at p1 continued from (p0, u0), with prev = (p, u) before p0 for the secant."""
    if prev is not None and prev[0] != p0:
        guess = u0 + (u0 - prev[1]) * (p1 - p0) / (p0 - prev[0])
    else:
        guess = u0
    u1 = path.correct(p1, guess, tol)
    limit = jump * (1.0 + np.max(np.abs(u0)))
    if u1 is not None and np.max(np.abs(u1 - guess)) <= limit:
        return u1
    if depth >= max_halvings:
        return None
    pm = 0.5 * (p0 + p1)
    um = _step(path, p0, u0, pm, prev, tol, jump, depth + 1, max_halvings)
    if um is None:
        return None
    return _step(path, pm, um, p1, (p0, u0), tol, jump, depth + 1, max_halvings)


def _continue(path: _Path, k0: int, u_start: np.ndarray, tol: float, jump: float) -> np.ndarray:
    """A branch through the solution `u_start` at value index k0, followed both ways (NaN where it ends)."""
    K, n = path.p.size, u_start.size
    out = np.full((K, n), np.nan)
    out[k0] = u_start
    for direction in (1, -1):
        prev, k = None, k0
        while 0 <= k + direction < K:
            u = _step(path, path.p[k], out[k], path.p[k + direction], prev, tol, jump)
            if u is None:
                break
            prev = (path.p[k], out[k])
            k += direction
            out[k] = u
    return out


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-4) -> bool:
    """One fixed point (both finite and equal to `rtol`; near a branch point roots are only that exact)."""
    return bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b))
                and np.max(np.abs(a - b)) <= rtol * (1.0 + np.max(np.abs(a))))


def _counts(e: np.ndarray, scale: float) -> tuple[int, int]:
    """(unstable real eigenvalues, unstable complex eigenvalues)."""
    real = np.abs(e.imag) <= 1e-9 * scale
    return int(np.sum((e.real > 0) & real)), int(np.sum((e.real > 0) & ~real))


def _locate(path: _Path, pa, ua, pb, ub, kind_index: int, tol: float, jump: float):
    """Bisect (pa, pb] for the change of the unstable count `kind_index`; (p, u, eigenvalues, slopes changed)."""
    scale = 1.0 / float(np.min(path.model(pa)[0].timescale))
    ca = _counts(path.eigenvalues(pa, ua), scale)[kind_index]
    for _ in range(80):
        if abs(pb - pa) <= 1e-10 * max(1.0, abs(pa)):
            break
        pm = 0.5 * (pa + pb)
        um = path.correct(pm, ua + (ub - ua) * 0.5, tol)
        if um is None or np.max(np.abs(um - 0.5 * (ua + ub))) > jump * (1.0 + np.max(np.abs(ua))):
            break
        if _counts(path.eigenvalues(pm, um), scale)[kind_index] == ca:
            pa, ua = pm, um
        else:
            pb, ub = pm, um
    slopes_a, slopes_b = path.model(pa)[0].slopes(ua), path.model(pb)[0].slopes(ub)
    kink = np.max(np.abs(slopes_a - slopes_b)) > 1e-3 * max(1.0, np.max(np.abs(slopes_a)))
    pm = 0.5 * (pa + pb)
    return pm, 0.5 * (ua + ub), path.eigenvalues(pb, ub), kink


def _events(P: _Path, branches: list, tol: float, jump: float) -> list:
    """(kind, branch, value index before it, parameter value, frequency, eigenvector) of every change in
    the number of unstable eigenvalues between neighbouring values of a branch."""
    events = []
    for b, U in enumerate(branches):
        for k in range(U.shape[0] - 1):
            if not (np.all(np.isfinite(U[k])) and np.all(np.isfinite(U[k + 1]))):
                continue
            scale = 1.0 / float(np.min(P.model(P.p[k])[0].timescale))
            ca = _counts(P.eigenvalues(P.p[k], U[k]), scale)
            cb = _counts(P.eigenvalues(P.p[k + 1], U[k + 1]), scale)
            for kind_index, kind in ((0, "branch point"), (1, "hopf")):
                if ca[kind_index] == cb[kind_index]:
                    continue
                p, u, eig, kink = _locate(P, P.p[k], U[k], P.p[k + 1], U[k + 1], kind_index, tol, jump)
                model, I = P.model(p)
                values, vectors = np.linalg.eig(model.jacobian(u, I))
                crossing = int(np.argmin(np.abs(values.real)))
                freq = abs(values[crossing].imag) / (2 * np.pi) if kind == "hopf" else np.nan
                events.append(("border" if kink else kind, b, k, p, freq, np.real(vectors[:, crossing])))
    return events


def _folds(P: _Path, branches: list, tol: float, jump: float) -> list:
    """Events where a branch ends inside the range: the last parameter value at which it can still be
    continued (bisection), reported as a ``fold`` when an eigenvalue vanishes there (a saddle-node)."""
    events = []
    K = P.p.size
    for b, U in enumerate(branches):
        ok = np.all(np.isfinite(U), axis=1)
        for k in range(K):
            for nxt in (k + 1, k - 1):
                if not (ok[k] and 0 <= nxt < K and not ok[nxt]):
                    continue
                lo, u_lo, hi = P.p[k], U[k], P.p[nxt]
                for _ in range(60):
                    if abs(hi - lo) <= 1e-10 * max(1.0, abs(lo)):
                        break
                    mid = 0.5 * (lo + hi)
                    u_mid = _step(P, lo, u_lo, mid, None, tol, jump, max_halvings=4)
                    if u_mid is None:
                        hi = mid
                    else:
                        lo, u_lo = mid, u_mid
                if lo == P.p[nxt]:  # it goes on (onto another branch): no end here
                    continue
                model = P.model(lo)[0]
                eig = P.eigenvalues(lo, u_lo)
                if abs(hi - lo) <= 1e-9 * max(1.0, abs(lo)) and \
                        np.min(np.abs(eig.real)) <= 1e-3 / float(np.min(model.timescale)):
                    events.append(("fold", b, min(k, nxt), lo, np.nan, None))
    return events


def bifurcation(spec: NetworkSpec, path: str, values: Sequence, *, inputs: Optional[np.ndarray] = None,
                n_starts: int = 32, seed: int = 0, tol: float = 1e-9, jump: float = 0.5) -> xr.Dataset:
    """Fixed-point branches of `spec` along the parameter `path` over `values`, with bifurcations.

    Parameters
    ----------
    spec : NetworkSpec (rate areas)
    path : dotted path, as in sweeps: ``'areas.V1.competition.beta'``, ``'areas.I.tau'``
    values : increasing or decreasing values of the parameter (numbers, or times such as ``'40 ms'``)
    inputs : external input per unit; default every stimulus fully on (`RateModel.steady_input`)
    n_starts, seed : starting states of `fixed_points` at the first and the last value
    tol : residual of an accepted fixed point (relative, in units of the state per time constant)
    jump : largest change of the state from its predicted value in one step (relative to the state);
        a larger one is refused and the step halved, so a branch never jumps to another

    Returns
    -------
    xarray.Dataset
        Along ``branch``, the dim named `path` (the parameter, with its units), ``unit`` and ``mode``:
        ``u`` and ``r`` (NaN where a branch does not exist), ``stable``, ``max_real_eig`` (1/s),
        ``eig_real``, ``eig_imag`` (1/s); along ``bifurcation``: ``bifurcation_kind`` (``branch point``,
        ``hopf``, ``border`` or ``fold``), ``bifurcation_branch``, ``bifurcation_value`` (the parameter, in its
        units), ``bifurcation_frequency`` (Hz, of the crossing pair at a Hopf point; NaN otherwise).

    Examples
    --------
    >>> import numpy as np, neuroattn as na
    >>> bif = bifurcation(na.models.seed_competition(), "areas.V1.competition.beta",
    ...                   np.linspace(0.2, 0.8, 61))                              # doctest: +SKIP
    >>> bif.bifurcation_value.values                                             # doctest: +SKIP
    """
    P = _Path(spec, path, values, inputs)
    K = P.p.size
    branches: list[np.ndarray] = []

    def add(k0: int, u: np.ndarray) -> bool:
        """Continue a new branch through `u` at value k0, unless a known branch already passes there; where
        it runs into a known branch (through a branch point) it ends."""
        if any(_close(b[k0], u) for b in branches):
            return False
        branch = _continue(P, k0, u, tol, jump)
        for b in branches:
            branch[[_close(x, y) for x, y in zip(b, branch)]] = np.nan
        if not np.isfinite(branch).any():
            return False
        branches.append(branch)
        return True

    for k0 in sorted({0, K // 2, K - 1}):
        found = fixed_points(P.spec.replace({path: values[k0]}), inputs=inputs, n_starts=n_starts, seed=seed,
                             tol=tol)
        for u in found.u.values:
            add(k0, u)
    done: set = set()
    events: list = []
    for _ in range(4):  # branch switching: new branches leave the branch points found
        events = _events(P, branches, tol, jump)
        new = False
        for kind, b, k, p, freq, vector in events:
            if kind != "branch point" or (b, k) in done:
                continue
            done.add((b, k))
            for side in (k, k + 1):
                u0 = branches[b][side]
                size = 1.0 + np.max(np.abs(u0))
                for eps in (1e-3, 1e-2, 1e-1):
                    for sign in (1, -1):
                        u = P.correct(P.p[side], u0 + sign * eps * size * vector, tol)
                        if u is not None and np.max(np.abs(u - u0)) > 1e-6 * size:
                            new |= add(side, u)
        if not new:
            break
    events = events + _folds(P, branches, tol, jump)
    n = spec.n_units
    B = len(branches)
    U = np.array(branches).reshape(B, K, n)
    E = np.full((B, K, n), np.nan + 0j)
    for b in range(B):
        for k in range(K):
            if np.all(np.isfinite(U[b, k])):
                E[b, k] = P.eigenvalues(P.p[k], U[b, k])
    model0 = P.model(P.p[0])[0]
    R = np.full_like(U, np.nan)
    for b in range(B):
        for k in range(K):
            if np.all(np.isfinite(U[b, k])):
                R[b, k] = model0.rates(U[b, k])
    with np.errstate(all="ignore"):
        max_real = np.max(E.real, axis=2) if B else np.zeros((0, K))
    dim = path
    coords = {**unit_coords(spec), dim: (dim, P.p, P.attrs),
              "branch": ("branch", np.arange(B), {"units": "1", "long_name": "fixed-point branch"}),
              "mode": ("mode", np.arange(n), {"units": "1", "long_name": "eigenmode (by decreasing real part)"}),
              "bifurcation": ("bifurcation", np.arange(len(events)), {"units": "1", "long_name": "bifurcation"})}
    rate = {"units": "1/s"}
    ds = xr.Dataset(
        {"u": (("branch", dim, "unit"), U, {"units": "1", "long_name": "state u at the fixed point"}),
         "r": (("branch", dim, "unit"), R, {"units": "1", "long_name": "rate f(u) at the fixed point"}),
         "stable": (("branch", dim), np.isfinite(max_real) & (max_real < 0),
                    {"units": "1", "long_name": "every eigenvalue has a negative real part"}),
         "max_real_eig": (("branch", dim), max_real, {**rate, "long_name": "largest real part of an eigenvalue"}),
         "eig_real": (("branch", dim, "mode"), E.real, {**rate, "long_name": "real part of the eigenvalues"}),
         "eig_imag": (("branch", dim, "mode"), E.imag, {**rate, "long_name": "imaginary part of the eigenvalues"}),
         "bifurcation_kind": (("bifurcation",), np.array([e[0] for e in events], dtype=str).reshape(-1),
                              {"units": "1", "long_name": "kind of bifurcation (branch point, hopf, border, fold)"}),
         "bifurcation_branch": (("bifurcation",), np.array([e[1] for e in events], int).reshape(-1),
                                {"units": "1", "long_name": "branch on which it occurs"}),
         "bifurcation_value": (("bifurcation",), np.array([e[3] for e in events], float).reshape(-1),
                               {**P.attrs, "long_name": f"{P.attrs['long_name']} at the bifurcation"}),
         "bifurcation_frequency": (("bifurcation",), np.array([e[4] for e in events], float).reshape(-1),
                                   {"units": "Hz", "long_name": "frequency of the crossing pair (Hopf)"})},
        coords=coords, attrs={"path": path, "title": f"bifurcation diagram of {spec.name} along {path}"})
    return ds


def _selector(spec: NetworkSpec, which: Union[str, tuple]) -> tuple[str, np.ndarray]:
    """(label, unit indices) for a unit ``('E', 0)`` or an area ``'E'`` (all its units together)."""
    slices = spec.area_slices()
    if isinstance(which, str):
        if which not in slices:
            raise NeuroAttnError(f"phase_plane: no area named {which!r} (areas: {', '.join(slices)})")
        return which, np.arange(slices[which].start, slices[which].stop)
    area, index = which
    if area not in slices:
        raise NeuroAttnError(f"phase_plane: no area named {area!r} (areas: {', '.join(slices)})")
    n = slices[area].stop - slices[area].start
    if not 0 <= int(index) < n:
        raise NeuroAttnError(f"phase_plane: area {area!r} has units 0..{n - 1} (got {index})")
    return f"{area}[{int(index)}]", np.array([slices[area].start + int(index)])


def phase_plane(spec: NetworkSpec, x: Union[str, tuple], y: Union[str, tuple], *,
                x_range: Sequence[float] = (-1.0, 2.0), y_range: Sequence[float] = (-1.0, 2.0), n: int = 41,
                state: Optional[np.ndarray] = None, inputs: Optional[np.ndarray] = None) -> xr.Dataset:
    """The vector field ``du/dt`` in the plane of two units (``('E', 0)``) or two areas (``'E'``).

    Every unit of an area given by name moves together (a uniform state of the area) and its rate of
    change is the mean over its units. Units not in the plane are held at `state` (default 0).

    Returns
    -------
    xarray.Dataset over ``x`` and ``y`` (the states, units ``1``): ``dx``, ``dy`` (1/s), whose zero
    contours are the nullclines, and ``speed`` (1/s). ``attrs['x']``, ``attrs['y']`` name the axes.

    Examples
    --------
    >>> pp = phase_plane(spec, "E", "I", x_range=(0, 40), y_range=(0, 40))   # doctest: +SKIP
    >>> pp.dx.plot.contour(x="x", y="y", levels=[0])                          # doctest: +SKIP
    """
    model = RateModel(spec)
    I = model.steady_input() if inputs is None else np.asarray(inputs, float)
    (xl, xi), (yl, yi) = _selector(spec, x), _selector(spec, y)
    if np.intersect1d(xi, yi).size:
        raise NeuroAttnError("phase_plane: x and y must be different units or areas")
    base = np.zeros(model.n_units) if state is None else np.asarray(state, float).copy()
    if base.shape != (model.n_units,):
        raise NeuroAttnError(f"state: must have one value per unit ({model.n_units}) (got shape {base.shape})")
    xs, ys = np.linspace(*x_range, n), np.linspace(*y_range, n)
    dx, dy = np.empty((n, n)), np.empty((n, n))
    for j, yv in enumerate(ys):
        for i, xv in enumerate(xs):
            u = base.copy()
            u[xi], u[yi] = xv, yv
            f = model.rhs(u, I)
            dx[j, i], dy[j, i] = f[xi].mean(), f[yi].mean()
    return xr.Dataset(
        {"dx": (("y", "x"), dx, {"units": "1/s", "long_name": f"du/dt of {xl}"}),
         "dy": (("y", "x"), dy, {"units": "1/s", "long_name": f"du/dt of {yl}"}),
         "speed": (("y", "x"), np.hypot(dx, dy), {"units": "1/s", "long_name": "speed in the plane"})},
        coords={"x": ("x", xs, {"units": "1", "long_name": f"u of {xl}"}),
                "y": ("y", ys, {"units": "1", "long_name": f"u of {yl}"})},
        attrs={"x": xl, "y": yl, "title": f"phase plane of {spec.name}: {xl} vs {yl}"})


__all__ = ["bifurcation", "phase_plane"]
