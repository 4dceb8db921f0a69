"""Batch GIF fits: one sweep point per cell of a CSV file (Pozzorini et al. 2015).

``CELLS.csv`` has one row per cell and the columns

========================  =====================================================
``cell``                  name of the cell (unique)
``calibration_v/_i``      voltage and current files of the AEC calibration sweep
                          (both empty: the voltages are already compensated)
``train_v`` / ``train_i`` training sweeps: files separated by ``;``, paired by position
``test_v`` / ``test_i``   test repetitions of one frozen current (>= 2), likewise
``train_start/_stop``     optional training window, e.g. ``0s`` and ``12s``
``test_start/_stop``      optional test window
========================  =====================================================

Relative paths are taken from the CSV's folder; files are read through neo
(:func:`neurolab_snn.fitting.read_sweep`).  Every file must exist and every
window parse before a fit is submitted.  The table has one row per cell:
the fitted parameters (SI, units in the metadata), kernel amplitudes, Md*,
variance explained and rates.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from ..units import is_quantity, parse_quantity, second, to_si, unit_string
from .jobs import Job, PointResult

__all__ = ["read_cells", "fit_gif_job", "fit_gif_batch", "CELL_COLUMNS"]

CELL_COLUMNS = ("cell", "calibration_v", "calibration_i", "train_v", "train_i", "test_v",
                "test_i", "train_start", "train_stop", "test_start", "test_stop")
_REQUIRED = ("cell", "train_v", "train_i", "test_v", "test_i")
_WINDOWS = ("train_start", "train_stop", "test_start", "test_stop")


def _files(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def read_cells(path) -> list[dict]:
    """The cells of *path* as sweep points (absolute file lists, windows as quantities).

    Raises
    ------
    FileNotFoundError
        The CSV or a recording file it names does not exist.
    ValueError
        A missing column, an unknown column, a repeated cell, unpaired files,
        a half-given calibration or window, a window that does not parse.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cells file {str(path)!r} does not exist")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise ValueError(f"cells file {str(path)!r}: missing column(s) {missing}; expected "
                         f"columns {list(CELL_COLUMNS)}")
    unknown = [c for c in columns if c not in CELL_COLUMNS]
    if unknown:
        raise ValueError(f"cells file {str(path)!r}: unknown column(s) {unknown}; expected "
                         f"columns {list(CELL_COLUMNS)}")
    if not rows:
        raise ValueError(f"cells file {str(path)!r} has no cells; expected one row per cell")
    points, names = [], set()
    for n, row in enumerate(rows, start=2):
        where = f"cells file {str(path)!r} line {n}"
        cell = row.get("cell", "")
        if not cell or cell in names:
            raise ValueError(f"{where}: cell name {cell!r} is empty or repeated; expected a "
                             "unique name per row")
        names.add(cell)
        point = {"cell": cell}
        for role in ("calibration", "train", "test"):
            v, i = _files(row.get(f"{role}_v", "")), _files(row.get(f"{role}_i", ""))
            if len(v) != len(i):
                raise ValueError(f"{where}: {role}_v lists {len(v)} file(s) but {role}_i "
                                 f"{len(i)}; expected one current file per voltage file")
            if role == "calibration" and len(v) > 1:
                raise ValueError(f"{where}: calibration lists {len(v)} sweeps; expected one")
            if role != "calibration" and not v:
                raise ValueError(f"{where}: no {role} files; expected at least one")
            for name in v + i:
                file = (path.parent / name).resolve() if not Path(name).is_absolute() \
                    else Path(name)
                if not file.is_file():
                    raise FileNotFoundError(f"{where} (cell {cell!r}): recording file "
                                            f"{str(file)!r} does not exist")
            resolve = (lambda f: str((path.parent / f).resolve())
                       if not Path(f).is_absolute() else f)
            point[f"{role}_v"] = ";".join(resolve(f) for f in v)
            point[f"{role}_i"] = ";".join(resolve(f) for f in i)
        for start, stop in (("train_start", "train_stop"), ("test_start", "test_stop")):
            given = [bool(row.get(start)), bool(row.get(stop))]
            if any(given) and not all(given):
                raise ValueError(f"{where}: {start} and {stop} go together; give both or "
                                 "neither")
            if all(given):
                for key in (start, stop):
                    value = parse_quantity(key, row[key])
                    if not value.has_same_dimensions(second):
                        raise ValueError(f"{where}: {key}={row[key]!r}; expected a time "
                                         "such as '12s'")
                    point[key] = value
        points.append(point)
    return points


