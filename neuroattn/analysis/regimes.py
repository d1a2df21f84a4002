"""Which dynamical regime a run ends in, judged from how it moves at the end, never from its length.

`classify_regime` reads the rate traces of one area over the last `late_fraction` of a run (at least
eight samples) and labels each run, per point for batches and sweeps. The rules, in the order they
are applied:

1. ``runaway``: the run diverged (``result['diverged']``: the engine met a non-finite state or one
   beyond its divergence limit), or the late motion is an exponential growth that dominates the
   state. The growth rate ``lambda`` is fitted to the log of the speed ``max_i |dr_i/dt|`` over the
   late window (from the last change of the set of active units on, where that leaves six samples);
   the motion dominates the state when its amplitude ``speed/lambda`` (the distance
   from the point it grows away from) exceeds the largest rate, and no active unit's rate falls (a
   falling rate meets its lower bound, where the motion changes). A linear mode growing at
   ``lambda > 0`` has exactly this signature whatever its size, so a slow runaway (``lambda`` of
   0.1/s) is recognised after 1 s as after 4 s, long before it reaches any magnitude.
2. ``oscillation``: some unit still swings by more than `oscillation_tol` of the area's peak rate,
   crosses its mean at least `min_crossings` times, and its swing does not decay within the window.
   Where the input traces ``I`` fluctuate (noise), the swing must also come back to itself: its
   autocorrelation, up to a third of the window, returns above 0.5 after first falling below zero
   (filtered noise does not).
3. The run has *settled* when the mean rates of the two halves of the late window differ by at most
   `settle_tol` of the peak rate. Where the input traces ``I`` fluctuate (noise), or the area spikes
   (its rates are binned spike counts), the difference may also be one the fluctuations explain: it
   must stay below the two-sided t quantile (level 1e-3, 6 degrees of freedom) times its standard
   deviation, estimated from the fluctuations about the window's linear trend by the means of eight
   batches (so their correlation time counts, and a trend, which is no fluctuation, does not hide
   itself); such a run is labelled by the mean of the last half of the window.
   A run that still moves but whose speed decays as one clean exponential (rms residual of the log
   speed at most `fit_tol`) is *converging*; its limit is the geometric sum of the remaining steps,
   ``r_T + Δr_T q/(1 - q)`` with ``q = exp(lambda Δt)`` (only where the run cannot be continued, see
   below). Settled and converging runs are labelled from their (limit) rates:

   - ``quiescent``: every rate is below `quiescent_rate`;
   - ``winner-take-all``: the runner-up's rate is at most `wta_ratio` times the winner's, and, where
     the result has input traces ``I`` with positive input to both units, at most `wta_ratio` times
     what their input ratio alone gives (rates that merely follow unequal inputs are no selection);
   - ``coexistence`` (soft competition): otherwise.
4. A run that has not settled (``unsettled`` by the rules above, or converging) whose equations the
   analysis knows in closed form is *continued* (`neuroattn.analysis.limits.continue_run`): its rate
   equations (`RateModel`, the right-hand side and Jacobian that `fixed_points` and `bifurcation`
   use) are integrated from its final state ``u_final``, with the input it has at its end, in windows
   of doubling length (the first as long as the late window) for up to `continue_for` (default 1e4
   time constants). It is labelled

   - like a settled run, from the rates of the stable fixed point it reaches (Newton's method from
     a window's end finds a fixed point within 1e-6 of the state, every eigenvalue of its Jacobian
     with a negative real part);
   - ``runaway`` or ``oscillation`` where a continued window shows that motion by rules 1 and 2;
   - ``unsettled`` where neither happens within `continue_for`.

   A run is continued only where its spec is known (`classify_regime`'s `spec`, or a single run's
   provenance) and nothing but its state and its rate equations decides what comes next
   (`limits.cannot_continue`): no noise, no spiking areas, no areas with several state variables or
   reserve units, no plastic connections, tasks or projection delays, and no stimulus still to be
   switched on or off after the run's end.
5. ``unsettled``: anything else — a run still leaving an unstable state, a damped oscillation still
   ringing, a transient of several modes, that cannot be continued. Such a run is never guessed;
   run it longer.

For the ``seed`` and ``lateral`` models with uniform weights the labels agree with the closed-form
boundaries (winner-take-all where the symmetric state's difference modes grow and the winner's own
mode decays, runaway where the winner's mode grows), at 1 s and at 4 s alike, and the shipped
β sweep (unequal inputs) labels all of its 200 points as its closed-form fixed points say, at 1 s and
at 4 s (``tests/integration/test_regimes.py``).
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import xarray as xr
from scipy import stats

from neuroattn.analysis.attention import area_rates
from neuroattn.analysis.limits import cannot_continue, continue_run
from neuroattn.analysis.rate_model import RateModel
from neuroattn.exceptions import NeuroAttnError
from neuroattn.spec import NetworkSpec
from neuroattn.spec.quantities import parse_quantity

#: The labels, in the order of their integer codes (used where labels are stored as numbers).
REGIMES = ("quiescent", "coexistence", "winner-take-all", "runaway", "oscillation", "unsettled")


def _only_area(result: xr.Dataset, area: Optional[str]) -> str:
    if area is not None:
        return area
    names = list(dict.fromkeys(np.asarray(result.area.values).tolist()))
    if len(names) != 1:
        raise NeuroAttnError(f"area: the result has several areas ({', '.join(names)}); name one")
    return names[0]


def _crossings(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """How often each trace (last axis) crosses its mean, with hysteresis ``±h`` against jitter."""
    level = x - x.mean(axis=-1, keepdims=True)
    side = np.where(level > h, 1.0, np.where(level < -h, -1.0, 0.0))
    # carry the last definite side forward through the band |level| <= h
    idx = np.where(side != 0, np.arange(side.shape[-1]), 0)
    np.maximum.accumulate(idx, axis=-1, out=idx)
    carried = np.take_along_axis(side, idx, axis=-1)
    return np.sum((carried[..., 1:] * carried[..., :-1]) < 0, axis=-1)


def growth_rate(times: np.ndarray, late: np.ndarray) -> tuple[float, float, float]:
    """Fit ``speed(t) = s_T exp(lambda (t - T))`` to the speed ``max_i |Δr_i|/Δt`` of one run.

    Parameters
    ----------
    times : (T,) seconds;  late : (T, n) rates.

    Returns
    -------
    (lambda in 1/s, s_T in rate/s, rms residual of log speed); NaN where fewer than four steps move.
    """
    dt = np.diff(times)
    speed = np.max(np.abs(np.diff(late, axis=0)), axis=1) / dt
    t_mid = 0.5 * (times[1:] + times[:-1])
    scale = max(float(np.max(np.abs(late))), 1e-300)
    moving = speed * dt > 1e-12 * scale  # steps above round-off
    if moving.sum() < 4:
        return np.nan, 0.0, np.nan
    t, y = t_mid[moving] - times[-1], np.log(speed[moving])
    A = np.stack([t, np.ones_like(t)], 1)
    (lam, log_s), *_ = np.linalg.lstsq(A, y, rcond=None)
    residual = float(np.sqrt(np.mean((A @ np.array([lam, log_s]) - y) ** 2)))
    return float(lam), float(np.exp(log_s)), residual


def _label(rates: np.ndarray, inputs: Optional[np.ndarray], wta_ratio: float, quiescent_rate: float) -> str:
    """quiescent, winner-take-all or coexistence from the rates of a settled (or limit) state."""
    first = float(np.max(rates))
    if first < quiescent_rate:
        return "quiescent"
    if rates.size < 2:
        return "coexistence"
    order = np.argsort(rates)
    second = float(rates[order[-2]])
    allowed = wta_ratio * first
    if inputs is not None:
        i_first, i_second = inputs[order[-1]], inputs[order[-2]]
        if i_first > 0 and i_second > 0:
            allowed *= min(max(i_second / i_first, 0.0), 1.0)
    return "winner-take-all" if second <= allowed else "coexistence"


def _autocorrelation(late: np.ndarray) -> np.ndarray:
    """Per unit (columns): the unbiased autocorrelation of the mean-free traces at lags 0 .. n/3."""
    x = late - late.mean(0)
    n = x.shape[0]
    lags = np.arange(n // 3 + 1)
    ac = np.array([np.mean(x[: n - k] * x[k:], axis=0) for k in lags])
    return ac / np.maximum(ac[0], 1e-300)


def _recurrence(ac: np.ndarray) -> np.ndarray:
    """Per unit: the largest autocorrelation after its first zero crossing (about 1 for a periodic
    trace, near 0 for filtered noise, which does not come back)."""
    out = np.zeros(ac.shape[1])
    for i in range(ac.shape[1]):
        negative = np.flatnonzero(ac[:, i] < 0)
        if negative.size:
            out[i] = ac[negative[0]:, i].max()
    return out


#: Batches of the late window for the long-run variance of noisy traces, and the two-sided t quantile
#: (level 1e-3, one degree of freedom per batch less the mean and the trend) a drift must exceed.
N_BATCHES = 8
T_CRITICAL = float(stats.t.ppf(1 - 0.5e-3, N_BATCHES - 2))


def _drift_error(times: np.ndarray, late: np.ndarray) -> np.ndarray:
    """Per unit: the standard deviation of the difference of the two half means of the late window, for
    fluctuations about its linear trend (a trend is no fluctuation), by batch means of those fluctuations
    (their correlation time included)."""
    t = times - times.mean()
    centred = late - late.mean(0)
    residual = centred - t[:, None] * (t @ centred) / max(float(t @ t), 1e-300)
    size = residual.shape[0] // N_BATCHES
    means = residual[: size * N_BATCHES].reshape(N_BATCHES, size, -1).mean(1)
    return np.sqrt(2 * means.var(0, ddof=1) * size / (late.shape[0] // 2))


def _judge(times, late, final, inputs, noisy, *, wta_ratio, quiescent_rate, settle_tol, fit_tol,
           oscillation_tol, min_crossings) -> tuple[str, float, bool]:
    """The label of one run, its fitted growth rate (1/s; NaN where nothing moves), and whether the
    run still moves toward a state it has not reached (``unsettled``, or labelled by an extrapolated
    limit): such a run is continued where its equations are known."""
    if not (np.all(np.isfinite(late)) and np.all(np.isfinite(final))):
        return "runaway", np.nan, False
    peak = max(float(np.max(np.abs(late))), quiescent_rate)
    # the growth is fitted where the set of active units (r > 0) is the final one: a unit falling
    # silent (ReLU) changes the linear dynamics, and only the present piece says where they go
    changed = np.flatnonzero(np.any((late > 0) != (late[-1] > 0), axis=1))
    start = changed[-1] + 1 if changed.size and late.shape[0] - changed[-1] - 1 >= 6 else 0
    lam, speed, residual = growth_rate(times[start:], late[start:])
    falling = (late[-1] < late[0]) & (late[-1] > quiescent_rate)  # heads for a bound: the piece will change
    if lam > 0 and residual <= fit_tol and speed / lam > peak and not falling.any():
        return "runaway", lam, False
    half = late.shape[0] // 2
    first, second = late[:half], late[-half:]
    swing = np.ptp(late, axis=0)
    tol = oscillation_tol * peak
    crossings = _crossings(late.T, 0.25 * tol)
    ac = _autocorrelation(late)
    ringing = (swing > tol) & (crossings >= min_crossings)
    if noisy:  # fluctuations cross the mean too; a rhythm also comes back to itself
        ringing &= _recurrence(ac) >= 0.5
    if ringing.any():
        sustained = np.ptp(second, axis=0) >= 0.9 * np.ptp(first, axis=0)
        return ("oscillation", lam, False) if np.any(ringing & sustained) else ("unsettled", lam, True)
    drift = np.abs(second.mean(0) - first.mean(0))
    allowed = settle_tol * peak
    if noisy:  # a drift the fluctuations explain (t test, level 1e-3)
        allowed = allowed + T_CRITICAL * _drift_error(times, late)
    if np.all(drift <= allowed):
        return _label(second.mean(0) if noisy else final, inputs, wta_ratio, quiescent_rate), lam, False
    if lam < 0 and residual <= fit_tol:
        q = np.exp(lam * (times[-1] - times[-2]))
        limit = late[-1] + (late[-1] - late[-2]) * q / (1 - q)
        return _label(limit, inputs, wta_ratio, quiescent_rate), lam, True
    return "unsettled", lam, True


def _continued(spec: NetworkSpec, u_final: np.ndarray, t_end: float, in_area: np.ndarray, window: float,
               n_samples: int, max_time: Optional[float], inputs, rules: dict) -> str:
    """The label of an unsettled run from its continuation (`continue_run`): the stable fixed point it
    reaches, labelled like a settled run, or ``runaway``/``oscillation`` where a continued window shows
    that motion by the run's own rules; ``unsettled`` where none does within `max_time`."""
    judged = {k: rules[k] for k in ("wta_ratio", "quiescent_rate")}
    for win in continue_run(spec, u_final, t_end, window=window, n_samples=n_samples, max_time=max_time):
        if win.fixed_point is not None:
            rates = RateModel(spec).rates(win.fixed_point)[in_area]
            return _label(rates, inputs, **judged)
        if win.times.size >= 8:
            label, *_ = _judge(win.times, win.r[:, in_area], win.r[-1, in_area], inputs, False, **rules)
            if label in ("runaway", "oscillation"):
                return label
    return "unsettled"


