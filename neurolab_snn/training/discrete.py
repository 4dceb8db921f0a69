r"""The discrete update Brian2 performs, derived symbolically from a model's equations.

A :class:`DiscreteModel` asks Brian2 for the *abstract code* of the state
updater it compiles for a :class:`~neurolab_snn.models.base.NeuronModel` and its
integration method (``StateUpdater.update_abstract_code``, i.e.
``StateUpdateMethod.apply_stateupdater``), parses every statement with Brian2's
own ``str_to_sympy`` and composes them into the one-step map

.. math:: x' = F(x, p), \qquad h = h(x', p), \qquad x^{+} = R(x, p),

for the state-update (slot ``groups``), the threshold function (slot
``thresholds``: a spike when :math:`h > 0`, or :math:`h \ge 0` for ``>=``
conditions) and the reset (slot ``resets``).  The Jacobians
:math:`\partial F/\partial x`, :math:`\partial F/\partial p`,
:math:`\partial h/\partial x`, ... are differentiated by sympy and lambdified to
numpy functions vectorised over (batch, neuron).  No backward code is written
by hand: a model that exists only as an equation string (say a quadratic
integrate-and-fire neuron integrated with ``'euler'``) gets its adjoint from here.

Refractoriness: Brian2 multiplies the right-hand side of a ``(unless
refractory)`` equation by ``int(not_refractory)``; while refractory such a
variable is therefore held fixed.  :class:`DiscreteModel` derives :math:`F`
with ``not_refractory = 1`` and freezes the flagged variables where a mask says
a neuron is refractory (:meth:`DiscreteModel.update`), exactly what the
compiled code does.

References
----------
Stimberg, Brette & Goodman (2019), Brian 2, an intuitive and efficient neural
simulator, eLife 8:e47314 (state updaters and code generation).
Meurer et al. (2017), SymPy: symbolic computing in Python, PeerJ Comput. Sci. 3:e103.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

import numpy as np
import sympy
from brian2 import Equations, NeuronGroup
from brian2.equations.equations import DIFFERENTIAL_EQUATION, SUBEXPRESSION
from brian2.parsing.sympytools import str_to_sympy

from ..models.base import NeuronModel
from ..models.symbolic import exprel, unit_values
from ..units import Quantity, check_quantity, second, to_si

__all__ = ["DiscreteModel", "with_variable_parameters"]

_STATEMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(=|\+=|-=|\*=|/=)\s*(.+?)\s*$")
_STOCHASTIC = {"rand", "randn", "xi", "poisson"}


_MODULES = [{"exprel": exprel, "int_": lambda x: np.asarray(x, dtype=float)}, "numpy"]


def _unit_repr(value) -> str:
    from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions
    dim = get_dimensions(value)
    return "1" if dim is DIMENSIONLESS else repr(dim)


def with_variable_parameters(model: NeuronModel, names: Sequence[str]) -> NeuronModel:
    """A copy of *model* whose parameters *names* are per-neuron ``(constant)`` variables.

    The network builds its groups from this form, so trainable parameters can
    differ between neurons and change between (standalone) runs; the discrete
    update is derived from the very same equations.
    """
    names = tuple(names)
    if not names:
        return model
    for key in names:
        if key not in model.parameters:
            raise ValueError(f"model {model.name!r}: {key!r} is not a parameter; expected one "
                             f"of {sorted(model.parameters)}")
    eqs = model.equations + "".join(f"{k} : {_unit_repr(model.parameters[k])} (constant)\n"
                                    for k in names)
    params = {k: v for k, v in model.parameters.items() if k not in names}
    return dataclasses.replace(model, equations=eqs, parameters=params)


def _sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _parse(code: str):
    """``str_to_sympy`` with every symbol made the canonical real symbol of its name."""
    expr = str_to_sympy(code)
    return expr.xreplace({s: _sym(s.name) for s in expr.free_symbols})


class DiscreteModel:
    r"""One time step of a neuron model as Brian2 integrates it, with its Jacobians.

    Parameters
    ----------
    model : NeuronModel
        The model (its equations, threshold, reset, method, parameters).
    dt : Quantity
        Integration time step.
    trainable : sequence of str
        Parameters that become per-neuron variables (arrays of shape (n,) in
        SI), whose gradients the adjoint computes.
    target : str
        The state variable that synaptic input increments (``v``).

    Attributes
    ----------
    states : tuple of str
        Differential-equation variables, in equation order.
    frozen : tuple of bool
        Per state: held while refractory (``unless refractory`` flag).
    spiking : bool
        False for a model without threshold (a read-out).
    strict : bool
        True for a ``>``/``<`` threshold (spike when h > 0), False for ``>=``.
    code : str
        The abstract state-update code Brian2 generated (for display).
    resets : tuple of bool
        Per state (spiking models): whether the reset changes it.
    reset_jacobian_uses_state : bool
        Spiking models: whether :math:`\partial R` depends on the states.

    Raises
    ------
    ValueError
        Stochastic equations or thresholds (``xi``, ``rand()``), a threshold
        that is not a single comparison, or an unknown *target*.
    """

    def __init__(self, model: NeuronModel, dt: Quantity, *, trainable: Sequence[str] = (),
                 target: str = "v"):
        check_quantity("dt", dt, second, positive=True)
        self.model, self.dt = model, float(to_si(dt))
        self.trainable = tuple(trainable)
        self.variable_model = with_variable_parameters(model, self.trainable)
        eqs = Equations(self.variable_model.equations)
        self.states = tuple(eq.varname for eq in eqs.ordered if eq.type == DIFFERENTIAL_EQUATION)
        if target not in self.states:
            raise ValueError(f"model {model.name!r}: target={target!r} is not a state variable; "
                             f"expected one of {list(self.states)}")
        self.target = target
        self.frozen = tuple("unless refractory" in eqs[s].flags for s in self.states)
        self.fixed = {k: float(to_si(v)) for k, v in self.variable_model.parameters.items()}
        self._subexpr = self._subexpressions(eqs)
        others = [eq.varname for eq in eqs.ordered
                  if eq.type not in (DIFFERENTIAL_EQUATION, SUBEXPRESSION)
                  and eq.varname not in self.trainable]
        #: per-neuron variables that are neither states nor trainable: held at 0
        self.inputs = tuple(others)
        self.code = self._abstract_code()
        self._x = [_sym(s) for s in self.states]
        self._p = [_sym(p) for p in self.trainable]
        self._args = self._x + self._p
        self._numeric = {**{_sym(k): sympy.Float(v) for k, v in self.fixed.items()},
                         **{_sym(k): sympy.Integer(0) for k in self.inputs},
                         _sym("dt"): sympy.Float(self.dt)}
        update = self._parse_update(self.code)
        self.F = [self._finish(update[s]) for s in self.states]
        self.spiking = model.threshold is not None
        if self.spiking:
            self.h, self.strict = self._parse_threshold(model.threshold)
            self.R = [self._finish(e) for e in self._parse_statements(model.reset or "", "reset")]
        self.init = self._initial_values()
        self._compile()

    # ------------------------------------------------------------------ parsing
    def _subexpressions(self, eqs) -> dict:
        subs = {}
        for eq in eqs.ordered:
            if eq.type == SUBEXPRESSION:
                subs[_sym(eq.varname)] = _parse(eq.expr.code).xreplace(subs)
        return subs

    def _abstract_code(self) -> str:
        m = self.variable_model
        group = NeuronGroup(1, m.equations, threshold=m.threshold, reset=m.reset,
                            refractory=m.refractory if m.refractory is not None else False,
                            method=m.method, namespace=dict(m.parameters), name="_discrete",
                            codeobj_class=_numpy_codeobject())
        group._network = "derivation only"  # never simulated
        for obj in group.contained_objects:
            obj._network = "derivation only"
        group.state_updater.update_abstract_code(run_namespace={})
        lines = [ln for ln in group.state_updater.abstract_code.splitlines()
                 if ln.strip() and not ln.strip().startswith("not_refractory")]
        return "\n".join(lines)

    def _check_deterministic(self, expr, where: str) -> None:
        names = {s.name for s in expr.free_symbols}
        names |= {type(f).__name__ for f in expr.atoms(sympy.Function)}
        bad = sorted(names & _STOCHASTIC)
        if bad:
            raise ValueError(f"model {self.model.name!r}: the {where} uses {bad}; the adjoint "
                             "solver needs a deterministic model (for GIF use escape=False)")

    def _parse_statements(self, code: str, where: str) -> list:
        """Compose sequential statements into expressions of the states before them."""
        env = {x: x for x in (_sym(s) for s in self.states)}
        for line in code.splitlines():
            line = line.split("#")[0]
            if not line.strip():
                continue
            match = _STATEMENT.match(line)
            if match is None:
                raise ValueError(f"model {self.model.name!r}: cannot parse {where} statement "
                                 f"{line.strip()!r}")
            var, op, rhs = match.groups()
            expr = _parse(rhs)
            self._check_deterministic(expr, where)
            expr = expr.xreplace(self._subexpr).xreplace(env)
            lhs = _sym(var)
            old = env.get(lhs, lhs)
            env[lhs] = {"=": expr, "+=": old + expr, "-=": old - expr, "*=": old * expr,
                        "/=": old / expr}[op]
        return [env[_sym(s)] for s in self.states]

    def _parse_update(self, code: str) -> dict:
        exprs = self._parse_statements(code, "state update")
        return dict(zip(self.states, exprs))

    def _parse_threshold(self, condition: str):
        expr = _parse(condition)
        self._check_deterministic(expr, "threshold")
        expr = expr.xreplace(self._subexpr)
        if isinstance(expr, (sympy.StrictGreaterThan, sympy.GreaterThan)):
            h = expr.lhs - expr.rhs
        elif isinstance(expr, (sympy.StrictLessThan, sympy.LessThan)):
            h = expr.rhs - expr.lhs
        else:
            raise ValueError(f"model {self.model.name!r}: threshold {condition!r} is not a single "
                             "comparison such as 'v > V_th'; the surrogate needs h(x) > 0")
        strict = isinstance(expr, (sympy.StrictGreaterThan, sympy.StrictLessThan))
        return self._finish(h), strict

    def _finish(self, expr):
        """Set ``int(not_refractory)`` to 1, inputs to 0, fixed parameters and units to values."""
        expr = expr.replace(lambda e: isinstance(e, sympy.Function)
                            and type(e).__name__ == "int_", lambda e: sympy.Integer(1))
        expr = expr.xreplace(self._numeric)
        expr = expr.xreplace(unit_values(expr.free_symbols))
        unknown = expr.free_symbols - set(self._args)
        if unknown:
            raise ValueError(f"model {self.model.name!r}: the discrete update depends on "
                             f"{sorted(str(s) for s in unknown)}, which are neither states nor "
                             "parameters (time-dependent inputs are not supported)")
        return expr

    def _initial_values(self) -> list:
        out = []
        for s in self.states:
            value = self.model.initial_values.get(s, 0.0)
            if isinstance(value, str):
                expr = self._finish(_parse(value).xreplace(self._subexpr))
            else:
                expr = sympy.Float(float(to_si(value)))
            if expr.free_symbols - set(self._p):
                raise ValueError(f"model {self.model.name!r}: initial value of {s!r} depends on "
                                 "other states")
            out.append(expr)
        return out

    # ------------------------------------------------------------------ compiling
    def _lambdify(self, exprs):
        if not exprs:
            return lambda *a: []
        fn = sympy.lambdify(self._args, list(exprs), modules=_MODULES, cse=True)
        return fn

    def _nonzero_jacobian(self, exprs, wrt):
        entries = []
        for i, e in enumerate(exprs):
            for j, var in enumerate(wrt):
                d = sympy.diff(e, var)
                if d != 0:
                    entries.append((i, j, d))
        return entries

    def _compile(self):
        n_x = len(self.states)
        self._fF = self._lambdify(self.F)
        self._jFx = self._nonzero_jacobian(self.F, self._x)
        self._jFp = self._nonzero_jacobian(self.F, self._p)
        self._fJF = self._lambdify([d for *_, d in self._jFx + self._jFp])
        self._fg = self._lambdify(self.init)
        self._jgp = self._nonzero_jacobian(self.init, self._p)
        self._fJg = self._lambdify([d for *_, d in self._jgp])
        if self.spiking:
            self._fh = self._lambdify([self.h])
            self._jhx = self._nonzero_jacobian([self.h], self._x)
            self._jhp = self._nonzero_jacobian([self.h], self._p)
            self._fJh = self._lambdify([d for *_, d in self._jhx + self._jhp])
            self._fR = self._lambdify(self.R)
            # the reset blend x + s (R(x) - x): its Jacobian is I + s (dR/dx - I)
            self._jRx = self._nonzero_jacobian(self.R, self._x)
            self._jRp = self._nonzero_jacobian(self.R, self._p)
            self._fJR = self._lambdify([d for *_, d in self._jRx + self._jRp])
            self.resets = tuple(self.R[i] != self._x[i] for i in range(n_x))
            #: whether the reset's Jacobian depends on the states (if not, any x evaluates it)
            self.reset_jacobian_uses_state = any(d.free_symbols & set(self._x)
                                                 for *_, d in self._jRx + self._jRp)

    # ------------------------------------------------------------------ evaluation
    def _call(self, fn, x, p):
        return fn(*x, *(p[k] for k in self.trainable))

    @staticmethod
    def _shape(values, like):
        return [np.broadcast_to(np.asarray(v, dtype=np.float64), like.shape) for v in values]

    def initial_state(self, params: Mapping[str, np.ndarray], shape) -> list[np.ndarray]:
        """Initial states (from the model's ``initial_values``) as arrays of *shape*."""
        values = self._fg(*[np.zeros(shape)] * len(self.states),
                          *(params[k] for k in self.trainable))
        return [np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), shape)) for v in values]

    def initial_vjp(self, lam: list[np.ndarray], params) -> dict[str, np.ndarray]:
        """:math:`\\lambda^T \\partial x_0/\\partial p`, per element (summed by the caller)."""
        grads = {k: np.zeros_like(lam[0]) for k in self.trainable}
        if self._jgp:
            vals = self._fJg(*[np.zeros_like(lam[0])] * len(self.states),
                             *(params[k] for k in self.trainable))
            for (i, j, _), d in zip(self._jgp, vals):
                grads[self.trainable[j]] += lam[i] * d
        return grads

    def update(self, x: list[np.ndarray], params, refractory=None) -> list[np.ndarray]:
        """The state update ``x' = F(x, p)``; *refractory* (bool mask) freezes flagged states."""
        new = self._shape(self._call(self._fF, x, params), x[0])
        if refractory is not None:
            for i, frozen in enumerate(self.frozen):
                if frozen:
                    new[i] = np.where(refractory, x[i], new[i])
        return new

    def threshold(self, x: list[np.ndarray], params) -> np.ndarray:
        """The threshold function ``h(x', p)``: a spike where ``h > 0`` (``>= 0`` if not strict)."""
        return np.broadcast_to(np.asarray(self._call(self._fh, x, params)[0], dtype=np.float64),
                               x[0].shape)

    def spikes(self, h: np.ndarray) -> np.ndarray:
        """Heaviside of *h*, as Brian2 evaluates the threshold condition."""
        return ((h > 0) if self.strict else (h >= 0)).astype(np.float64)

    def reset(self, x: list[np.ndarray], params) -> list[np.ndarray]:
        """The reset map ``R(x, p)`` (applied where a neuron spiked)."""
        return self._shape(self._call(self._fR, x, params), x[0])

    def update_jacobian(self, x, params, refractory=None):
        r"""Nonzero entries of :math:`\partial F/\partial x` and :math:`\partial F/\partial p`.

        Returns ``(jx, jp)``: ``jx[(i, j)] = dF_i/dx_j`` and ``jp[(i, name)] =
        dF_i/dp``, arrays broadcastable to the shape of ``x[0]``.  Where
        *refractory* is True the rows of frozen variables are those of the
        identity map.
        """
        vals = self._call(self._fJF, x, params)
        n_x = len(self._jFx)
        jx = {(i, j): np.asarray(d, dtype=np.float64) for (i, j, _), d in zip(self._jFx, vals)}
        jp = {(i, self.trainable[j]): np.asarray(d, dtype=np.float64)
              for (i, j, _), d in zip(self._jFp, vals[n_x:])}
        if refractory is not None and any(self.frozen):
            for (i, j) in list(jx):
                if self.frozen[i]:
                    jx[(i, j)] = np.where(refractory, 1.0 if i == j else 0.0, jx[(i, j)])
            for i, frozen in enumerate(self.frozen):
                if frozen and (i, i) not in jx:
                    jx[(i, i)] = np.where(refractory, 1.0, 0.0)
            for (i, name) in list(jp):
                if self.frozen[i]:
                    jp[(i, name)] = np.where(refractory, 0.0, jp[(i, name)])
        return jx, jp

    def threshold_jacobian(self, x, params):
        r""":math:`\partial h/\partial x_j` (dict by state index) and :math:`\partial h/\partial p`
        (dict by name), nonzero entries only."""
        vals = self._call(self._fJh, x, params)
        n_x = len(self._jhx)
        dx = {j: np.asarray(d, dtype=np.float64) for (_, j, _), d in zip(self._jhx, vals)}
        dp = {self.trainable[j]: np.asarray(d, dtype=np.float64)
              for (_, j, _), d in zip(self._jhp, vals[n_x:])}
        return dx, dp

    def reset_jacobian(self, x, params):
        r"""Entries of :math:`\partial R/\partial x` and :math:`\partial R/\partial p` for the
        variables the reset changes (``resets[i]`` True); same layout as :meth:`update_jacobian`."""
        vals = self._call(self._fJR, x, params)
        n_x = len(self._jRx)
        jx = {(i, j): np.asarray(d, dtype=np.float64) for (i, j, _), d in zip(self._jRx, vals)
              if self.resets[i]}
        jp = {(i, self.trainable[j]): np.asarray(d, dtype=np.float64)
              for (i, j, _), d in zip(self._jRp, vals[n_x:]) if self.resets[i]}
        return jx, jp

    def describe(self) -> str:
        """The derived discrete update as text (Brian2's abstract code, threshold, reset)."""
        lines = [f"{self.model.name} ({self.model.method}), dt = {self.dt:g} s",
                 "Brian2 state-update code:"] + [f"  {ln}" for ln in self.code.splitlines()]
        if self.spiking:
            op = ">" if self.strict else ">="
            lines.append(f"threshold: h = {self.h} {op} 0")
            lines += [f"reset: {s} <- {r}" for s, r, rs in zip(self.states, self.R, self.resets)
                      if rs]
        return "\n".join(lines)


def _numpy_codeobject():
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
    return NumpyCodeObject
