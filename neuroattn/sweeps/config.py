"""Sweep files: the YAML that ``neuroattn sweep SWEEP.yaml --out results.zarr`` runs.

.. code-block:: yaml

    model: seed_competition                    # a shipped model, or a file relative to this one
    space:
      grid:
        areas.V1.competition.beta: {linspace: [0, 4, 200]}
    seeds: [0, 1, 2]                            # optional; each point runs once per seed
    duration: 2 s
    dt: 0.1 ms
    record:
      final: true                               # keep u_final and r_final
      traces_every: null                        # or steps (10) or a time (1 ms) to keep traces
      variables: [r]
      metrics: [wta_index, winner, regime]
      areas: [V1]                               # metric areas (default all)
    backend: batched                            # or processes, dask
    chunk_size: 50

Paired conditions are a zip (or a table) that names its axis, one axis however many paths it sets:

.. code-block:: yaml

    space:
      product:
        - grid:
            projections[C->V1].scale: [0.5, 1, 2]
        - zip:
            stimuli[1].amplitude: [[1, 0], [0, 1]]
          name: cue
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, PositiveInt

from neuroattn.exceptions import SweepError
from neuroattn.spec.base import SpecModel


class RecordConfig(SpecModel):
    """What each point keeps: final state, traces every k steps (or a time), per-point metrics."""

    final: bool = True
    traces_every: Optional[Union[PositiveInt, str]] = None
    variables: list[str] = Field(default_factory=lambda: ["u", "r"])  # checked against the spec by `sweep`
    metrics: list[str] = Field(default_factory=list)
    areas: Optional[list[str]] = None


class SweepConfig(SpecModel):
    """A sweep file (see the module docstring)."""

    model: str
    space: dict[str, Any]
    seeds: Union[int, list[int]] = 0
    duration: str
    dt: str = "0.1 ms"
    record: RecordConfig = Field(default_factory=RecordConfig)
    backend: Literal["batched", "processes", "dask"] = "batched"
    chunk_size: Optional[PositiveInt] = None
    workers: Optional[PositiveInt] = None
    scheduler: Optional[str] = None  # used only with --trust-scheduler-in-file (see load_sweep)
    target: Optional[Literal["numpy", "cython", "cpp_standalone"]] = None


def load_sweep(path, *, trust_scheduler: bool = False) -> tuple[Any, Any, dict]:
    """(spec, space, keyword arguments for `neuroattn.sweep`) from a sweep file."""
    from neuroattn.spec.io import config_model, read_config
    from neuroattn.sweeps.space import from_config

    path = Path(path)
    config = read_config(path, SweepConfig, "sweep file", SweepError)
    if config.scheduler is not None and not trust_scheduler:
        # a file passed around must not choose the host this client connects to (and unpickles from)
        raise SweepError(f"sweep file {str(path)!r}: scheduler: a sweep file may not name a scheduler "
                         f"address ({config.scheduler[:60]!r}); give it with --scheduler, or pass "
                         "--trust-scheduler-in-file")
    spec = config_model(config.model, path, "sweep file", SweepError)
    space = from_config(config.space)
    rec = config.record
    kwargs = dict(dt=config.dt, seeds=config.seeds, final=rec.final, metrics=rec.metrics,
                  metric_areas=rec.areas, backend=config.backend, chunk_size=config.chunk_size,
                  workers=config.workers, scheduler=config.scheduler, target=config.target)
    if rec.traces_every is not None:
        every = rec.traces_every
        kwargs.update(record="traces", record_every=every, variables=rec.variables)
    return spec, space, {"duration": config.duration, **kwargs}


__all__ = ["SweepConfig", "RecordConfig", "load_sweep"]
