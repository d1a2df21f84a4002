"""The ``dask`` backend: chunks as tasks on ``dask.distributed`` (imported only when used).

The plan travels with every task, so when workers die (all of them, even) the scheduler reruns their
tasks on surviving or new workers, up to `MAX_TRIES` times. Each Dask worker gets an `EnginePlugin`: its `NetworkCache` lives as long as the worker, so a
``cpp_standalone`` sweep compiles each structure once per worker, and its lock serialises Brian2
(which is not thread-safe) on workers with several threads. The plugin imports the engine in its
``setup``, which Dask runs in the worker's main thread.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional

from dask.distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from neuroattn.exceptions import NeuroAttnError, SweepError

#: Times the scheduler reruns a chunk whose worker died before the sweep gives up on it.
MAX_TRIES = 3
from neuroattn.sweeps.plan import SweepPlan


class EnginePlugin(WorkerPlugin):
    """Per-worker engine state: a `NetworkCache` and a lock."""

    name = "neuroattn-engine"

    def setup(self, worker=None):
        from neuroattn.engine import NetworkCache

        self.cache = NetworkCache(cores=1)  # workers share the cores
        self.lock = threading.Lock()

    def teardown(self, worker=None):
        self.cache.close()


def dask_chunk(compute: Callable, plan: SweepPlan, index: int, store_path: Optional[str]):
    """``compute(plan, index, store_path, cache)`` on a Dask worker, with the worker's cache."""
    plugin = get_worker().plugins[EnginePlugin.name]
    with plugin.lock:
        return compute(plan, index, store_path, plugin.cache)


def run_dask(compute: Callable, plan: SweepPlan, todo, store_path, n_workers: int, scheduler, on_done) -> None:
    """Run `compute` for the chunks `todo` on a Dask cluster (`n_workers` local workers, or `scheduler`)."""
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except OSError as err:
            raise SweepError(f"scheduler: cannot reach {scheduler!r} ({err})") from None
    try:
        client.register_plugin(EnginePlugin())
        # the plan travels with every task (no scattered copy that dies with the workers holding it),
        # so whatever workers are alive, or started later, can compute any chunk
        futures = [client.submit(dask_chunk, compute, plan, index, store_path, retries=MAX_TRIES, pure=False,
                                 key=f"neuroattn-chunk-{index}-{plan.identity()[:12]}-{plan.run[:8]}")
                   for index in todo]
        for future in as_completed(futures):
            try:
                on_done(*future.result())
            except NeuroAttnError:
                raise
            except Exception as err:
                raise SweepError(f"a chunk failed on the cluster ({type(err).__name__}: {str(err)[:200]})") from None
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


__all__ = ["EnginePlugin", "dask_chunk", "run_dask"]
