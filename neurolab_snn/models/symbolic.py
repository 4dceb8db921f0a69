"""Symbolic form of a model's equations (layer L1), derived from the Brian2 strings.

:func:`rhs_function` turns the differential equations of a
:class:`~neurolab_snn.models.base.NeuronModel` into a numpy right-hand side
``f(t, y)`` in SI units (subexpressions substituted, parameters and unit names
replaced by their SI values) - e.g. for a ``scipy.integrate.solve_ivp``
reference solution.  Nothing is written twice: the expressions come from
Brian2's own parser (``str_to_sympy``).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy
from brian2 import Equations
from brian2.equations.equations import DIFFERENTIAL_EQUATION, SUBEXPRESSION
from brian2.parsing.sympytools import str_to_sympy

from ..units import to_si
from .base import NeuronModel


def _exprel(x):
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x / 2, np.expm1(safe) / safe)


def _unit_values(symbols) -> dict:
    import brian2.units as bu
    import brian2.units.allunits as au
    values = {}
    for sym in symbols:
        for module in (bu, au):
            unit = getattr(module, sym.name, None)
            if unit is not None and hasattr(unit, "dim"):
                values[sym] = float(np.asarray(unit))
                break
    return values


def state_expressions(model: NeuronModel, constants: Mapping[str, object] | None = None):
    """Sympy right-hand sides of the model's differential equations, in SI.

    Returns ``(state_names, rhs_expressions, free_symbols)``: subexpressions are
    substituted recursively; parameters and units become numbers; variables
    given in *constants* (e.g. ``{'I_ext': 1e-9}``) too.  Remaining free
    symbols (other per-neuron variables) are returned.
    """
    eqs = Equations(model.equations)
    subs_exprs = {}
    for eq in eqs.ordered:
        if eq.type == SUBEXPRESSION:
            subs_exprs[sympy.Symbol(eq.varname, real=True)] = str_to_sympy(eq.expr.code)
    names, rhs = [], []
    numeric = {sympy.Symbol(k, real=True): float(to_si(v)) for k, v in model.parameters.items()}
    numeric.update({sympy.Symbol(k, real=True): float(v) for k, v in (constants or {}).items()})
    for eq in eqs.ordered:
        if eq.type != DIFFERENTIAL_EQUATION:
            continue
        expr = str_to_sympy(eq.expr.code)
        for _ in range(len(subs_exprs) + 1):
            new = expr.subs(subs_exprs)
            if new == expr:
                break
            expr = new
        expr = expr.subs(numeric)
        expr = expr.subs(_unit_values(expr.free_symbols))
        names.append(eq.varname)
        rhs.append(expr)
    states = {sympy.Symbol(n, real=True) for n in names}
    free = set().union(*(e.free_symbols for e in rhs)) - states - {sympy.Symbol("t", real=True)}
    return names, rhs, free


def rhs_function(model: NeuronModel, constants: Mapping[str, object] | None = None):
    """A numpy ``f(t, y)`` for ``scipy.integrate.solve_ivp``, from the model's equations.

    ``y`` holds the state variables in the order of the returned name list.
    Raises a ``ValueError`` if a variable other than the states is left unset.
    """
    names, rhs, free = state_expressions(model, constants)
    if free:
        raise ValueError(f"model {model.name!r}: variables {sorted(map(str, free))} need values; "
                         "pass them in constants={...} (SI floats)")
    symbols = [sympy.Symbol(n, real=True) for n in names]
    fn = sympy.lambdify([sympy.Symbol("t", real=True), symbols], rhs,
                        modules=[{"exprel": _exprel}, "numpy"])

    def f(t, y):
        return np.asarray(fn(t, y), dtype=float)

    return names, f
