"""Parameter sweeps, batch GIF fits and seeds at scale on dask.distributed (layer L5).

:func:`sweep` runs a job (a protocol, the digits training recipe, a GIF fit)
at every point of a grid of parameters with units and every seed, each point
one Dask task (a LocalCluster by default, or any scheduler address), and
returns one tidy table, written as Parquet with a JSON manifest.  Reruns with
the same output folder skip finished points.  :func:`fit_gif_batch` fits
every cell of a CSV file.  See ``docs/sweeps.md``.
"""
from .batch_fit import fit_gif_batch, read_cells
from .driver import SchedulerUnreachable, plan, sweep
from .grid import expand_grid, parse_grid_option, parse_seeds, point_key
from .jobs import Job, PointResult, get_job, jobs
from .table import column_quantity, comparable, read_table

__all__ = ["sweep", "fit_gif_batch", "read_cells", "SchedulerUnreachable", "plan",
           "expand_grid", "parse_grid_option", "parse_seeds", "point_key", "Job",
           "PointResult", "get_job", "jobs", "read_table", "column_quantity", "comparable"]
