"""Command lines of ``neurolab sweep`` and ``neurolab fit-gif-batch`` (wired by the CLI).

``neurolab sweep JOB --grid 'tau_m=10ms:30ms:5' --grid 'model=LIF,AdaptiveLIF' --seeds 0-4
[--scheduler ADDRESS | --serial] [--workers N] [--retries N] --out DIR``

``neurolab fit-gif-batch CELLS.csv --out DIR [--seed S] [--scheduler ADDRESS] [--workers N]``
"""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_sweep_arguments", "sweep_command", "add_fit_gif_batch_arguments",
           "fit_gif_batch_command"]


def _common(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="address of a running Dask scheduler (e.g. tcp://host:8786, one "
                            "started by dask-jobqueue); default: a LocalCluster")
    where.add_argument("--serial", action="store_true",
                       help="run the points one after the other in this process (no Dask)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of the LocalCluster (default: the usable CPUs)")
    parser.add_argument("--retries", type=int, default=0,
                        help="further attempts of a point that raises or whose worker dies")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="parent of the workers' Brian2 cache and standalone folders")
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder (table.parquet, manifest.json, points/); "
                             "a rerun with the same folder skips finished points")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_sweep_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of ``neurolab sweep``."""
    parser.add_argument("job", help="protocol (fi-curve, step-response, ff-inhibition, ...), "
                                    "train-digits or fit-gif")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=VALUES",
                        help="one axis: NAME=START:STOP:N (N values, both ends included, "
                             "e.g. tau_m=10ms:30ms:5) or NAME=V1,V2,... (e.g. model=LIF,HH; "
                             "a single value fixes a parameter, e.g. backend=numpy)")
    parser.add_argument("--seeds", default="0", help="seeds, e.g. 0-4 or 0,3,7 (default 0)")
    _common(parser)
    return parser


def _client(args):
    return "serial" if args.serial else args.scheduler


def sweep_command(args: argparse.Namespace) -> dict:
    """Run ``neurolab sweep``; prints where the table went and the status counts."""
    from .driver import sweep
    from .grid import parse_grid_option, parse_seeds

    if not args.grid:
        raise ValueError("--grid: none given; expected at least one NAME=VALUES axis")
    grid = {}
    for text in args.grid:
        name, values = parse_grid_option(text)
        if name in grid:
            raise ValueError(f"--grid {text!r}: parameter {name!r} is given twice")
        grid[name] = values
    table = sweep(args.job, grid, out=args.out, seeds=parse_seeds(args.seeds),
                  client=_client(args), workers=args.workers, retries=args.retries,
                  progress=not args.no_progress, cache_dir=args.cache_dir)
    return _report(table, args.out)


def _report(table, out) -> dict:
    counts = table["status"].value_counts().to_dict()
    print(f"wrote {Path(out) / 'table.parquet'} ({len(table)} rows: "
          f"{counts.get('ok', 0)} ok, {counts.get('failed', 0)} failed) and "
          f"{Path(out) / 'manifest.json'}")
    for _, row in table[table["status"] == "failed"].iterrows():
        print(f"failed: point {row['point']} seed {row['seed']}: {row['error']}")
    return {"rows": len(table), "ok": int(counts.get("ok", 0)),
            "failed": int(counts.get("failed", 0))}


def add_fit_gif_batch_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of ``neurolab fit-gif-batch``."""
    parser.add_argument("cells", type=Path,
                        help="CSV with one row per cell: cell, calibration_v, calibration_i, "
                             "train_v, train_i, test_v, test_i (files; several separated by "
                             "';'), optional train_start, train_stop, test_start, test_stop")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model simulations")
    parser.add_argument("--backend", default="runtime", choices=("runtime", "numpy"),
                        help="Brian2 backend of the Md* simulations")
    _common(parser)
    return parser


def fit_gif_batch_command(args: argparse.Namespace) -> dict:
    """Run ``neurolab fit-gif-batch``."""
    from .batch_fit import fit_gif_batch

    table = fit_gif_batch(args.cells, out=args.out, seed=args.seed, backend=args.backend,
                          client=_client(args), workers=args.workers, retries=args.retries,
                          progress=not args.no_progress, cache_dir=args.cache_dir)
    return _report(table, args.out)
