r"""A current-driven neuron in Brian2 and the exact discrete adjoint of a voltage loss.

:class:`DrivenNeuron` runs B copies of a :class:`~neurolab_snn.models.base.NeuronModel`
in one Brian2 network, copy ``b`` injected with the recorded current of sweep
``b`` (a 2-D ``TimedArray`` read once per step, so the current is constant over
each step).  The parameters being fitted are per-neuron ``(constant)``
variables, so one network is built once and re-run with new values.

The backward pass differentiates the very map Brian2 computes.  With
:math:`F` the state update Brian2 generates for the model's integration method
(derived symbolically by :class:`~neurolab_snn.training.discrete.DiscreteModel`,
with the injected current :math:`I_k` as an input), :math:`h` the threshold
function, :math:`R` the reset and :math:`s_k` the spike of step :math:`k`:

.. math::

    x'_k = F(x_k, p, I_k), \qquad
    x_{k+1} = x'_k + s_k\,(R(x'_k, p) - x'_k).

For a loss :math:`L(x_0, \dots, x_{T-1}, s)` the adjoint
:math:`\lambda_k = \mathrm dL/\mathrm dx_k` obeys

.. math::

    \mu_k = \lambda_{k+1}\,\frac{\partial x_{k+1}}{\partial x'_k}
            + c_k\,\sigma'(h_k)\,\frac{\partial h}{\partial x'}, \qquad
    \lambda_k = \frac{\partial L}{\partial x_k} + \mu_k\,\frac{\partial F}{\partial x_k},

    \frac{\mathrm dL}{\mathrm dp} = \sum_k \mu_k\frac{\partial F}{\partial p}
        + s_k\lambda_{k+1}\frac{\partial R}{\partial p}
        + c_k\sigma'(h_k)\frac{\partial h}{\partial p}
        + \lambda_0\frac{\partial x_0}{\partial p},

with :math:`c_k = \lambda_{k+1}\cdot(R - x'_k) + \partial L/\partial s_k`.  With
*forced* spikes (the recorded spike times; see :mod:`.gradient_fit`) the spikes
do not depend on the parameters and the surrogate term is absent: the gradient
is then exact.  With *free* spikes :math:`\sigma'` is a surrogate derivative
(Neftci, Mostafa & Zenke 2019, IEEE Signal Process. Mag. 36:51).  Variables
flagged ``(unless refractory)`` are held during the refractory period, as in
the compiled code.

References
----------
Stimberg, Brette & Goodman (2019), eLife 8:e47314 (Brian 2).
Wunderlich & Pehle (2021), Event-based backpropagation can compute exact
gradients for spiking neural networks, Sci. Rep. 11:12829.
"""
from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Sequence

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, StateMonitor, TimedArray
from brian2.devices.device import runtime_device

from ..models.base import NeuronModel
from ..sim.devices import active_device, scoped_prefs
from ..training.discrete import DiscreteModel, _parse
from ..training.network import _n_ref, refractory_mask
from ..units import amp, second

__all__ = ["DrivenNeuron", "driven_model", "FORWARDS"]

#: forward passes: the derived update stepped in numpy, or one Brian2 run
FORWARDS = ("discrete", "brian2")

#: below this many simulated steps Brian2's numpy target beats compiling Cython
_NUMPY_STEPS = 20_000
_BLOCK = 8192


def driven_model(model: NeuronModel, current: str = "I_ext") -> NeuronModel:
    """*model* with its per-neuron current variable *current* turned into a parameter
    (value 0 A), so that :class:`DiscreteModel` can take the current as an input."""
    line = re.compile(rf"^\s*{re.escape(current)}\s*:\s*amp\s*$", re.M)
    if not line.search(model.equations):
        raise ValueError(f"model {model.name!r}: current={current!r} is not declared as a "
                         f"per-neuron variable '{current} : amp' in the equations; expected the "
                         "name of the injected-current variable")
    return dataclasses.replace(model, equations=line.sub("", model.equations),
                               parameters={**model.parameters, current: 0 * amp})


