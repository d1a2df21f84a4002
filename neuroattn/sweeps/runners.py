"""Execution backends: where the chunks of a sweep are computed.

- ``batched``: in this process, chunk after chunk (each chunk one batched Brian2 network).
- ``processes``: local worker processes (spawned, so each has a fresh Brian2 with its own device
  state and standalone build folders; the Cython cache is shared under Brian2's file lock, so each
  code object compiles once). Each worker lives for the whole sweep and takes chunks from a queue.
- ``dask``: chunks as tasks on ``dask.distributed``: a `LocalCluster` of worker processes by
  default, or the scheduler at `scheduler` (``tcp://host:8786``, e.g. started by dask-jobqueue).
  A worker that dies mid-chunk loses nothing: the scheduler reruns its task elsewhere.

Wherever chunks run, that process keeps one `neuroattn.engine.NetworkCache` for the sweep (held by
the sweep, by the worker's loop, or by a Dask worker plugin), so a ``cpp_standalone`` sweep compiles
each structure once per process. With a store, workers write their chunk's region themselves and
return only a small summary; without one, they return the chunk's Dataset to this process.
"""
from __future__ import annotations

import queue
import time
from typing import Callable, Iterable, Optional

import xarray as xr

from neuroattn.exceptions import SweepError
from neuroattn.sweeps.plan import SweepPlan

BACKENDS = ("batched", "processes", "dask")


def compute_chunk(plan: SweepPlan, index: int, store_path: Optional[str], cache=None):
    """Compute one chunk; write it to the store (and return a summary) or return the Dataset.

    With a store, the chunk is first claimed (`SweepStore.claim`); a chunk another live run holds
    is skipped (``{"skipped": True}``), so runs sharing a store compute every chunk once.
    """
    started = time.perf_counter()
    if store_path is None:
        return index, plan.run_chunk(index, cache=cache)
    from neuroattn.sweeps.store import SweepStore

    store = SweepStore(store_path, plan)
    if not store.claim(index):
        return index, {"skipped": True, "points": 0, "diverged": 0}
    if store.is_done(index):  # another run finished it after this run listed what to do
        store.release(index)
        return index, {"skipped": True, "points": 0, "diverged": 0}
    try:
        chunk = plan.run_chunk(index, cache=cache)
    except BaseException:
        store.release(index)
        raise
    store.write_chunk(index, chunk)
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
        from neuroattn.engine import NetworkCache

        with NetworkCache() as cache:
            for index in todo:
                on_done(*compute_chunk(plan, index, store_path, cache))
    elif backend == "processes":
        _run_processes(plan, todo, store_path, workers, on_done)
    else:
        from neuroattn.sweeps.dask_backend import run_dask

        run_dask(compute_chunk, plan, todo, store_path, min(workers or cpu_count(), len(todo)), scheduler, on_done)


def _worker_loop(plan: SweepPlan, store_path: Optional[str], tasks, results) -> None:
    """A worker process: one engine cache for its life, chunks from `tasks` until a None arrives."""
    from neuroattn.engine import NetworkCache

    with NetworkCache(cores=1) as cache:  # the workers share the cores
        for index in iter(tasks.get, None):
            try:
                results.put(("done", *compute_chunk(plan, index, store_path, cache)))
            except BaseException as err:  # reported in the parent, which stops the sweep
                results.put(("error", index, f"{type(err).__name__}: {err}"))
                return


def _run_processes(plan, todo, store_path, workers, on_done) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    n = min(workers or cpu_count(), len(todo))
    for index in todo:
        tasks.put(index)
    for _ in range(n):
        tasks.put(None)
    procs = [ctx.Process(target=_worker_loop, args=(plan, store_path, tasks, results), daemon=True)
             for _ in range(n)]
    for proc in procs:
        proc.start()
    remaining = set(todo)
    try:
        while remaining:
            try:
                kind, index, payload = results.get(timeout=0.5)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    raise SweepError(f"a worker process died (exit code {dead[0].exitcode}); rerun the "
                                     "sweep with its store to compute the missing chunks") from None
                continue
            if kind == "error":
                raise SweepError(f"chunk {index} failed in a worker: {payload}")
            remaining.discard(index)
            on_done(index, payload)
    finally:
        for proc in procs:
            if remaining:
                proc.terminate()
            proc.join(timeout=30)


def cpu_count() -> int:
    from neuroattn.engine import available_cores

    return available_cores()


def concat_chunks(chunks: dict[int, xr.Dataset]) -> xr.Dataset:
    """In-memory sweep: the chunks' Datasets in point order."""
    return xr.concat([chunks[i] for i in sorted(chunks)], dim="point", data_vars="all", coords="minimal",
                     compat="override", join="override")


__all__ = ["BACKENDS", "compute_chunk", "run_chunks", "concat_chunks", "cpu_count"]
