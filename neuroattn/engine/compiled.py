"""cpp_standalone compiled once per structure, then run for many parameter sets with ``run_args``.

`simulate_batch(target='cpp_standalone')` generates, compiles and runs a fresh C++ project every time
(tens of seconds of compiling). A sweep runs many chunks of one structure, so `CompiledNetwork`
builds the project once, for a batch of K points, with every synapse connected (zero weights
included) so that any weights of the same structure fit, and then each chunk only sets its numbers
on the command line of the compiled binary (Brian2's ``device.run(run_args=...)``): time constants,
start states, per-unit constants, synaptic weights and the noise TimedArrays.

The compiled program keeps Brian2's device set to cpp_standalone for as long as it lives, so it is
held by an explicit `NetworkCache` (one per sweep, worker or fit), whose `close` hands the device back.

The project of a structure lives in a build folder of its own under `build_root()`, named by a hash
of the compiled network's key, and is kept after the run: Brian2 rewrites only the files whose code
changed, so the next sweep of the same structure (in this process or a later one) compiles no code
object again (at most Brian2's setup files, `engine.device.build_project`, when Brian2 writes their
clocks in another order).
A process holds its folder under a file lock while it uses it; a second process wanting the same
folder at the same time builds in a temporary one instead, deleted afterwards.
"""
from __future__ import annotations

import atexit
import gc
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from typing import Optional, Sequence

import brian2
import numpy as np
from brian2.devices.device import get_device, reset_device
from brian2.utils.filelock import FileLock, Timeout

from neuroattn.engine.batch import RuleParams, structure_key
from neuroattn.engine.builder import build_network, couplings_of, rate_values
from neuroattn.engine.collect import collect, learned
from neuroattn.engine.coupling import synapse_pairs, synapse_weights
from neuroattn.engine.device import build_project, fast_math, program_parts
from neuroattn.engine.noise import OUProcess
from neuroattn.engine.plastic_kernels import compilable
from neuroattn.engine.spiking import SEED_FROM_ENVIRONMENT, connectivity_key, spiking_values
from neuroattn.exceptions import SimulationError


