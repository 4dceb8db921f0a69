"""Units facade (layer L0): Brian2 quantities at the boundary, float64 SI inside.

Public functions of neurolab_snn take Brian2 quantities and check them with
:func:`check_quantity`; numeric kernels call :func:`to_si` and work on plain
float64 arrays.  Exported arrays carry unit strings made by :func:`unit_string`.
"""
from __future__ import annotations

import numpy as np
from brian2 import units as _u
from brian2.units.fundamentalunits import (
    DIMENSIONLESS,
    Quantity,
    Unit,
    get_dimensions,
    get_unit,
    have_same_dimensions,
)

# Re-export the units the package and its users need most, so that code above
# L0 never reaches into brian2.units directly.
second, ms, us = _u.second, _u.ms, _u.us
Hz, kHz = _u.Hz, _u.kHz
volt, mV = _u.volt, _u.mV
amp, nA, pA = _u.amp, _u.nA, _u.pA
ohm, Mohm = _u.ohm, _u.Mohm
siemens, mS, nS = _u.siemens, _u.msiemens, _u.nsiemens
farad, uF, pF = _u.farad, _u.ufarad, _u.pfarad
metre, cm, um = _u.metre, _u.cm, _u.um
cm2, um2 = _u.cm2, _u.um2

__all__ = [
    "Quantity", "Unit", "DIMENSIONLESS", "check_quantity", "to_si", "unit_string",
    "from_si", "dimension_name", "is_quantity",
    "second", "ms", "us", "Hz", "kHz", "volt", "mV", "amp", "nA", "pA", "ohm", "Mohm",
    "siemens", "mS", "nS", "farad", "uF", "pF", "metre", "cm", "um", "cm2", "um2",
]


def is_quantity(value) -> bool:
    """True if *value* carries Brian2 physical dimensions (a Quantity, not a bare number)."""
    return isinstance(value, Quantity)


def dimension_name(unit_or_dim) -> str:
    """Readable name of a dimension, e.g. ``'V'`` or ``'s'`` or ``'1'`` (dimensionless)."""
    dim = get_dimensions(unit_or_dim)
    return "1 (dimensionless)" if dim is DIMENSIONLESS else str(get_unit(dim))


def _describe(value) -> str:
    """A one-line description of *value* for messages: its repr, or for arrays of more than
    four entries their shape, unit and range (a long repr would span many lines)."""
    if np.ndim(value) == 0 or np.size(value) <= 4:
        return " ".join(repr(value).split())
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return f"a {type(value).__name__} of {np.size(value)} entries"
    finite = arr[np.isfinite(arr)]
    unit = f" {unit_string(value)}" if isinstance(value, Quantity) else ""
    span = f" ({finite.min():g} to {finite.max():g}{unit})" if finite.size else ""
    return f"an array of shape {arr.shape}{span}"


def _first_bad(arr: np.ndarray, bad: np.ndarray, unit: str) -> str:
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
    return f"{arr[idx]}{unit} at index {idx}"


def check_quantity(name: str, value, expected, *, positive: bool = False,
                   nonnegative: bool = False, finite: bool = True) -> Quantity:
    """Check that *value* has the dimensions of *expected* and return it as a Quantity.

    Parameters
    ----------
    name : str
        Parameter name, used in the error message.
    value : Quantity or number
        The value to check. Plain numbers are accepted only when *expected*
        is dimensionless.
    expected : Unit or Quantity
        A unit (e.g. ``mV``) whose dimensions *value* must have.
    positive, nonnegative, finite : bool
        Further checks on the magnitude.

    Raises
    ------
    TypeError
        Wrong dimensions, or a plain number where a unit is required.
    ValueError
        NaN/inf, or a sign violation.
    """
    exp_dim = get_dimensions(expected)
    if not isinstance(value, Quantity):
        if exp_dim is not DIMENSIONLESS:
            raise TypeError(
                f"parameter {name!r}: got {_describe(value)} without units; expected a "
                f"quantity with dimension {dimension_name(expected)} (e.g. 10*{get_unit(exp_dim)})")
        try:
            value = Quantity(np.asarray(value, dtype=float))
        except (TypeError, ValueError) as err:
            raise TypeError(f"parameter {name!r}: got {_describe(value)}; expected a number"
                            ) from err
    elif not have_same_dimensions(value, expected):
        raise TypeError(
            f"parameter {name!r}: got {_describe(value)} with dimension "
            f"{dimension_name(value)}; expected dimension {dimension_name(expected)}")
    arr = np.asarray(value)
    scalar = arr.ndim == 0
    unit = "" if get_dimensions(value) is DIMENSIONLESS else f" {unit_string(value)}"
    checks = ((finite, ~np.isfinite(arr), "finite values (no NaN/inf)"),
              (positive, ~(arr > 0), "a value > 0"),
              (nonnegative, ~(arr >= 0), "a value >= 0"))
    for wanted, bad, what in checks:
        if wanted and np.any(bad):
            got = repr(value) if scalar else _first_bad(arr, bad, unit)
            raise ValueError(f"parameter {name!r}: got {got}; expected {what}")
    return value