def _parameters(point: Mapping) -> dict:
    out = {name: str for name in CELL_COLUMNS if name not in _WINDOWS}
    out.update({name: second for name in _WINDOWS})
    out.update(backend=str, evaluate=bool)
    return out


def _fit(point: Mapping, seed: int, context) -> PointResult:
    from ..fitting import fit_gif, read_sweep

    def sweeps(role):
        return [read_sweep(v, i) for v, i in zip(_files(point.get(f"{role}_v", "")),
                                                 _files(point.get(f"{role}_i", "")))]

    calibration = sweeps("calibration")
    window = {}
    for role in ("train", "test"):
        if f"{role}_start" in point:
            window[f"{role}_window"] = (point[f"{role}_start"], point[f"{role}_stop"])
    result = fit_gif(calibration[0] if calibration else None, sweeps("train"), sweeps("test"),
                     seed=seed, backend=point.get("backend", "runtime"),
                     evaluate=point.get("evaluate", True), **window)
    numbers, units = {}, {}
    for key, value in result.parameters.items():
        numbers[key] = float(to_si(value)) if is_quantity(value) else float(value)
        units[key] = unit_string(value) if is_quantity(value) else "1"
    for k, (tau, a) in enumerate(zip(result.eta_taus, result.eta_amplitudes)):
        numbers[f"eta_tau_{k}"], numbers[f"eta_amplitude_{k}"] = float(to_si(tau)), float(to_si(a))
        units[f"eta_tau_{k}"], units[f"eta_amplitude_{k}"] = "s", "A"
    for k, (tau, a) in enumerate(zip(result.gamma_taus, result.gamma_amplitudes)):
        numbers[f"gamma_tau_{k}"] = float(to_si(tau))
        numbers[f"gamma_amplitude_{k}"] = float(to_si(a))
        units[f"gamma_tau_{k}"], units[f"gamma_amplitude_{k}"] = "s", "V"
    summary = result.summary()
    numbers.update(md_star=result.md_star, variance_explained_v=result.variance_explained_v,
                   variance_explained_dvdt=result.variance_explained_dvdt,
                   bits_per_spike=summary["bits_per_spike"],
                   n_train_spikes=int(sum(result.train_spike_counts)),
                   n_test_spikes=int(sum(result.test_spike_counts)))
    if result.prediction is not None:
        numbers.update(rate_data_Hz=result.prediction.rate_data,
                       rate_model_Hz=result.prediction.rate_model)
    return PointResult(numbers, {}, units)


def fit_gif_job() -> Job:
    """The ``'fit-gif'`` job: one GIF fit per point (a cell from :func:`read_cells`)."""
    return Job("fit-gif", _fit, _parameters,
               "GIF fit of one cell (Pozzorini et al. 2015): parameters, kernels, Md*")


def fit_gif_batch(cells, *, out, seed: int = 0, backend: str = "runtime", client=None,
                  workers: int | None = None, retries: int = 0, progress: bool = True,
                  cache_dir=None):
    """Fit a GIF to every cell of *cells* (a CSV path or a list of points); one table.

    Every cell is one task of :func:`neurolab_snn.sweep.sweep` (same *client*,
    *workers*, *retries*, resume and outputs); *seed* seeds each fit's model
    simulations, *backend* their Brian2 backend.
    """
    from .driver import sweep

    points = read_cells(cells) if isinstance(cells, (str, Path)) else [dict(c) for c in cells]
    points = [{**p, "backend": backend} for p in points]
    return sweep("fit-gif", points, out=out, seeds=(seed,), client=client, workers=workers,
                 retries=retries, progress=progress, cache_dir=cache_dir)
