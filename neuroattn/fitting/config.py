"""Fit files: the YAML that ``neuroattn fit FIT.yaml --out fit.zarr`` runs.

.. code-block:: yaml

    model: wong_wang                         # a shipped model, or a YAML file relative to this file
    data: roitman_shadlen                    # a shipped data set, or a CSV file relative to this file
    select: {monkey: 1}                      # optional: keep the rows with these values
    params:
      areas.LIP.dynamics.parameters.mu: [0.005, 0.05, log]
      objective.non_decision_time: [0.1, 0.5]
    objective:
      kind: rt_likelihood
      area: LIP
      var: u
      threshold: 0.5
      conditions: {coh: areas.LIP.dynamics.parameters.coh}
    duration: 2 s
    dt: 1 ms
    trials: 60
    population: 20
    generations: 15
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, PositiveInt

from neuroattn.exceptions import FitError
from neuroattn.spec.base import SpecModel

#: Data sets a fit file may name instead of a CSV file.
DATASETS = ("roitman_shadlen",)


class FitConfig(SpecModel):
    """A fit file (see the module docstring); the options are those of `neuroattn.fit`."""

    model: str
    data: str
    select: dict[str, Union[float, int, str]] = Field(default_factory=dict)
    params: dict[str, Any]
    objective: Union[str, dict[str, Any]] = "squared_error"
    method: Literal["differential_evolution", "l-bfgs-b", "nelder-mead"] = "differential_evolution"
    duration: str = "1 s"
    dt: str = "0.1 ms"
    trials: PositiveInt = 1
    seed: int = Field(0, ge=0, lt=2**32)
    population: Optional[PositiveInt] = None
    generations: int = Field(40, ge=0)
    tol: float = Field(0.01, ge=0)
    local: Optional[Literal["l-bfgs-b", "nelder-mead"]] = "l-bfgs-b"
    local_iterations: int = Field(20, ge=0)
    profile: bool = True
    backend: Literal["batched", "processes", "dask"] = "batched"
    workers: Optional[PositiveInt] = None
    chunk_size: Optional[PositiveInt] = None
    target: Optional[Literal["numpy", "cython", "cpp_standalone"]] = None


def _data(config: FitConfig, where: Path):
    import pandas as pd

    if config.data in DATASETS:
        from neuroattn import data as datasets

        frame = getattr(datasets, config.data)()
    else:
        path = Path(config.data)
        path = path if path.is_absolute() else where / path
        if not path.is_file():
            raise FitError(f"data: no such file {str(path)!r} (or a shipped data set: {', '.join(DATASETS)})")
        try:
            frame = pd.read_csv(path)
        except (ValueError, OSError) as err:
            raise FitError(f"data: cannot read {str(path)!r} as CSV ({err})") from None
    for column, value in config.select.items():
        if column not in frame.columns:
            raise FitError(f"select.{column}: the data has no such column (columns: {', '.join(frame.columns)})")
        frame = frame[frame[column] == value]
        if frame.empty:
            raise FitError(f"select.{column}: no row has {column} = {value!r}")
    return frame.reset_index(drop=True)


def load_fit(path) -> tuple[Any, Any, dict]:
    """(spec, data, keyword arguments for `neuroattn.fit`) from a fit file."""
    from neuroattn.spec.io import config_model, read_config

    path = Path(path)
    config = read_config(path, FitConfig, "fit file", FitError)
    spec = config_model(config.model, path, "fit file", FitError)
    data = _data(config, path.parent)
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in config.params.items()}
    kwargs = config.model_dump(exclude={"model", "data", "select", "params"})
    return spec, data, {"params": params, **kwargs}


__all__ = ["FitConfig", "load_fit", "DATASETS"]
