"""``sweep``: run a job over a grid of points and seeds on dask.distributed, resumably.

Each (point, seed) is one Dask task.  Everything about the input is checked
before anything is submitted: the grid (empty, repeated points), the seeds,
every point against the job's parameters (names, units, choices), and the
scheduler (an unreachable address raises).  Finished points are written to
the journal as they come back (:mod:`neurolab_snn.sweep.table`), so a sweep
killed at any moment loses only the points in flight; a rerun with the same
``out`` skips the points whose status is ``'ok'`` and runs the rest (failed
points included).  A point that raises, or whose worker dies, becomes a row
with status ``'failed'`` and the error message, after ``retries`` further
attempts; the sweep goes on.
"""
from __future__ import annotations

import contextlib
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path

from .grid import canonical_point, check_seeds, expand_grid, point_key
from .jobs import Job, check_point, get_job
from .table import build_table, read_journal, write_journal_entry, write_manifest, write_table
from .worker import PLUGIN_NAME, SweepWorkerPlugin, WorkerContext, run_task

__all__ = ["sweep", "SchedulerUnreachable", "plan", "default_cache_root", "connect"]


class SchedulerUnreachable(RuntimeError):
    """No Dask scheduler answers at the given address."""


def default_cache_root() -> Path:
    """Node-local parent of the workers' Brian2 folders: ``$TMPDIR/neurolab_sweep-<user>``."""
    user = os.environ.get("USER") or str(os.getuid())
    return Path(tempfile.gettempdir()) / f"neurolab_sweep-{user}"


def plan(job, grid, seeds) -> tuple[Job, list[tuple[int, dict, int, str]]]:
    """Check the input and list the tasks ``(point index, point, seed, key)``; submits nothing."""
    job = get_job(job)
    points = expand_grid(grid)
    seeds = check_seeds(seeds)
    for point in points:
        check_point(job, point)
    tasks = [(k, point, seed, point_key(job.name, point, seed))
             for k, point in enumerate(points) for seed in seeds]
    return job, tasks


@contextlib.contextmanager
def connect(client=None, workers: int | None = None, timeout: float | None = None):
    """Yield ``(client, description)``: the given client, one at an address, or a LocalCluster.

    ``client='serial'`` yields ``(None, 'serial')`` (points run one after the other
    in this process, no Dask).  A LocalCluster has *workers* single-threaded
    worker processes (default: the CPUs this process may use) and is shut down
    on exit; so is a client this function opened.  *timeout* (s) bounds the
    wait for a scheduler at an address (default: Dask's
    ``distributed.comm.timeouts.connect``).
    """
    if client == "serial":
        yield None, "serial"
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - only without the extra
        raise RuntimeError("sweeps on Dask need the 'dask' extra: pip install "
                           "'neurolab_snn[dask]' (or run with client='serial')") from err
    if client is not None and not isinstance(client, str):
        yield client, f"client {client.scheduler.address}"
        return
    if isinstance(client, str):
        if timeout is None:
            import dask
            from dask.utils import parse_timedelta
            timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
        try:
            opened = Client(client, timeout=timeout)
        except (OSError, TimeoutError) as err:
            raise SchedulerUnreachable(
                f"scheduler={client!r}: no Dask scheduler answered within {timeout:g} s "
                f"({type(err).__name__}); expected the address of a running scheduler, e.g. "
                "tcp://host:8786") from None
        try:
            yield opened, f"scheduler {client}"
        finally:
            opened.close()
        return
    n = workers if workers is not None else len(os.sched_getaffinity(0))
    if int(n) != n or n < 1:
        raise ValueError(f"workers={workers!r}: expected a positive number of worker processes")
    cluster = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    opened = Client(cluster)
    try:
        yield opened, f"LocalCluster({int(n)} workers)"
    finally:
        opened.close()
        cluster.close()


def _entry(job: Job, point: dict, seed: int, outcome=None, error: BaseException | None = None,
           attempts: int = 1) -> dict:
    entry = {"job": job.name, "seed": seed, "parameters": canonical_point(point),
             "attempts": attempts}
    if error is not None:
        message = str(error).strip().splitlines()
        entry.update(status="failed", error=f"{type(error).__name__}: "
                     f"{message[0] if message else ''}".strip())
        return entry
    result = outcome["result"]
    entry.update(status="ok", error=None, numbers=result.numbers, arrays=result.arrays,
                 units=result.units, spikes_sha256=result.spikes_sha256,
                 n_spikes=result.n_spikes, wall_s=outcome["wall_s"], cpu_s=outcome["cpu_s"],
                 worker=outcome["worker"],
                 host=outcome["host"])
    return entry


def _run_serial(job, todo, retries, context, record):
    for index, point, seed, key in todo:
        for attempt in range(retries + 1):
            try:
                outcome = run_task(job, point, seed, context)
            except Exception as err:  # noqa: BLE001 - recorded in the table, the sweep goes on
                if attempt == retries:
                    record(key, _entry(job, point, seed, error=err, attempts=attempt + 1))
            else:
                record(key, _entry(job, point, seed, outcome, attempts=attempt + 1))
                break


