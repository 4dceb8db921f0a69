"""Sweep grids: parsing, expansion into points, seeds and point keys.

A *grid* is either a mapping of parameter names to values (each a Brian2
quantity array, a list, or a single value; the points are their Cartesian
product, the first name varying slowest) or an explicit list of dicts (one
point each).  A *point* is a dict of one value per name: a scalar Brian2
quantity, a string, a bool, an int or a float.

A point's *key* is a hash of the job name, its parameters with their units
(SI magnitude and unit string) and the seed: the identity by which a sweep
skips points that a previous run already finished.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..units import Quantity, is_quantity, parse_quantity, to_si, unit_string

__all__ = ["parse_grid_option", "parse_value", "parse_seeds", "expand_grid", "check_seeds",
           "point_key", "canonical_value", "canonical_point"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def parse_value(name: str, text: str):
    """One grid value from text: ``'true'``/``'false'``, an int, a float, a quantity or a string."""
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        return float(text)
    if re.match(r"\s*[-+]?(\d|\.\d)", text):
        return parse_quantity(name, text)
    return text


def parse_grid_option(text: str) -> tuple[str, list]:
    """Parse one ``--grid`` option: ``'NAME=START:STOP:N'`` or ``'NAME=V1,V2,...'``.

    ``START:STOP:N`` gives *N* evenly spaced values from START to STOP inclusive
    (both with the same unit, e.g. ``'tau_m=10ms:30ms:5'``); a comma list gives
    its values (quantities, numbers, ``true``/``false`` or names such as
    ``'model=LIF,GIF'``).

    Raises
    ------
    ValueError
        No ``=``, a bad name, a bad range, or values that do not parse.
    """
    name, sep, rest = str(text).partition("=")
    name = name.strip()
    if not sep or not _NAME.fullmatch(name) or not rest.strip():
        raise ValueError(f"--grid {text!r}: expected NAME=START:STOP:N or NAME=V1,V2,... "
                         "(e.g. 'tau_m=10ms:30ms:5' or 'model=LIF,GIF')")
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) != 3 or not re.fullmatch(r"\s*\d+\s*", parts[2]) or int(parts[2]) < 1:
            raise ValueError(f"--grid {text!r}: a range is START:STOP:N with N a positive "
                             "integer, e.g. 'tau_m=10ms:30ms:5'")
        start, stop = parse_value(name, parts[0]), parse_value(name, parts[1])
        if isinstance(start, str) or isinstance(stop, str) or isinstance(start, bool):
            raise ValueError(f"--grid {text!r}: START and STOP must be numbers or quantities")
        if is_quantity(start) != is_quantity(stop) or (
                is_quantity(start) and not start.has_same_dimensions(stop)):
            raise ValueError(f"--grid {text!r}: START ({start!r}) and STOP ({stop!r}) must have "
                             "the same unit")
        n = int(parts[2])
        values = np.linspace(to_si(start), to_si(stop), n)
        if is_quantity(start):
            return name, [Quantity(v, dim=start.dim) for v in values]
        if isinstance(start, int) and isinstance(stop, int):
            return name, [int(round(v)) for v in values] if np.allclose(values, np.round(values)) \
                else [float(v) for v in values]
        return name, [float(v) for v in values]
    values = [parse_value(name, part) for part in rest.split(",") if part.strip()]
    if not values:
        raise ValueError(f"--grid {text!r}: no values after '='")
    return name, values


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``'0-4'`` (inclusive), ``'0,3,7'`` or ``'5'``."""
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if hi < lo:
                raise ValueError(f"--seeds {text!r}: range {part!r} runs backwards; expected "
                                 "LOW-HIGH with LOW <= HIGH")
            seeds.extend(range(lo, hi + 1))
        elif re.fullmatch(r"\d+", part):
            seeds.append(int(part))
        else:
            raise ValueError(f"--seeds {text!r}: expected non-negative integers such as "
                             "'0-4', '0,3,7' or '5'")
    return check_seeds(seeds)


def check_seeds(seeds) -> list[int]:
    """The seeds as a list of distinct ints; an empty or non-integer list raises."""
    if isinstance(seeds, (int, np.integer)):
        seeds = [seeds]
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds=[]: expected at least one integer seed")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"seeds: {s!r} is not an integer; expected integer seeds")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds={seeds!r}: a seed appears twice; expected distinct seeds")
    return [int(s) for s in seeds]


def _axis(name: str, value) -> list:
    if is_quantity(value):
        arr = np.asarray(value)
        if arr.ndim == 0:
            return [value]
        if arr.ndim != 1:
            raise ValueError(f"grid[{name!r}] has shape {arr.shape}; expected a scalar or a "
                             "1-D array of values")
        return [value[k] for k in range(arr.shape[0])]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    return [value]


def _check_scalar(name: str, value) -> None:
    if is_quantity(value):
        if np.ndim(value) != 0:
            raise ValueError(f"parameter {name!r}: {value!r} is not a scalar quantity")
        return
    if not isinstance(value, (str, bool, int, float, np.integer, np.floating)):
        raise TypeError(f"parameter {name!r}: value {value!r} of type {type(value).__name__}; "
                        "expected a Brian2 quantity, a number, a bool or a string")


def expand_grid(grid) -> list[dict]:
    """The points of *grid* (a mapping of axes or a list of dicts), in order.

    Raises
    ------
    ValueError
        An empty grid, an axis without values, a bad name, or a point given twice.
    TypeError
        A grid that is neither, or a value that is not a quantity/number/bool/string.
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("grid={}: empty; expected at least one parameter with values")
        axes = {}
        for name, value in grid.items():
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise ValueError(f"grid: parameter name {name!r} is not an identifier")
            axes[name] = _axis(name, value)
            if not axes[name]:
                raise ValueError(f"grid[{name!r}] has no values; expected at least one")
        points = [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]
    elif isinstance(grid, Sequence) and not isinstance(grid, str):
        if not grid:
            raise ValueError("grid=[]: empty; expected at least one point")
        points = []
        for k, point in enumerate(grid):
            if not isinstance(point, Mapping):
                raise TypeError(f"grid[{k}]={point!r}: expected a dict of parameter values")
            points.append(dict(point))
    else:
        raise TypeError(f"grid={grid!r}: expected a mapping of parameter names to values or "
                        "a list of dicts")
    seen = {}
    for k, point in enumerate(points):
        for name, value in point.items():
            _check_scalar(name, value)
        canon = json.dumps(canonical_point(point), sort_keys=True)
        if canon in seen:
            raise ValueError(f"grid: point {k} {point!r} repeats point {seen[canon]}; expected "
                             "distinct points")
        seen[canon] = k
    return points


def canonical_value(value):
    """JSON-ready identity of a value: ``[SI magnitude, unit string]`` for a quantity."""
    if is_quantity(value):
        return [float(to_si(value)), unit_string(value)]
    if isinstance(value, np.generic):
        return value.item()
    return value


def canonical_point(point: Mapping) -> dict:
    """The point with every value replaced by :func:`canonical_value`."""
    return {name: canonical_value(value) for name, value in point.items()}


def point_key(job: str, point: Mapping, seed: int) -> str:
    """A 16-hex-digit hash of job name, parameters (with units) and seed."""
    text = json.dumps({"job": job, "parameters": canonical_point(point), "seed": int(seed)},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