class _RunArgs(Mapping):
    """Brian2 wants a Mapping for ``run_args``; its keys (VariableViews) compare element-wise, so keep
    them as pairs and hand out ``items()``."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def __getitem__(self, key):  # pragma: no cover - Brian2 only iterates items()
        raise KeyError(key)

    def __iter__(self):
        return (k for k, _ in self._pairs)

    def __len__(self):
        return len(self._pairs)

    def items(self):
        return list(self._pairs)


def build_root() -> str:
    """Where compiled standalone projects are kept: ``$NEUROATTN_BUILD_CACHE``, else
    ``~/.cache/neuroattn/standalone`` (outside any source tree)."""
    return os.environ.get("NEUROATTN_BUILD_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "neuroattn",
                                                                    "standalone")


def _build_folder(key: tuple) -> tuple[str, object]:
    """(folder, lock) for a compiled network's project: the kept folder of its key, locked, or a
    fresh temporary folder (lock None) when another process holds it or the root is not writable."""
    flags = (brian2.__version__, tuple(brian2.prefs.codegen.cpp.extra_compile_args_gcc))  # not seen by make
    name = hashlib.sha256(repr((key, flags)).encode()).hexdigest()[:20]
    try:
        os.makedirs(build_root(), exist_ok=True)
        folder = os.path.join(build_root(), name)
        lock = FileLock(folder + ".lock")
        lock.acquire(timeout=0)
    except (OSError, Timeout):
        directory = tempfile.mkdtemp(prefix="neuroattn_compiled_")
        atexit.register(shutil.rmtree, directory, True)  # also when a worker just exits
        return directory, None
    os.makedirs(folder, exist_ok=True)
    return folder, lock


def _rules(spec) -> list:
    """(plasticity rule, structural plasticity) of every plastic connection of `spec`."""
    out = [(p.plasticity, p.structural) for p in spec.projections if p.plasticity is not None]
    for area in spec.areas.values():
        owner = area.competition if area.competition is not None else area.dynamics
        if getattr(owner, "plasticity", None) is not None:
            out.append((owner.plasticity, getattr(owner, "structural", None)))
    return out


def standalone_capable(spec) -> bool:
    """Whether cpp_standalone can run `spec` as a compiled network (no tasks, stimulus patterns,
    delays or spiking areas, and plasticity only by rules with compiled forms), so that the automatic
    choice may pick it."""
    if spec.tasks or any(st.patterns is not None for st in spec.stimuli):
        return False
    if any(p.delay for p in spec.projections) or any(area.spiking for area in spec.areas.values()):
        return False
    return all(compilable(RuleParams(rule, {}, structural)) for rule, structural in _rules(spec))


def splittable(spec) -> bool:
    """Whether a batch of `spec` may run as several programs on parts of its points: everything it
    returns is per point (no learned weights, recruited units or spikes)."""
    return standalone_capable(spec) and not _rules(spec) and all(a.reserve is None for a in spec.areas.values())


class CompiledNetwork:
    """One compiled cpp_standalone network for K points of one structure; `run` it with new numbers."""

    def __init__(self, params, *, dt: float, n_steps: int, record: Sequence[str], record_every: Optional[int],
                 record_weights_every: Optional[int] = None):
        self.K, self.dt, self.n_steps = params.n_points, dt, n_steps
        self.record, self.record_every = tuple(record), record_every
        self.key = self.key_of(params, dt, n_steps, self.record, record_every, record_weights_every)
        self.directory, self._lock = _build_folder(self.key)
        self._runs = 0
        # Brian2 names a network's code objects after those of earlier networks still in memory
        # (``_1``, ``_2``...), and new names are new files to compile: let the dead ones go first.
        gc.collect()
        brian2.set_device("cpp_standalone", build_on_run=False)
        try:
            with fast_math():
                self.built = build_network(params, dt=dt, n_steps=n_steps, seeds=[0] * self.K,
                                           target="cpp_standalone", coupling="kernel", record=self.record,
                                           record_every=record_every, dense_synapses=True,
                                           record_weights_every=record_weights_every)
                if self.built.spiking is not None and self.built.spiking.groups:  # Poisson input: seeded per run
                    threads = max(1, brian2.prefs.devices.cpp_standalone.openmp_threads)
                    brian2.device.insert_code("main", SEED_FROM_ENVIRONMENT % threads)
                self.built.network.run(n_steps * dt * brian2.second, namespace={})
                build_project(self.directory)
        except Exception as err:
            self.release()
            raise SimulationError(f"Brian2 failed to compile the network ({type(err).__name__}: {err})") from err

    @staticmethod
    def key_of(params, dt, n_steps, record, record_every, record_weights_every=None) -> tuple:
        """What a compiled network fixes: structure, K, run settings, which couplings share one weight
        matrix across points (a compiled `DenseProduct` holds either one or K matrices), and the
        synapses of spiking areas (`connectivity_key`)."""
        layout = tuple(c.weights.ndim for c in couplings_of(params, dt))
        spiking = any(a.spiking for a in params.areas.values())
        return (structure_key(params.spec), params.n_points, dt, n_steps, tuple(record), record_every,
                record_weights_every, layout,
                connectivity_key(params) if spiking else None)

    def _run_args(self, params, seeds: Sequence[int]) -> list:
        """(variable or TimedArray, value) pairs setting every number of `params` for one run."""
        built, K = self.built, self.K
        pairs = [(getattr(group, var), value) for group, var, value in rate_values(params, built.rate_groups)]
        for c in couplings_of(params, self.dt):
            kernel = built.kernels.get(c.name)
            if kernel is not None:  # a compiled product: its own values (TimedArray), and variables
                pairs += [(owner if var is None else getattr(owner, var), value)
                          for owner, var, value in kernel.run_values(c)]
                continue
            post, pre = synapse_pairs(c, dense=True)
            pairs.append((built.synapses[c.name].w, synapse_weights(c, post, pre, K)))
        for s, array in built.noise_arrays.items():
            process = OUProcess.of(params, s, seeds, self.dt, self.n_steps)
            pairs.append((array, process.trajectory(self.n_steps)))
        if built.spiking is not None:
            pairs += [(getattr(owner, var), value) for owner, var, value in spiking_values(params, built.spiking)]
        return pairs

    def _start(self, pairs: list, results: str) -> subprocess.Popen:
        """Start the compiled program on `pairs`, writing into the folder `results` (Brian2's
        ``device.run`` without waiting: the arguments as Brian2 writes them, the same command)."""
        device, args = get_device(), []
        for key, value in pairs:
            prepare = (device._prepare_timed_array_run_arg if isinstance(key, brian2.TimedArray)
                       else device._prepare_variableview_run_arg)
            name, string_value, value_name, value_ar = prepare(key, value)
            if value_name:
                fname = os.path.join(self.directory, "static_arrays", value_name)
                with FileLock(fname + ".lock"):
                    if not os.path.exists(fname):
                        value_ar.tofile(fname)
            args.append(f"{name}={string_value}")
        folder = os.path.join(os.path.abspath(os.path.join(self.directory, results)), "")
        os.makedirs(folder, exist_ok=True)
        command = brian2.prefs.devices.cpp_standalone.run_cmd_unix
        command = [command] if isinstance(command, str) else list(command)
        env = {**os.environ, **brian2.prefs.devices.cpp_standalone.run_environment_variables,
               **device.run_environment_variables}
        with open(os.path.join(folder, "stdout.txt"), "w") as out:
            return subprocess.Popen(command + ["--results_dir", folder] + args, cwd=self.directory, stdout=out,
                                    stderr=subprocess.STDOUT, env=env)

    def run(self, params, seeds: Sequence[int], keep: Optional[int] = None, *,
            more: Sequence[tuple] = ()):
        """(traces, finals, times, learned) of `params` (same structure and K), as `simulate_batch`
        collects them; `keep`: the learned weights and spikes of the first `keep` points only (the
        rest pad the batch).

        `more`: further ``(params, seeds)`` parts of the same batch (each K points), each run by its
        own copy of the program at the same time as this one (`NetworkCache.parts`); their traces
        and final states follow this part's along the point axis (only for `splittable` batches,
        whose results are all per point).
        """
        built, tag = self.built, self._runs
        self._runs += 1
        names = [f"results_{tag}_{i}" for i in range(1 + len(more))]
        started = []
        try:
            for (p, s), name in zip(more, names[1:]):
                started.append(self._start(self._run_args(p, s), name))
            if built.spiking is not None:
                brian2.device.run_environment_variables["NEUROATTN_SEED"] = str(int(seeds[0]))
            brian2.device.run(directory=self.directory, results_directory=names[0], with_output=False,
                              run_args=_RunArgs(self._run_args(params, seeds)))
            for process, name in zip(started, names[1:]):
                if process.wait():
                    with open(os.path.join(self.directory, name, "stdout.txt")) as f:
                        raise SimulationError(f"the compiled program failed on a part of the batch: {f.read()[-500:]}")
            built.params = params
            traces, finals, times = collect(built, self.record, self.K)  # before `learned`: it reads the spikes
            extra = learned(built, self.K if keep is None else keep)
            for (p, _), name in zip(more, names[1:]):
                get_device().results_dir = os.path.join(os.path.abspath(self.directory), name, "")
                built.params = p
                t, f, _ = collect(built, self.record, self.K)
                traces = {k: np.concatenate([v, t[k]]) for k, v in traces.items()}
                finals = {k: np.concatenate([v, f[k]]) for k, v in finals.items()}
            return traces, finals, times, extra
        finally:
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            os.environ.pop("NEUROATTN_SEED", None)  # Brian2 exported it for the program
            for name in names:
                shutil.rmtree(os.path.join(self.directory, name), ignore_errors=True)
            for name in os.listdir(os.path.join(self.directory, "static_arrays")):
                if name.startswith("init_"):  # this run's argument arrays
                    os.remove(os.path.join(self.directory, "static_arrays", name))

    def release(self) -> None:
        """Give Brian2 its runtime device back; unlock the kept project (or delete a temporary one)."""
        brian2.device.reinit()
        reset_device()
        if self._lock is None:
            shutil.rmtree(self.directory, ignore_errors=True)
        else:
            self._lock.release()
            self._lock = None


class NetworkCache:
    """Compiled standalone networks kept between runs: an explicit object, owned by whoever runs many
    batches of one structure (a sweep, a worker process, a fit).

    Brian2 has one standalone device per process, so the cache holds one compiled network at a time:
    asking for another structure, batch size or run setting compiles anew and releases the old one.
    It keeps likewise one built network of a runtime target (`runtime`), run again with new numbers.
    `close` (or leaving a ``with`` block) hands Brian2's runtime device back.

    `cores`: how many copies of a compiled program may run at once on parts of one batch; None
    chooses by size (`engine.device.program_parts`: every core for large batches, ``NEUROATTN_CORES``
    overrides), 1 runs one program (as each worker process of a sweep does, so that workers do not
    compete for cores).

    Examples
    --------
    >>> with NetworkCache() as cache:                                               # doctest: +SKIP
    ...     for chunk in chunks:
    ...         run(chunk, settings, seeds=..., target="cpp_standalone", cache=cache, pad_to=100)
    """

    def __init__(self, cores: Optional[int] = None):
        self.cores = cores
        self._network: Optional[CompiledNetwork] = None
        self._runtime = None  # a `RuntimeNetwork` (numpy or cython), run again while its key holds

    def runtime(self, key: tuple, build):
        """The kept runtime network if its ``key`` is `key`, else a new one from ``build()``."""
        if self._runtime is None or self._runtime.key != key:
            self._runtime = None  # its arrays go before the next are made
            self._runtime = build()
        return self._runtime

    def parts(self, n_points: int, spec) -> int:
        """Into how many programs, run at once, a batch of `n_points` points of `spec` is split."""
        units = n_points * sum(a.n for a in spec.areas.values())
        return min(n_points, program_parts(self.cores, units=units, splittable=splittable(spec)))

    def compiled(self, params, settings) -> "CompiledNetwork":
        """The compiled network for `params` (K points of one structure) and `settings`."""
        key = CompiledNetwork.key_of(params, settings.dt, settings.n_steps, settings.traced(), settings.record_every,
                                     settings.record_weights_every)
        if self._network is None or self._network.key != key:
            self.close()
            for c in couplings_of(params, settings.dt):
                if c.delay_steps:
                    raise SimulationError(f"projections[{c.name}].delay: delays need a runtime target "
                                          "(numpy or cython)")
            self._network = CompiledNetwork(params, dt=settings.dt, n_steps=settings.n_steps,
                                            record=settings.traced(), record_every=settings.record_every,
                                            record_weights_every=settings.record_weights_every)
        return self._network

    def close(self) -> None:
        """Release the compiled network (if any) and restore Brian2's runtime device."""
        self._runtime = None
        if self._network is not None:
            self._network.release()
            self._network = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):  # a cache belongs to its process: a copy sent elsewhere starts empty
        return {"cores": self.cores, "_network": None, "_runtime": None}
