"""How well a population tells two stimuli apart: d′ from trial-by-trial responses."""
from __future__ import annotations

import numpy as np
import xarray as xr

from neuroattn.exceptions import NeuroAttnError


def d_prime(a: xr.DataArray, b: xr.DataArray, *, trial: str = "trial") -> float:
    """d′ of the two stimuli along the difference of their mean population responses.

    `a` and `b` are responses with dims (`trial`, unit); with ``m = mean(a) - mean(b)`` and ``S`` the
    covariance of the trials averaged over both stimuli, ``d′ = m·m / sqrt(m·S·m)``: the separation
    of the two response distributions projected onto ``m``, in units of their standard deviation
    along it (the d′ of a linear readout with weights ``m``; no covariance matrix is inverted, so it
    stays defined with fewer trials than units). Units silent in every trial add nothing.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = xr.DataArray(rng.normal(1.0, 1.0, (2000, 1)), dims=("trial", "unit"))
    >>> b = xr.DataArray(rng.normal(0.0, 1.0, (2000, 1)), dims=("trial", "unit"))
    >>> round(d_prime(a, b), 1)
    1.0
    """
    for name, x in (("a", a), ("b", b)):
        if x.ndim != 2 or trial not in x.dims:
            raise NeuroAttnError(f"{name}: needs dims ({trial!r}, unit) (got {x.dims})")
        if x.sizes[trial] < 2:
            raise NeuroAttnError(f"{name}: needs at least 2 trials (got {x.sizes[trial]})")
    unit = next(d for d in a.dims if d != trial)
    xa = np.asarray(a.transpose(trial, unit).values, float)
    xb = np.asarray(b.transpose(trial, unit).values, float)
    m = xa.mean(axis=0) - xb.mean(axis=0)
    spread = 0.5 * (np.var(xa @ m, ddof=1) + np.var(xb @ m, ddof=1))  # m·S·m, S the mean covariance
    if spread <= 0:
        return float("inf") if m @ m > 0 else 0.0
    return float(m @ m / np.sqrt(spread))


def d_prime_error(d: float, n_a: int, n_b: int) -> float:
    """The standard error of a d′ estimated from `n_a` and `n_b` trials of two equal-variance Gaussian
    response distributions: ``sqrt((n_a + n_b)/(n_a n_b) + d**2 / (2 (n_a + n_b)))`` (the delta method;
    Macmillan & Creelman, Detection Theory, 2005).

    Examples
    --------
    >>> round(d_prime_error(0.0, 50, 50), 3)
    0.2
    """
    return float(np.sqrt((n_a + n_b) / (n_a * n_b) + d ** 2 / (2 * (n_a + n_b))))


__all__ = ["d_prime", "d_prime_error"]
