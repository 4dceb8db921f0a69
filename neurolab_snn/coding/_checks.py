"""Input checks shared by the encoders and decoders (private helpers).

Every check raises with a message that names the parameter, the offending
value and what was expected, e.g.::

    parameter 'data': got 1.5 at index (0, 3), outside data_range=(0.0, 1.0); ...
"""
from __future__ import annotations

import numbers

import numpy as np

from neurolab_snn.units import check_quantity, dimension_name, is_quantity, second, to_si

__all__ = [
    "as_rng", "check_int", "check_float", "check_bool", "check_range", "normalise",
    "time_si", "quantity_array", "spike_array", "first_bad",
]


def as_rng(rng) -> np.random.Generator:
    """A numpy Generator from *rng* (a Generator or an int seed); no global state."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"parameter 'rng': got {rng!r}; expected a numpy Generator "
                    f"(np.random.default_rng(seed)) or an int seed")


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """An int in [minimum, maximum] (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"parameter {name!r}: got {value!r}; expected an integer")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"parameter {name!r}: got {value}; expected an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"parameter {name!r}: got {value}; expected an integer <= {maximum}")
    return value


def check_bool(name: str, value) -> bool:
    """A plain bool (no truthy strings or arrays)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"parameter {name!r}: got {value!r}; expected True or False")
    return bool(value)


def check_float(name: str, value, *, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False, why: str = "") -> float:
    """A finite dimensionless float, optionally inside an (open or closed) interval."""
    if is_quantity(value):
        check_quantity(name, value, 1, finite=False)  # dimensionless quantities only
        if np.ndim(value) != 0:
            raise TypeError(f"parameter {name!r}: got {value!r}; expected a scalar number")
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"parameter {name!r}: got {value!r}; expected a number")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"parameter {name!r}: got {value}; expected a finite number")
    bad_lo = lo is not None and (value <= lo if lo_open else value < lo)
    bad_hi = hi is not None and (value >= hi if hi_open else value > hi)
    if bad_lo or bad_hi:
        left = "" if lo is None else f"{lo} {'<' if lo_open else '<='} "
        right = "" if hi is None else f" {'<' if hi_open else '<='} {hi}"
        raise ValueError(f"parameter {name!r}: got {value}; expected {left}{name}{right}{why}")
    return value


def check_range(data_range) -> tuple[float, float]:
    """A declared intensity range ``(lo, hi)`` with finite lo < hi."""
    try:
        lo, hi = (float(v) for v in data_range)
    except (TypeError, ValueError):
        raise TypeError(f"parameter 'data_range': got {data_range!r}; expected a pair (lo, hi) "
                        f"of numbers") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"parameter 'data_range': got {data_range!r}; expected finite lo < hi")
    return lo, hi


def first_bad(mask: np.ndarray) -> tuple:
    """Index tuple of the first True entry of *mask*."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _plain_array(name: str, data) -> np.ndarray:
    if is_quantity(data):
        check_quantity(name, data, 1, finite=False)  # refuses dimensioned quantities
    try:
        arr = np.array(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"parameter {name!r}: got {type(data).__name__}; expected an array of "
                        f"numbers") from None
    return arr


def normalise(name: str, data, data_range, *, min_ndim: int = 1) -> np.ndarray:
    """Check intensities against their declared range and map them to [0, 1].

    Returns ``(data - lo) / (hi - lo)`` as float64.  NaN/inf and values outside
    ``data_range`` raise ``ValueError`` naming the first offending entry.
    """
    lo, hi = check_range(data_range)
    arr = _plain_array(name, data)
    if arr.ndim < min_ndim:
        raise ValueError(f"parameter {name!r}: got an array of shape {arr.shape}; expected at "
                         f"least {min_ndim} dimension(s) (last axis = neurons)")
    if arr.size and not np.all(np.isfinite(arr)):
        idx = first_bad(~np.isfinite(arr))
        raise ValueError(f"parameter {name!r}: got {arr[idx]} at index {idx}; expected finite "
                         f"intensities (no NaN/inf) in data_range=({lo}, {hi})")
    outside = (arr < lo) | (arr > hi)
    if outside.any():
        idx = first_bad(outside)
        raise ValueError(f"parameter {name!r}: got {arr[idx]} at index {idx}, outside "
                         f"data_range=({lo}, {hi}); expected intensities in that range "
                         f"(rescale the data or declare its range with data_range=(lo, hi))")
    return (arr - lo) / (hi - lo)


def time_si(name: str, value, *, positive: bool = False, nonnegative: bool = False) -> float:
    """A scalar time quantity as float seconds (plain numbers are refused)."""
    q = check_quantity(name, value, second, positive=positive, nonnegative=nonnegative)
    if np.ndim(q) != 0:
        raise ValueError(f"parameter {name!r}: got an array of shape {np.shape(q)}; expected a "
                         f"scalar time")
    return float(to_si(q))


def quantity_array(name: str, value, unit, *, nonnegative: bool = False,
                   allow_inf: bool = False) -> np.ndarray:
    """An array quantity with the dimensions of *unit*, as float64 SI."""
    q = check_quantity(name, value, unit, finite=False)
    arr = np.array(to_si(q), dtype=np.float64, ndmin=0)
    bad = np.isnan(arr) if allow_inf else ~np.isfinite(arr)
    if bad.any():
        idx = first_bad(np.atleast_1d(bad))
        raise ValueError(f"parameter {name!r}: got {np.atleast_1d(arr)[idx]} at index {idx}; "
                         f"expected finite values (no NaN{'' if allow_inf else '/inf'})")
    if nonnegative and (arr < 0).any():
        idx = first_bad(np.atleast_1d(arr < 0))
        raise ValueError(f"parameter {name!r}: got {float(np.atleast_1d(arr)[idx])} "
                         f"{dimension_name(unit)} at index {idx}; expected values >= 0")
    return arr


def spike_array(name: str, spikes, *, min_ndim: int = 2, signed: bool = False) -> np.ndarray:
    """A spike array ``(..., time, neuron)`` of finite numbers as float64.

    Entries are spike counts per step (0/1 from the encoders); with *signed*,
    off spikes (negative entries) from :func:`delta` are allowed.
    """
    arr = _plain_array(name, spikes)
    if arr.ndim < min_ndim:
        raise ValueError(f"parameter {name!r}: got an array of shape {arr.shape}; expected at "
                         f"least {min_ndim} dimensions (..., time, neuron)")
    if any(arr.shape[axis] == 0 for axis in range(-min_ndim, 0)):
        what = ("at least one time step and one neuron (..., time, neuron)" if min_ndim >= 2
                else "at least one entry")
        raise ValueError(f"parameter {name!r}: got an empty array of shape {arr.shape}; "
                         f"expected {what}")
    if arr.size and not np.all(np.isfinite(arr)):
        idx = first_bad(~np.isfinite(arr))
        raise ValueError(f"parameter {name!r}: got {arr[idx]} at index {idx}; expected finite "
                         f"spike counts")
    if not signed and (arr < 0).any():
        idx = first_bad(arr < 0)
        raise ValueError(f"parameter {name!r}: got {arr[idx]} at index {idx}; expected spike "
                         f"counts >= 0 (split delta on/off spikes with spikes > 0, spikes < 0)")
    return arr
