"""The sweep's outputs: the per-point journal, the tidy table (Parquet) and the manifest.

Journal
    ``OUT/points/<key>.json``, one file per finished point (``status`` ``'ok'``
    or ``'failed'`` with its ``error``), each written atomically as soon as the
    point comes back.  It is what makes a sweep resumable: a rerun reads it and
    skips every key whose status is ``'ok'``.  Floats are written with Python's
    shortest round-trip repr, so a value read back is bit-identical (NaN is
    written as the JSON extension ``NaN``).
Table
    ``OUT/table.parquet``: one row per (point, seed), in grid order; parameter
    values as SI floats (strings, ints, bools as they are), the job's numbers,
    its 1-D arrays as list columns, the spike digest, and bookkeeping columns.
    Each column's unit is in the Parquet field metadata (``unit``: SI unit
    string, ``dimensions``: the 7 SI base exponents); :func:`read_table` puts
    them in ``DataFrame.attrs['units']`` and :func:`column_quantity` returns a
    column as a Brian2 quantity.
Manifest
    ``OUT/manifest.json``: job, grid, seeds, every point's key, seed and
    parameters, counts of finished and failed points, package / Brian2 / Dask
    versions, host, scheduler, wall time.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ..files import atomic_path, json_default, write_json
from ..units import dimension_exponents, from_exponents, is_quantity, to_si, unit_string

__all__ = ["BOOKKEEPING", "write_journal_entry", "read_journal", "build_table", "write_table",
           "read_table", "column_quantity", "write_manifest", "comparable"]

#: Columns that describe how a point ran, not what it computed (they differ between runs).
BOOKKEEPING = ("wall_s", "cpu_s", "worker", "host")

_SUFFIX_UNIT = re.compile(r"_(nA|pA|A|mV|V|ms|s|Hz|kHz|pF|nF|nS|uS|MOhm|Mohm|ohm|pC)$")


def write_journal_entry(out, key: str, entry: dict) -> Path:
    """Write one point's entry to ``out/points/<key>.json`` atomically."""
    path = Path(out) / "points" / f"{key}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(entry, default=json_default, allow_nan=True))
    return path


def read_journal(out) -> dict[str, dict]:
    """All journal entries under *out* by key (unreadable files are skipped and reported)."""
    folder = Path(out) / "points"
    entries = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            entries[path.stem] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a torn file cannot exist (atomic writes); anything else: rerun the point
    return entries



def _number_unit(name: str, units: dict) -> str:
    if name in units:
        return units[name]
    m = _SUFFIX_UNIT.search(name)
    return m.group(1) if m else "1"


def build_table(tasks, entries: dict):
    """The tidy table of *tasks* (``(index, point, seed, key)``) from journal *entries*.

    Returns a ``pandas.DataFrame`` with ``attrs['units']`` (column -> unit
    string) and ``attrs['dimensions']`` (column -> SI base exponents).
    """
    import pandas as pd

    rows, units, dims = [], {}, {}
    param_names, number_names, array_names = [], [], []
    for index, point, seed, key in tasks:
        entry = entries.get(key, {})
        row = {"point": index, "seed": seed, "key": key, "job": entry.get("job"),
               "status": entry.get("status", "missing"), "error": entry.get("error")}
        for name, value in point.items():
            if name not in param_names:
                param_names.append(name)
            if is_quantity(value):
                row[name] = float(to_si(value))
                units[name], dims[name] = unit_string(value), dimension_exponents(value)
            else:
                row[name] = value
        for name, value in (entry.get("numbers") or {}).items():
            name = name if name not in point else f"result.{name}"
            number_names.append(name) if name not in number_names else None
            row[name] = value
            units.setdefault(name, _number_unit(name, entry.get("units") or {}))
        for name, value in (entry.get("arrays") or {}).items():
            name = name if name not in point else f"result.{name}"
            array_names.append(name) if name not in array_names else None
            row[name] = [float(x) if x is not None else math.nan for x in value]
            units.setdefault(name, (entry.get("units") or {}).get(name, "1"))
        for name in ("spikes_sha256", "n_spikes", *BOOKKEEPING):
            row[name] = entry.get(name)
        rows.append(row)
    units.setdefault("wall_s", "s")
    units.setdefault("cpu_s", "s")
    columns = (["point", "seed", "key", "job", "status", "error"] + param_names + number_names
               + array_names + ["spikes_sha256", "n_spikes", *BOOKKEEPING])
    table = pd.DataFrame(rows, columns=columns)
    table.attrs["units"] = {k: v for k, v in units.items() if k in table.columns}
    table.attrs["dimensions"] = {k: v for k, v in dims.items() if k in table.columns}
    return table


def write_table(table, path) -> Path:
    """Write *table* as Parquet atomically, units in each field's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    units, dims = table.attrs.get("units", {}), table.attrs.get("dimensions", {})
    fields = []
    for f in arrow.schema:
        meta = {}
        if f.name in units:
            meta["unit"] = units[f.name]
        if f.name in dims:
            meta["dimensions"] = json.dumps(dims[f.name])
        fields.append(f.with_metadata(meta) if meta else f)
    schema = pa.schema(fields, metadata={**(arrow.schema.metadata or {}),
                                         b"neurolab_units": json.dumps(units).encode()})
    arrow = pa.Table.from_arrays(arrow.columns, schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp)
    return Path(path)


def read_table(path):
    """Read a sweep table (a ``table.parquet`` file or the sweep's folder) as a DataFrame.

    ``attrs['units']`` maps columns to unit strings, ``attrs['dimensions']`` to
    SI base exponents (parameter columns).
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if path.is_dir():
        path = path / "table.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"sweep table {str(path)!r} does not exist")
    arrow = pq.read_table(path)
    table = arrow.to_pandas()
    units, dims = {}, {}
    for f in arrow.schema:
        meta = f.metadata or {}
        if b"unit" in meta:
            units[f.name] = meta[b"unit"].decode()
        if b"dimensions" in meta:
            dims[f.name] = json.loads(meta[b"dimensions"])
    table.attrs["units"], table.attrs["dimensions"] = units, dims
    return table


def column_quantity(table, name: str):
    """Column *name* of a sweep table as a Brian2 quantity (a parameter column with units)."""
    if name not in table.columns:
        raise KeyError(f"column {name!r} is not in the table; expected one of "
                       f"{list(table.columns)}")
    dims = table.attrs.get("dimensions", {})
    if name not in dims:
        raise KeyError(f"column {name!r} has no stored dimensions (not a quantity parameter); "
                       f"quantity columns: {sorted(dims)}")
    return from_exponents(table[name].to_numpy(dtype=float), dims[name])


def comparable(table):
    """*table* without the bookkeeping columns (wall and CPU time, worker, host)."""
    return table.drop(columns=[c for c in BOOKKEEPING if c in table.columns])


def write_manifest(path, manifest: dict) -> Path:
    """Write the manifest JSON atomically (NaN becomes null)."""
    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value
    return write_json(path, clean(manifest))
