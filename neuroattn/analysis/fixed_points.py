"""Fixed points and Jacobians of a spec's rate equations (no simulation, no brian2)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import xarray as xr

from neuroattn.analysis.rate_model import RateModel
from neuroattn.exceptions import NeuroAttnError
from neuroattn.results.dataset import unit_coords
from neuroattn.spec import NetworkSpec


def _state_vector(spec: NetworkSpec, state) -> np.ndarray:
    u = np.asarray(state.values if isinstance(state, xr.DataArray) else state, float)
    if u.shape != (spec.n_units,):
        raise NeuroAttnError(f"state: must have one value per unit ({spec.n_units}) (got shape {u.shape})")
    return u


def jacobian(spec: NetworkSpec, state, inputs: Optional[np.ndarray] = None) -> xr.DataArray:
    """The analytic Jacobian ``J[i, j] = d(du_i/dt)/du_j`` (units 1/s) at `state`.

    Parameters
    ----------
    spec : NetworkSpec
    state : array or DataArray over ``unit``
        The state ``u`` to linearise at.
    inputs : array, optional
        External input per unit; default every stimulus fully on (`RateModel.steady_input`).

    Examples
    --------
    >>> from neuroattn import load_spec
    >>> spec = load_spec("areas: {A: {n: 2, tau: 10 ms, transfer: linear}}")
    >>> jacobian(spec, [0.0, 0.0]).values
    array([[-100.,   -0.],
           [  -0., -100.]])
    """
    model = RateModel(spec)
    u = _state_vector(spec, state)
    I = model.steady_input() if inputs is None else np.asarray(inputs, float)
    coords = unit_coords(spec)
    return xr.DataArray(model.jacobian(u, I), dims=("unit", "wrt"),
                        coords={**coords, "wrt": ("wrt", coords["unit"][1])},
                        attrs={"units": "1/s", "long_name": "Jacobian d(du_unit/dt)/du_wrt"})


def fixed_points(spec: NetworkSpec, inputs: Optional[np.ndarray] = None, *, n_starts: int = 32,
                 seed: int = 0, tol: float = 1e-9) -> xr.Dataset:
    """All fixed points found from `n_starts` starting states, with their stability.

    Starting states are zero, the input itself, and seeded random states around the input. Roots are
    polished with scipy's ``hybr`` using the analytic Jacobian, de-duplicated, and sorted by
    ``max_real_eig``. A point is ``stable`` when every eigenvalue of the Jacobian has a negative real
    part.

    Returns
    -------
    xarray.Dataset
        ``u``, ``r`` over (``fixed_point``, ``unit``); ``stable``, ``max_real_eig`` over ``fixed_point``;
        ``eig_real``, ``eig_imag`` over (``fixed_point``, ``mode``).
    """
    model = RateModel(spec)
    I = model.steady_input() if inputs is None else np.asarray(inputs, float)
    rng = np.random.default_rng(seed)
    starts = [np.zeros(model.n_units), I.copy()]
    spread = 1.0 + np.abs(I)
    starts += [I + spread * rng.standard_normal(model.n_units) for _ in range(max(n_starts - 2, 0))]
    found: list[np.ndarray] = []
    for x0 in starts:
        x = model.polish(x0, I, tol)
        if x is not None and not any(np.max(np.abs(x - f)) < 1e-6 * max(1.0, np.max(np.abs(f))) for f in found):
            found.append(x)
    eigs = [np.linalg.eigvals(model.jacobian(u, I)) for u in found]
    order = np.argsort([e.real.max() for e in eigs]) if found else []
    found = [found[k] for k in order]
    eigs = [np.sort_complex(eigs[k])[::-1] for k in order]
    n = model.n_units
    U = np.array(found).reshape(len(found), n)
    E = np.array(eigs).reshape(len(found), n)
    coords = unit_coords(spec)
    return xr.Dataset(
        {"u": (("fixed_point", "unit"), U), "r": (("fixed_point", "unit"), model.rates(U.T).T if found else U),
         "stable": (("fixed_point",), E.real.max(axis=1) < 0 if found else np.zeros(0, bool)),
         "max_real_eig": (("fixed_point",), E.real.max(axis=1) if found else np.zeros(0)),
         "eig_real": (("fixed_point", "mode"), E.real), "eig_imag": (("fixed_point", "mode"), E.imag)},
        coords=coords, attrs={"input": I.tolist(), "eigenvalue_units": "1/s"})