def _run_dask(client, job, todo, retries, cache_root, record):
    from distributed import as_completed

    client.register_plugin(SweepWorkerPlugin(str(cache_root)), name=PLUGIN_NAME)
    by_key = {}
    futures = []
    for index, point, seed, key in todo:
        future = client.submit(run_task, job, point, seed, key=f"neurolab-sweep-{key}",
                               retries=retries, pure=False)
        by_key[future.key] = (point, seed, key)
        futures.append(future)
    try:
        for future in as_completed(futures):
            point, seed, key = by_key[future.key]
            if future.status == "finished":
                record(key, _entry(job, point, seed, future.result()))
            else:
                record(key, _entry(job, point, seed, error=future.exception(),
                                   attempts=retries + 1))
            future.release()
    finally:
        for future in futures:
            future.cancel()


def _versions() -> dict:
    import brian2
    import numpy

    from .. import __name__ as package
    out = {"python": platform.python_version(), "brian2": brian2.__version__,
           "numpy": numpy.__version__}
    try:
        from importlib.metadata import version
        out["neurolab_snn"] = version(package)
    except Exception:  # noqa: BLE001 - not installed (source tree on sys.path)
        out["neurolab_snn"] = "source tree"
    for name in ("dask", "distributed", "pandas", "pyarrow"):
        module = sys.modules.get(name)
        if module is None:
            with contextlib.suppress(ImportError):
                module = __import__(name)
        if module is not None:
            out[name] = getattr(module, "__version__", "?")
    return out


def sweep(job, grid, *, out, seeds=(0,), client=None, workers: int | None = None,
          retries: int = 0, progress: bool = True, cache_dir=None):
    """Run *job* at every point of *grid* and every seed; return the tidy table.

    Parameters
    ----------
    job : str or Job
        A job name (``'fi-curve'`` or any protocol, ``'train-digits'``,
        ``'fit-gif'``; see :func:`neurolab_snn.sweep.jobs.get_job`) or a :class:`Job`.
    grid : mapping or list of dict
        Parameter names to values (Brian2 quantities with units, numbers, bools,
        strings; arrays or lists give an axis, the points are the product) or an
        explicit list of points.  Checked against the job's parameters.
    out : path
        Output folder: ``table.parquet``, ``manifest.json`` and the journal
        ``points/``.  A rerun with the same folder skips finished points.
    seeds : int or sequence of int
        Every point runs once per seed (the seed is part of its key).
    client : None, 'serial', str or distributed.Client
        None: a LocalCluster with *workers* processes (shut down at the end);
        an address: that scheduler (e.g. one started by dask-jobqueue); a
        Client: used as it is; ``'serial'``: this process, no Dask.
    workers : int, optional
        Worker processes of the LocalCluster (default: the usable CPUs).
    retries : int
        Further attempts of a point that raises or whose worker dies.
    progress : bool
        tqdm bar over finished points; the Dask dashboard link is printed.
    cache_dir : path, optional
        Parent of each worker's Brian2 folders (default: :func:`default_cache_root`).

    Returns
    -------
    pandas.DataFrame
        One row per (point, seed) in grid order (see :mod:`neurolab_snn.sweep.table`).

    Raises
    ------
    ValueError, TypeError
        Empty grid, repeated point, bad seeds, unknown parameter, wrong unit,
        bad *retries*; before any task is submitted.
    SchedulerUnreachable
        *client* is an address where no scheduler answers.
    """
    from tqdm.auto import tqdm

    if isinstance(retries, bool) or int(retries) != retries or retries < 0:
        raise ValueError(f"retries={retries!r}: expected a non-negative integer")
    job, tasks = plan(job, grid, seeds)
    out = Path(out)
    cache_root = Path(cache_dir) if cache_dir is not None else default_cache_root()
    journal = read_journal(out)
    todo = [t for t in tasks if journal.get(t[3], {}).get("status") != "ok"]
    start = time.perf_counter()
    with connect(client, workers) as (dask_client, description):
        out.mkdir(parents=True, exist_ok=True)
        link = getattr(dask_client, "dashboard_link", None) if dask_client else None
        if progress:
            print(f"sweep {job.name}: {len(tasks)} points ({len(tasks) - len(todo)} already "
                  f"finished) on {description}" + (f"; dashboard: {link}" if link else ""),
                  file=sys.stderr)
        bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc=f"sweep {job.name}",
                   unit="point", disable=not progress)

        def record(key, entry):
            write_journal_entry(out, key, entry)
            journal[key] = entry
            bar.update(1)

        try:
            if dask_client is None:
                context = WorkerContext("local", cache_root)
                try:
                    _run_serial(job, todo, int(retries), context, record)
                finally:
                    context.close()
            else:
                _run_dask(dask_client, job, todo, int(retries), cache_root, record)
        finally:
            bar.close()
    table = build_table(tasks, journal)
    write_table(table, out / "table.parquet")
    statuses = table["status"].value_counts().to_dict()
    write_manifest(out / "manifest.json", {
        "job": job.name, "n_points": len(tasks), "n_ok": int(statuses.get("ok", 0)),
        "n_failed": int(statuses.get("failed", 0)), "run_now": len(todo),
        "seeds": sorted({t[2] for t in tasks}), "retries": int(retries),
        "scheduler": description, "host": socket.gethostname(),
        "wall_s": time.perf_counter() - start, "versions": _versions(),
        "table": "table.parquet", "units": table.attrs["units"],
        "points": [{"key": key, "point": index, "seed": seed,
                    "parameters": canonical_point(point)} for index, point, seed, key in tasks]})
    return table