def _specs(result: xr.Dataset, spec, shape: tuple) -> Optional[list]:
    """One spec per run (C order over `shape`), from `spec` or, for a single run, the result's provenance."""
    n = int(np.prod(shape))
    if spec is None:
        if shape != () or "spec" not in result.attrs:
            return None
        from neuroattn.spec import load_spec

        spec = load_spec(result.attrs["spec"])
    specs = [spec] * n if isinstance(spec, NetworkSpec) else list(spec)
    if len(specs) != n or not all(isinstance(s, NetworkSpec) for s in specs):
        raise NeuroAttnError(f"spec: give one NetworkSpec, or one per run ({n}) (got {len(specs)} items)")
    return specs


def classify_regime(result: xr.Dataset, area: Optional[str] = None, *, wta_ratio: float = 0.5,
                    quiescent_rate: float = 1e-3, late_fraction: float = 0.25, settle_tol: float = 1e-3,
                    fit_tol: float = 0.05, oscillation_tol: float = 0.02, min_crossings: int = 3,
                    growth: bool = False, spec: Union[NetworkSpec, Sequence[NetworkSpec], None] = None,
                    continue_for=None):
    """Label each run of `result` with one of `REGIMES` (see the module docstring for the rules).

    Parameters
    ----------
    result : Dataset from `simulate`, `simulate_batch` or a sweep, with traces of ``r`` (sweeps record
        them internally for their ``regime`` metric).
    area : the area to judge; may be left out when the network has one area.
    late_fraction : the part of the recorded run that is judged (at least 8 samples).
    settle_tol : settled when the late window's half means differ by at most this fraction of the peak.
    fit_tol : a decaying or growing speed counts as one exponential when its log fits a line this well.
    growth : also return the fitted growth rate of the late motion (1/s).
    spec : the spec of the run, or one per run (in the order of the result's runs, C order over its
        dims); a single run's own spec is read from its provenance when left out. Where given, a run
        that has not settled is continued by its rate equations from ``u_final`` (see the module
        docstring) and labelled by where it goes; without it such a run is labelled by the rules
        alone (a converging run by its extrapolated limit, any other ``unsettled``).
    continue_for : the longest continuation in model time (``'100 s'``, or seconds; default 1e4 times the
        longest time constant).

    Returns
    -------
    DataArray of str over the result's non-unit, non-time dims (``point`` …), named ``regime``; with
    ``growth=True`` a Dataset of ``regime`` and ``growth_rate``.

    Examples
    --------
    >>> import neuroattn as na
    >>> res = na.simulate(na.models.seed_competition(), "1 s", record_every=10)   # doctest: +SKIP
    >>> str(classify_regime(res).values)                                        # doctest: +SKIP
    'winner-take-all'
    """
    area = _only_area(result, area)
    if continue_for is not None:
        value, unit = parse_quantity(continue_for)
        if unit not in ("second", "1") or not value > 0:
            raise NeuroAttnError(f"continue_for: must be a positive time (got {continue_for!r})")
        continue_for = value
    if "r" not in result or "time" not in result["r"].dims or result.sizes["time"] < 8:
        raise NeuroAttnError("classify_regime: needs traces of 'r' with at least 8 samples (record them, "
                             "e.g. record_every=10); a final state alone cannot tell settled from moving")
    final_da = area_rates(result, area)
    dims = [d for d in final_da.dims if d != "unit"]
    traces = result["r"].sel(unit=(result.area == area).values).transpose(*dims, "time", "unit")
    n_late = max(8, int(round(late_fraction * traces.sizes["time"])))
    times = traces.time.values[-n_late:]
    late = traces.values[..., -n_late:, :]
    final = final_da.transpose(*dims, "unit").values
    in_area = (result.area == area).values
    inputs = None
    spiking = "u_final" in result and bool(np.all(np.isnan(result["u_final"].sel(unit=in_area))))
    noisy = np.full(final.shape[:-1], spiking)  # binned spike counts fluctuate like noise-driven rates
    if "I" in result and "time" in result["I"].dims:
        I_late = result["I"].sel(unit=in_area).transpose(*dims, "time", "unit").values[..., -n_late:, :]
        inputs = I_late[..., -1, :]
        with np.errstate(all="ignore"):
            noisy |= np.any(np.ptp(I_late, axis=-2) > 1e-9 * np.maximum(np.max(np.abs(I_late), axis=-2), 1e-12),
                            axis=-1)
    shape = final.shape[:-1]
    labels = np.empty(shape, dtype=object)
    rates = np.full(shape, np.nan)
    diverged = (np.broadcast_to(result["diverged"].transpose(*dims).values, shape) if "diverged" in result
                else np.zeros(shape, bool))
    rules = dict(wta_ratio=wta_ratio, quiescent_rate=quiescent_rate, settle_tol=settle_tol, fit_tol=fit_tol,
                 oscillation_tol=oscillation_tol, min_crossings=min_crossings)
    specs = _specs(result, spec, shape) if spec is not None else None
    looked_up = spec is not None  # a single run's spec is read from its provenance when first needed
    u_final = result["u_final"].transpose(*dims, "unit").values if "u_final" in result else None
    t_end = float(result.attrs.get("duration", times[-1]))
    with np.errstate(all="ignore"):
        for k, idx in enumerate(np.ndindex(shape)):
            if diverged[idx]:
                labels[idx] = "runaway"
                continue
            run_inputs = None if inputs is None else inputs[idx]
            labels[idx], rates[idx], moving = _judge(times, late[idx], final[idx], run_inputs, bool(noisy[idx]),
                                                     **rules)
            if not moving or noisy[idx] or u_final is None:
                continue
            if not looked_up:
                specs, looked_up = _specs(result, None, shape), True
            if specs is not None and cannot_continue(specs[k], t_end) is None:
                labels[idx] = _continued(specs[k], u_final[idx], t_end, in_area, float(times[-1] - times[0]),
                                         late.shape[-2], continue_for, run_inputs, rules)
    coords = {d: final_da[d] for d in dims if d in final_da.coords}
    out = xr.DataArray(labels.astype(str), dims=dims, coords=coords, name="regime",
                       attrs={"area": area, "long_name": f"dynamical regime of {area}",
                              "units": "1", "labels": ", ".join(REGIMES)})
    if not growth:
        return out
    rate = xr.DataArray(rates, dims=dims, coords=coords, name="growth_rate",
                        attrs={"units": "1/s", "area": area,
                               "long_name": f"fitted exponential rate of {area}'s late motion"})
    return xr.Dataset({"regime": out, "growth_rate": rate})


def regime_codes(labels: xr.DataArray) -> xr.DataArray:
    """Labels as integer codes (index into `REGIMES`) with CF ``flag_values``/``flag_meanings`` attrs."""
    lookup = {name: k for k, name in enumerate(REGIMES)}
    codes = np.vectorize(lookup.__getitem__, otypes=[np.int8])(labels.values) if labels.size else \
        np.zeros(labels.shape, np.int8)
    return labels.copy(data=codes).assign_attrs(regime_attrs(labels.attrs.get("area")))


def regime_attrs(area: Optional[str] = None) -> dict:
    """CF attributes of stored regime codes: ``flag_values``, ``flag_meanings``, ``long_name``, ``units``."""
    return {"flag_values": np.arange(len(REGIMES), dtype=np.int8),
            "flag_meanings": " ".join(r.replace("-", "_") for r in REGIMES),
            "long_name": "dynamical regime" + (f" of {area}" if area else ""), "units": "1"}


__all__ = ["REGIMES", "classify_regime", "regime_codes", "regime_attrs", "growth_rate"]
