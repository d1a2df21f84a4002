"""neuroattn: attention as competition-inhibition dynamics across cortical areas, on Brian2.

Declare a `NetworkSpec` (or load one from YAML with `load_spec`), run it with `simulate`, and get an
`xarray.Dataset`. Importing neuroattn imports neither brian2 nor matplotlib.

Examples
--------
>>> import neuroattn as na
>>> spec = na.load_spec("seed_competition")      # doctest: +SKIP
>>> result = na.simulate(spec, "500 ms", dt="0.1 ms")          # doctest: +SKIP
>>> result.r.sel(unit=result.area == "V1").isel(time=-1)       # doctest: +SKIP
"""
__version__ = "0.1.0"

from neuroattn.exceptions import (BuildError, DivergenceWarning, FitError, NeuroAttnError, SimulationError,
                                  SpecError, SweepError)
from neuroattn.spec import (Area, Bump, Divisive, Expression, FeatureAxis, Gaussian, Lateral, Linear,
                            Matrix, NetworkSpec, OUNoise, Projection, Random, ReLU, Seed, Sigmoid,
                            Stimulus, Uniform, dump_spec, load_spec)
from neuroattn import models
from neuroattn.results.learned import learned_spec

#: Subpackages imported on first use (``na.analysis``, ``na.plotting`` ...), so that importing
#: neuroattn stays light: no brian2, no matplotlib, no dask.
_LAZY = ("analysis", "plotting", "sweeps", "results", "engine", "paradigms", "learning", "fitting", "data")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"neuroattn.{name}")
    raise AttributeError(f"module 'neuroattn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def simulate(spec, duration, **kwargs):
    """Run `spec` for `duration`; see `neuroattn.engine.simulate` for every option."""
    from neuroattn.engine import simulate as _simulate

    return _simulate(spec, duration, **kwargs)


def sweep(spec, space, duration, **kwargs):
    """Run `spec` over a parameter space; see `neuroattn.sweeps.sweep` for every option."""
    from neuroattn.sweeps import sweep as _sweep

    return _sweep(spec, space, duration, **kwargs)


def fit(spec, data, params, objective="squared_error", method="differential_evolution", **kwargs):
    """Fit `params` of `spec` to `data`; see `neuroattn.fitting.fit` for every option."""
    from neuroattn.fitting import fit as _fit

    return _fit(spec, data, params, objective, method, **kwargs)


def open_result(path):
    """Open a saved result: a simulation saved as ``.nc`` or ``.zarr`` (read into memory), or a sweep
    store (``.zarr``, opened lazily) or a sweep exported to ``.nc``.

    Examples
    --------
    >>> ds = na.open_result("beta_sweep.zarr")            # doctest: +SKIP
    >>> ds.regime_V1.attrs["flag_meanings"]               # doctest: +SKIP
    """
    from pathlib import Path

    from neuroattn.results.io import load, result_format

    path = Path(path)
    if result_format(path) == "zarr" and path.is_dir():
        import xarray as xr

        with xr.open_zarr(path, consolidated=None) as probe:
            is_sweep = "sweep_id" in probe.attrs
        if is_sweep:
            from neuroattn.sweeps import open_sweep

            return open_sweep(path)
    return load(path)


def simulate_batch(specs, duration, **kwargs):
    """Run K specs of one structure as one network; see `neuroattn.engine.simulate_batch`."""
    from neuroattn.engine import simulate_batch as _simulate_batch

    return _simulate_batch(specs, duration, **kwargs)


__all__ = ["simulate", "simulate_batch", "sweep", "fit", "open_result", "analysis", "plotting", "sweeps", "results",
           "fitting", "data", "learned_spec", "models", "load_spec", "dump_spec", "NetworkSpec", "Area",
           "FeatureAxis", "Seed", "Lateral", "Divisive", "Projection", "Stimulus", "Bump", "OUNoise",
           "Sigmoid", "ReLU", "Linear", "Expression", "Uniform", "Matrix", "Gaussian", "Random",
           "NeuroAttnError", "SpecError", "BuildError", "SimulationError", "SweepError", "FitError",
           "DivergenceWarning"]
