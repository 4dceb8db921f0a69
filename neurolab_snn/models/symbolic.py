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


def exprel(x):
    """Brian2's ``exprel(x) = (exp(x) - 1)/x`` (1 at x = 0), elementwise on arrays."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x / 2, np.expm1(safe) / safe)


def unit_values(symbols) -> dict:
    """``{symbol: sympy.Float}`` for the symbols that name Brian2 units (e.g. ``mV``), in SI."""
    import brian2.units as bu
    import brian2.units.allunits as au
    values = {}
    for sym in symbols:
        for module in (bu, au):
            unit = getattr(module, sym.name, None)
            if unit is not None and hasattr(unit, "dim"):
                values[sym] = sympy.Float(float(np.asarray(unit)))
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
        expr = expr.subs(unit_values(expr.free_symbols))
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
                        modules=[{"exprel": exprel}, "numpy"])

    def f(t, y):
        return np.asarray(fn(t, y), dtype=float)

    return names, f
