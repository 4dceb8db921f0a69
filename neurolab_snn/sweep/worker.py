"""What runs on a worker: its private Brian2 directories, compiled projects, and one task.

Each worker (a Dask worker process, or the calling process for a serial sweep)
owns a :class:`WorkerContext`: a Cython cache folder of its own (Brian2's
preference ``codegen.runtime.cython.cache_dir``, set only while a task runs
and restored after it) and a folder for its cpp_standalone projects, so that
workers never compile into the same files.  :class:`SweepWorkerPlugin` gives
every Dask worker its context when the worker starts and removes its
standalone projects when it closes.  :func:`run_task` runs one point and
returns a plain dict (the table row without the bookkeeping of the driver).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import time
from pathlib import Path

from ..sim.devices import scoped_prefs
from .jobs import Job, PointResult

try:  # dask is the optional 'dask' extra; serial sweeps work without it
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - exercised only without the extra
    WorkerPlugin = object

__all__ = ["WorkerContext", "SweepWorkerPlugin", "run_task", "PLUGIN_NAME"]

PLUGIN_NAME = "neurolab-sweep"


def _safe(name) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)) or "worker"


class WorkerContext:
    """A worker's private Brian2 folders and its compiled standalone simulations.

    Parameters
    ----------
    name : str
        Worker name (folder name under *root*).
    root : path
        Parent folder; the context uses ``root/<host>-<name>/cython`` (kept, and
        reused by later sweeps) and ``root/<host>-<name>/standalone-<pid>``
        (removed by :meth:`close`).

    Attributes
    ----------
    cache_dir : Path
        Brian2 Cython cache of this worker.
    standalone_dir : Path
        Parent folder of this worker's cpp_standalone projects.
    compilations : int
        How many standalone projects this worker compiled.
    """

    def __init__(self, name: str, root):
        self.name = str(name)
        base = Path(root) / f"{_safe(socket.gethostname())}-{_safe(name)}"
        self.cache_dir = base / "cython"
        # per process: two sweeps on one host may both have a worker of this name
        self.standalone_dir = base / f"standalone-{os.getpid()}"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._simulations: dict = {}
        self.compilations = 0

    def scope(self):
        """Context manager: Brian2's Cython cache is this worker's folder inside it."""
        return scoped_prefs({"codegen.runtime.cython.cache_dir": str(self.cache_dir)})

    def compiled(self, key: str, build):
        """The simulation compiled for *key*, built by ``build(directory)`` the first time."""
        if key not in self._simulations:
            directory = self.standalone_dir / key
            directory.mkdir(parents=True, exist_ok=True)
            self._simulations[key] = build(str(directory))
            self.compilations += 1
        return self._simulations[key]

    def close(self) -> None:
        """Close the compiled simulations and delete their project folders."""
        for sim in self._simulations.values():
            sim.close()
        self._simulations.clear()
        shutil.rmtree(self.standalone_dir, ignore_errors=True)


class SweepWorkerPlugin(WorkerPlugin):
    """Dask worker plugin: one :class:`WorkerContext` per worker, under *root*."""

    name = PLUGIN_NAME

    def __init__(self, root: str):
        self.root = str(root)
        self.context: WorkerContext | None = None

    def setup(self, worker):
        self.context = WorkerContext(f"worker-{worker.name}", self.root)

    def teardown(self, worker):
        if self.context is not None:
            self.context.close()


def _worker_context() -> WorkerContext:
    from distributed import get_worker
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None or plugin.context is None:
        raise RuntimeError(f"dask worker {worker.name!r} has no {PLUGIN_NAME!r} plugin; "
                           "submit sweep tasks through neurolab_snn.sweep.sweep")
    return plugin.context


def run_task(job: Job, point: dict, seed: int, context: WorkerContext | None = None) -> dict:
    """Run *job* at *point* with *seed* in *context* (default: this Dask worker's).

    Returns ``{'result': PointResult, 'wall_s', 'cpu_s' (this process's CPU time),
    'worker', 'host', 'pid', 'cache_dir'}``.
    Exceptions propagate (the driver records them, Dask retries them).
    """
    context = _worker_context() if context is None else context
    start, cpu = time.perf_counter(), time.process_time()
    with context.scope():
        result = job.function(dict(point), int(seed), context)
    if not isinstance(result, PointResult):
        raise TypeError(f"job {job.name!r} returned {type(result).__name__}; expected a "
                        "PointResult")
    return {"result": result, "wall_s": time.perf_counter() - start,
            "cpu_s": time.process_time() - cpu, "worker": context.name,
            "host": socket.gethostname(), "pid": os.getpid(),
            "cache_dir": str(context.cache_dir)}