class DrivenNeuron:
    """B copies of *model* driven by recorded currents, forward in Brian2, adjoint in numpy.

    Parameters
    ----------
    model : NeuronModel
    names : sequence of str
        The parameters to differentiate (per-neuron constants in the network).
    currents : ndarray (B, T)
        Injected current of each copy (A) at each step.
    v0 : ndarray (B,)
        Initial membrane potential (V); the other states start from the
        model's ``initial_values`` evaluated at ``v0``.
    dt : float
        Time step (s), the sampling interval of the recording.
    forced : ndarray (B, T) of bool, optional
        Spikes imposed at these steps, unless the model's own threshold made
        it spike in the *match* steps before (then that spike stands for it).
    match : int
        Steps before a forced spike within which a model spike replaces it.
    current, voltage : str
        Names of the current variable and of the recorded state.
    """

    def __init__(self, model: NeuronModel, names: Sequence[str], currents: np.ndarray,
                 v0: np.ndarray, dt: float, *, forced: np.ndarray | None = None,
                 current: str = "I_ext", voltage: str = "v", surrogate=None,
                 surrogate_scale: float = 1e-3, forward: str = "discrete", match: int = 0):
        if forward not in FORWARDS:
            raise ValueError(f"forward={forward!r}; expected one of {list(FORWARDS)}")
        self.forward = forward
        self.model, self.names, self.dt = model, tuple(names), float(dt)
        self.current, self.voltage = current, voltage
        self.I = np.asarray(currents, dtype=np.float64)
        self.B, self.T = self.I.shape
        self.v0 = np.asarray(v0, dtype=np.float64)
        # initial states are handled here (they may depend on v): none for the derivation
        base = dataclasses.replace(driven_model(model, current), initial_values={})
        self.dm = DiscreteModel(base, dt * second,
                                trainable=self.names + (current,), target=voltage)
        self.states = self.dm.states
        self.iv = self.states.index(voltage)
        self.spiking = bool(model.threshold) and any(self.dm.resets)
        self.n_ref = _n_ref(model, self.dt) if any(self.dm.frozen) else 0
        self.forced = None if forced is None else np.asarray(forced, dtype=bool)
        self.match = int(match)
        self.surrogate, self.scale = surrogate, surrogate_scale
        self._init = self._initial_expressions()
        self._target = "numpy" if self.T * max(self.B, 1) < _NUMPY_STEPS else "cython"
        self.evaluations = 0
        if forward == "brian2":
            with self._scope():
                self._build()

    # ------------------------------------------------------------------ forward
    def _scope(self):
        stack = contextlib.ExitStack()
        stack.enter_context(active_device(runtime_device))
        stack.enter_context(scoped_prefs(codegen__target=self._target))
        return stack

    def _build(self):
        m = self.dm.variable_model
        eqs = re.sub(rf"^\s*{self.current}\s*:\s*amp\s*\(constant\)\s*$",
                     f"{self.current} = I_rec_(t, i) : amp", m.equations, flags=re.M)
        namespace = {k: v for k, v in m.parameters.items()}
        namespace["I_rec_"] = TimedArray(self.I.T * amp, dt=self.dt * second)
        threshold = m.threshold if self.spiking else None
        if self.spiking and self.forced is not None:
            namespace["S_rec_"] = TimedArray(self.forced.T.astype(float), dt=self.dt * second)
            namespace["match_window_"] = self.match * self.dt * second
            threshold = (f"({m.threshold}) or (S_rec_(t, i) > 0.5 and "
                         "t - lastspike > match_window_)")
        refractory = m.refractory if (self.spiking and m.refractory is not None) else False
        if self.spiking and self.forced is not None and refractory is False:
            refractory = 0 * second                      # Brian2 then keeps lastspike
        self.group = NeuronGroup(self.B, eqs, threshold=threshold,
                                 reset=m.reset if self.spiking else None,
                                 refractory=refractory, method=m.method, namespace=namespace,
                                 dt=self.dt * second, name="driven")
        self.states_mon = StateMonitor(self.group, list(self.states), record=True)
        objects = [self.group, self.states_mon]
        self.spike_mon = None
        if self.spiking:
            self.spike_mon = SpikeMonitor(self.group)
            objects.append(self.spike_mon)
        self.net = Network(*objects)
        self.net.store("initial")

    def initial_state(self, p: dict) -> list[np.ndarray]:
        """x_0 (B,) per state: v0, the rest from the model's initial values."""
        return [np.broadcast_to(np.asarray(f(self.v0, *(p[k] for k in self.names)),
                                           dtype=np.float64), (self.B,)).copy()
                for f, _ in self._init]

    def run(self, p: dict) -> dict:
        """Simulate with parameters *p* (SI floats); returns states (T, B) and spikes (T, B)."""
        self.evaluations += 1
        if self.forward == "discrete":
            return self._run_discrete(p)
        with self._scope():
            self.net.restore("initial")
            for key in self.names:
                self.group.variables[key].set_value(np.full(self.B, float(p[key])))
            for name, x in zip(self.states, self.initial_state(p)):
                self.group.variables[name].set_value(x)
            self.net.run(self.T * self.dt * second, namespace={})
        X = [np.asarray(getattr(self.states_mon, name + "_")).T.copy() for name in self.states]
        S = np.zeros((self.T, self.B))
        if self.spike_mon is not None:
            steps = np.rint(np.asarray(self.spike_mon.t_) / self.dt).astype(np.int64)
            S[steps, np.asarray(self.spike_mon.i)] = 1.0
        return {"X": X, "S": S}

    def _run_discrete(self, p: dict) -> dict:
        """The same map stepped in numpy: x' = F(x, p, I_k); spike if h(x') > 0 and not
        refractory (or forced); reset; refractory while fewer than n_ref steps since it."""
        dm, T, B = self.dm, self.T, self.B
        x = self.initial_state(p)
        X = [np.empty((T, B)) for _ in self.states]
        S = np.zeros((T, B))
        last = np.full(B, -10 ** 9)
        IT = self.I.T
        fixed = [p[k] for k in self.names]
        frozen = [i for i, f in enumerate(dm.frozen) if f]
        strict = dm.strict if self.spiking else True
        for k in range(T):
            for i, xi in enumerate(x):
                X[i][k] = xi
            args = (*x, *fixed, IT[k])
            # the lambdified update and threshold of DiscreteModel, called directly
            new = [np.broadcast_to(v, (B,)) if np.ndim(v) != 1 else v for v in dm._fF(*args)]
            if self.n_ref > 1:
                r = k - last < self.n_ref
                if r.any():
                    for i in frozen:
                        new[i] = np.where(r, x[i], new[i])
            else:
                r = None
            x = new
            if self.spiking:
                h = dm._fh(*x, *fixed, IT[k])[0]
                s = (h > 0) if strict else (h >= 0)
                s = np.broadcast_to(s, (B,))
                if self.forced is not None:
                    s = s | (self.forced[:, k] & (k - last > self.match))
                if r is not None:
                    s = s & ~r
                if s.any():
                    pk = {**dict(zip(self.names, fixed)), self.current: IT[k]}
                    R = dm.reset(x, pk)
                    x = [np.where(s, ri, xi) if rs else xi
                         for ri, xi, rs in zip(R, x, dm.resets)]
                    S[k] = s
                    last = np.where(s, k, last)
        return {"X": X, "S": S}

    # ------------------------------------------------------------------ initial state
    def _initial_expressions(self):
        import sympy
        v = sympy.Symbol(self.voltage, real=True)
        p = [sympy.Symbol(k, real=True) for k in self.names]
        args = [v] + p
        out = []
        for s in self.states:
            if s == self.voltage:
                expr = v
            else:
                value = self.model.initial_values.get(s, 0.0)
                if isinstance(value, str):
                    expr = self.dm._finish(_parse(value).xreplace(self.dm._subexpr))
                    expr = expr.xreplace({sympy.Symbol(self.current, real=True): 0})
                else:
                    from ..units import to_si
                    expr = sympy.Float(float(to_si(value)))
            if expr.free_symbols - set(args):
                raise ValueError(f"model {self.model.name!r}: the initial value of {s!r} depends "
                                 "on states other than the membrane potential")
            grads = [sympy.lambdify(args, sympy.diff(expr, q), "numpy") for q in p]
            out.append((sympy.lambdify(args, expr, "numpy"), grads))
        return out

    # ------------------------------------------------------------------ backward
    def backward(self, p: dict, run: dict, grad_x: dict, grad_s: np.ndarray | None = None,
                 free: bool = False) -> dict:
        r"""dL/dp (SI floats) given ``grad_x[state]`` = :math:`\partial L/\partial x_k`
        (T, B) and ``grad_s`` = :math:`\partial L/\partial s_k` (T, B, free spikes only)."""
        dm, X, S = self.dm, run["X"], run["S"]
        n_x, T, B = len(self.states), self.T, self.B
        refr = None
        if self.n_ref > 1 and self.spiking:
            refr = refractory_mask(S.T[:, :, None], self.n_ref)[:, :, 0].T
        grads = {k: 0.0 for k in self.names}
        lam = [np.zeros(B) for _ in range(n_x)]
        gx = {self.states.index(k): g for k, g in grad_x.items()}
        resets = dm.resets if self.spiking else (False,) * n_x
        for a in range(((T - 1) // _BLOCK) * _BLOCK, -1, -_BLOCK):
            z = min(a + _BLOCK, T)
            xs = [x[a:z] for x in X]
            pa = {**{k: p[k] for k in self.names}, self.current: self.I.T[a:z]}
            r = None if refr is None else refr[a:z]
            JF, JFp = dm.update_jacobian(xs, pa, r)
            JF = {k: np.broadcast_to(v, xs[0].shape) for k, v in JF.items()}
            s = S[a:z]
            fired = s.max(axis=1) > 0
            if self.spiking:
                XP = dm.update(xs, pa, r)
                JR, JRp = dm.reset_jacobian(XP, pa)
                JR = {k: np.broadcast_to(v, xs[0].shape) for k, v in JR.items()}
                JRp = {k: np.broadcast_to(v, xs[0].shape) for k, v in JRp.items()}
                if free:
                    RmX = [np.asarray(rv) - xv for rv, xv in zip(dm.reset(XP, pa), XP)]
                    sg = self.surrogate.grad_scaled(dm.threshold(XP, pa), self.scale)
                    if r is not None:
                        sg = np.where(r, 0.0, sg)
                    DHX, DHP = dm.threshold_jacobian(XP, pa)
                    DHX = {k: np.broadcast_to(v, xs[0].shape) for k, v in DHX.items()}
                    DHP = {k: np.broadcast_to(v, xs[0].shape) for k, v in DHP.items()}
            MU = {i: np.empty((z - a, B)) for i in {i for (i, _) in JFp}}
            for k in range(z - 1, a - 1, -1):
                kk = k - a
                if k < T - 1:
                    mu = lam
                    if self.spiking and (fired[kk] or free):
                        sk = s[kk]
                        mu = [l * (1.0 - sk) if rs else l for l, rs in zip(lam, resets)]
                        for (i, j), d in JR.items():
                            mu[j] = mu[j] + lam[i] * sk * d[kk]
                        for (i, name), d in JRp.items():
                            if name != self.current:
                                grads[name] += float(np.sum(lam[i] * sk * d[kk]))
                        if free:
                            c = sum(lam[i] * RmX[i][kk] for i in range(n_x) if resets[i])
                            if grad_s is not None:
                                c = c + grad_s[k]
                            c = c * sg[kk]
                            for j, d in DHX.items():
                                mu[j] = mu[j] + c * d[kk]
                            for name, d in DHP.items():
                                if name != self.current:
                                    grads[name] += float(np.sum(c * d[kk]))
                    for i in MU:
                        MU[i][kk] = mu[i]
                    new = [np.zeros(B) for _ in range(n_x)]
                    for (i, j), d in JF.items():
                        new[j] = new[j] + mu[i] * d[kk]
                    lam = new
                else:
                    for i in MU:
                        MU[i][kk] = 0.0
                for j, g in gx.items():
                    lam[j] = lam[j] + g[k]
            for (i, name), d in JFp.items():
                if name != self.current:
                    grads[name] += float(np.sum(MU[i] * d))
        for (f, dfs), l in zip(self._init, lam):
            for name, df in zip(self.names, dfs):
                grads[name] += float(np.sum(l * df(self.v0, *(p[q] for q in self.names))))
        return grads

