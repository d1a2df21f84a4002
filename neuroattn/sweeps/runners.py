"""Execution backends: where the chunks of a sweep are computed.

- ``batched``: in this process, chunk after chunk (each chunk one batched Brian2 network).
- ``processes``: a pool of local worker processes (spawned, so each has a fresh Brian2 with its own
  device state and standalone build folders; the Cython cache is shared under Brian2's file lock,
  so each code object compiles once).
- ``dask``: chunks as tasks on ``dask.distributed``: a `LocalCluster` of worker processes by
  default, or the scheduler at `scheduler` (``tcp://host:8786``, e.g. started by dask-jobqueue).
  A worker that dies mid-chunk loses nothing: the scheduler reruns its task elsewhere.

With a store, workers write their chunk's region themselves and return only a small summary;
without one, they return the chunk's Dataset to this process.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Iterable, Optional

import xarray as xr

from neuroattn.exceptions import SweepError
from neuroattn.sweeps.plan import SweepPlan

BACKENDS = ("batched", "processes", "dask")
#: Brian2 keeps global device state and is not thread-safe; a Dask worker with several threads
#: computes its chunks one at a time.
_BRIAN2_LOCK = threading.Lock()


def compute_chunk(plan: SweepPlan, index: int, store_path: Optional[str]):
    """Compute one chunk; write it to the store (and return a summary) or return the Dataset."""
    started = time.perf_counter()
    with _BRIAN2_LOCK:
        chunk = plan.run_chunk(index)
    if store_path is None:
        return index, chunk
    from neuroattn.sweeps.store import SweepStore

    SweepStore(store_path, plan).write_chunk(index, chunk)
    return index, {"points": chunk.sizes["point"], "diverged": int(chunk["diverged"].sum()),
                   "wall": time.perf_counter() - started}


def run_chunks(plan: SweepPlan, todo: Iterable[int], store_path: Optional[str], *, backend: str = "batched",
               workers: Optional[int] = None, scheduler: Optional[str] = None,
               on_done: Callable[[int, object], None]) -> None:
    """Compute the chunks `todo` with `backend`, calling ``on_done(index, result)`` as each finishes."""
    todo = list(todo)
    if backend not in BACKENDS:
        raise SweepError(f"backend: must be one of {', '.join(BACKENDS)} (got {backend!r})")
    if not todo:
        return
    if backend == "batched":
        for index in todo:
            on_done(*compute_chunk(plan, index, store_path))
    elif backend == "processes":
        _run_processes(plan, todo, store_path, workers, on_done)
    else:
        _run_dask(plan, todo, store_path, workers, scheduler, on_done)


def _run_processes(plan, todo, store_path, workers, on_done) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    n = min(workers or cpu_count(), len(todo))
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(compute_chunk, plan, index, store_path) for index in todo]
        try:
            for future in as_completed(futures):
                on_done(*future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _run_dask(plan, todo, store_path, workers, scheduler, on_done) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=min(workers or cpu_count(), len(todo)), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except OSError as err:
            raise SweepError(f"scheduler: cannot reach {scheduler!r} ({err})") from None
    try:
        plan_future = client.scatter(plan, broadcast=True)
        futures = [client.submit(compute_chunk, plan_future, index, store_path, key=f"neuroattn-chunk-{index}-"
                                 f"{plan.identity()[:12]}", pure=False, retries=2) for index in todo]
        for future in as_completed(futures):
            on_done(*future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def concat_chunks(chunks: dict[int, xr.Dataset]) -> xr.Dataset:
    """In-memory sweep: the chunks' Datasets in point order."""
    return xr.concat([chunks[i] for i in sorted(chunks)], dim="point", data_vars="all", coords="minimal",
                     compat="override", join="override")


__all__ = ["BACKENDS", "compute_chunk", "run_chunks", "concat_chunks"]