def to_si(value) -> np.ndarray | float:
    """The magnitude of a Quantity in SI base units as float64 (numbers pass through)."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def unit_string(value) -> str:
    """SI unit string of a quantity, e.g. ``'V'``, ``'A'``, ``'s'``, ``'1'``."""
    dim = get_dimensions(value)
    return "1" if dim is DIMENSIONLESS else str(get_unit(dim))


_UNITS_BY_NAME = {"1": 1, "s": second, "V": volt, "A": amp, "Hz": Hz, "S": siemens,
                  "F": farad, "ohm": ohm, "m": metre, "m^2": metre ** 2}


def from_si(values, unit: str):
    """Attach the SI unit named by *unit* (as written by :func:`unit_string`) to *values*."""
    try:
        return np.asarray(values, dtype=np.float64) * _UNITS_BY_NAME[unit]
    except KeyError:
        raise ValueError(f"unit string {unit!r}: expected one of {sorted(_UNITS_BY_NAME)}") from None


def parse_quantity(name: str, text: str) -> Quantity:
    """Parse ``'10ms'``, ``'0.5 nA'``, ``'100*Mohm'`` or ``'-70mV'`` into a Quantity.

    A bare number (``'3'``) gives a dimensionless Quantity. Units are Brian2's
    unit names (``ms``, ``mV``, ``nA``, ``pF``, ``nS``, ``Mohm``, ``Hz``, ...).
    Raises a ``ValueError`` naming *name* and *text* when it does not parse.
    """
    import re

    from brian2.units import allunits, stdunits

    match = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*"
                         r"([A-Za-z_][A-Za-z_0-9]*(?:\s*[*/]\s*[A-Za-z_][A-Za-z_0-9]*)*"
                         r"(?:\s*\*\*\s*-?\d+)?)?\s*", str(text))
    if match is None:
        raise ValueError(f"parameter {name!r}: {text!r} is not a number with a unit; expected "
                         "e.g. '10ms', '0.5nA' or '100*Mohm'")
    number, unit_text = float(match.group(1)), match.group(2)
    if not unit_text:
        return Quantity(number)
    table = {k: v for module in (allunits, stdunits) for k, v in vars(module).items()
             if isinstance(v, Unit)}
    table.setdefault("s", second)
    try:
        unit = eval(unit_text, {"__builtins__": {}}, table)  # names restricted to Brian2 units
    except Exception:  # noqa: BLE001 - NameError, SyntaxError: an unknown unit name
        raise ValueError(f"parameter {name!r}: unknown unit {unit_text!r} in {text!r}; "
                         "expected a Brian2 unit name such as ms, mV, nA, pF, nS, Mohm, Hz"
                         ) from None
    if not isinstance(unit, Quantity):
        raise ValueError(f"parameter {name!r}: {unit_text!r} in {text!r} is not a unit")
    return number * unit


def dimension_exponents(value) -> list[float]:
    """Exponents of the 7 SI base dimensions (m, kg, s, A, K, mol, cd) of *value*."""
    dim = get_dimensions(value)
    return [0.0] * 7 if dim is DIMENSIONLESS else [float(x) for x in dim._dims]


def from_exponents(values, exponents) -> Quantity:
    """SI *values* as a Quantity whose dimension has the base *exponents* (see above)."""
    from brian2.units.fundamentalunits import get_or_create_dimension
    return Quantity(np.asarray(values, dtype=np.float64),
                    dim=get_or_create_dimension([float(x) for x in exponents]))
