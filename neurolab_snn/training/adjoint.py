r"""The discrete adjoint (backward-in-time) solver over exported forward traces.

Given the states :math:`x^l_k` and spikes :math:`s^l_k` of a forward pass (from
Brian2, via a :class:`~neurolab_snn.recording.Recording`, or from the numpy
reference), and the loss gradients with respect to the output spikes and
states, :func:`backward` runs Brian2's schedule in reverse for every step
:math:`k = T-1, \dots, 0` (see :mod:`.network` for the forward semantics).
With :math:`\lambda^l_{k+1} = \partial L/\partial x^l_{k+1}`:

.. math::

    \text{resets:}\quad & \bar\lambda''_k = \lambda_{k+1}\big(I + s_k(\partial_x R - I)\big),
        \quad \partial_s L \mathrel{+}= \lambda_{k+1}\cdot(R(x''_k) - x''_k)
        \ \ (\text{unless the reset is detached})\\
    \text{synapses:}\quad & \delta^l_k = g^l_k\,\bar\lambda''^l_{k,\text{target}}, \quad
        \partial_{s^{l-1}_k} L \mathrel{+}= \delta^l_k W_l^T, \quad
        \partial_{s^l_k} L \mathrel{+}= \delta^l_k R_l^T\\
    \text{thresholds:}\quad & \bar\lambda'_k = \bar\lambda''_k + \partial_{s_k} L\;
        \frac{\sigma'(h(x'_k)/\theta)}{\theta}\;\partial_x h\\
    \text{groups:}\quad & \lambda_k = \bar\lambda'_k\,\partial_x F(x_k)

and the parameter gradients :math:`\sum_k \bar\lambda'_k\partial_p F +
\partial_{s}L\,\sigma'\,\partial_p h/\theta + \lambda_{k+1} s_k\partial_p R`, the
weight gradients :math:`\partial L/\partial W_l = \sum_{k} (s^{l-1}_k)^T \delta^l_k`
(one matrix product over all steps) and the initial-state term
:math:`\lambda_0\,\partial x_0/\partial p`.  All Jacobians come from
:class:`~neurolab_snn.training.discrete.DiscreteModel`, i.e. from the equation
strings; :math:`\sigma'` is the surrogate derivative (Neftci, Mostafa & Zenke
2019; Zenke & Ganguli 2018).  This is the discrete counterpart of the
continuous adjoint of EventProp (Wunderlich & Pehle 2021, Sci. Rep. 11:12829),
with a surrogate in place of exact spike-time jumps; like BPTT it is exact for
the smooth forward pass (tested against finite differences).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..recording import Recording
from .network import Trace, TrainableNetwork, refractory_mask

__all__ = ["backward", "trace_from_recording", "first_spike_times", "first_spike_vjp"]


def _tm(a) -> np.ndarray:
    """(B, T, n) -> contiguous (T, B, n) (no copy for a swapped view of time-major data)."""
    return np.ascontiguousarray(np.swapaxes(np.asarray(a, dtype=np.float64), 0, 1))


def trace_from_recording(net: TrainableNetwork, params, inputs, recording: Recording,
                         batch: int | None = None) -> Trace:
    """Arrays for :func:`backward` from a Brian2 :class:`Recording` of ``B`` network copies.

    The recording holds, per layer, the states at the end of every step (a
    ``StateMonitor`` in the ``'end'`` slot, neuron ``b*n + j`` of copy ``b``) and
    the spikes; the initial state comes from the model's initial values.
    """
    x_in = np.asarray(inputs, dtype=np.float64)
    b, t_steps, _ = x_in.shape
    del batch  # the copies beyond the minibatch (padding) are dropped by neuron index
    states, spikes = {}, {}
    for i, (layer, dm) in enumerate(zip(net.spec.layers, net.discrete)):
        pop = recording[layer.name]
        x0 = dm.initial_state(net.layer_params(params, i), (b, layer.n))
        states[layer.name] = {}
        for j, var in enumerate(dm.states):
            rec = np.asarray(pop.traces[var], dtype=np.float64)      # (copies*n, T)
            # time-major storage (T+1, B, n), exposed as a (B, T+1, n) view
            tm = np.empty((t_steps + 1, b, layer.n))
            tm[0] = x0[j]
            tm[1:] = rec[:b * layer.n, :t_steps].reshape(b, layer.n, t_steps).transpose(2, 0, 1)
            states[layer.name][var] = np.swapaxes(tm, 0, 1)
        steps = np.rint(np.asarray(pop.spike_times) / net.dt).astype(np.int64)
        idx = np.asarray(pop.spike_indices, dtype=np.int64)
        keep = (steps < t_steps) & (idx < b * layer.n)
        dense = np.zeros((t_steps, b, layer.n))
        dense[steps[keep], idx[keep] // layer.n, idx[keep] % layer.n] = 1.0
        spikes[layer.name] = np.swapaxes(dense, 0, 1)
    return Trace(states=states, spikes=spikes, inputs=x_in, recording=recording)


def backward(net: TrainableNetwork, params: Mapping[str, np.ndarray], trace: Trace, *,
             grad_spikes: Mapping[str, np.ndarray] | None = None,
             grad_states: Mapping[str, Mapping[str, np.ndarray]] | None = None,
             smooth: bool = False) -> dict[str, np.ndarray]:
    r"""Gradients of the loss with respect to every parameter, by the discrete adjoint.

    Parameters
    ----------
    net : TrainableNetwork
    params : dict of arrays
        The parameters of the forward pass.
    trace : Trace
        Its states and spikes (:func:`trace_from_recording` or ``net.simulate``).
    grad_spikes : dict layer -> (B, T, n)
        :math:`\partial L/\partial s^l_k` (from a loss on spikes or spike times).
    grad_states : dict layer -> dict var -> (B, T, n)
        :math:`\partial L/\partial x^l_{k+1}`: gradient with respect to the state
        at the *end* of step k (what a ``StateMonitor`` in the ``'end'`` slot records).
    smooth : bool
        The forward pass used the smooth spike (then :math:`\partial s/\partial h` is
        exactly the surrogate derivative and the gradient is exact).

    Returns
    -------
    dict
        Same keys and shapes as *params*.
    """
    spec, layers = net.spec, net.spec.layers
    x_in = trace.inputs
    b, t_steps, _ = x_in.shape
    nl = len(layers)
    detach = spec.detach_reset
    lp = [net.layer_params(params, i) for i in range(nl)]
    W = [params[f"{layer.name}.W"] for layer in layers]
    R = [params.get(f"{layer.name}.R") if layer.recurrent else None for layer in layers]
    x_tm = _tm(x_in)
    sp = [_tm(trace.spikes[layer.name]) for layer in layers]          # (T, B, n)
    L = [_Layer(net, i, trace, lp[i], x_tm if i == 0 else sp[i - 1], sp[i], W[i], R[i],
                grad_spikes, grad_states) for i in range(nl)]
    for k in range(t_steps - 1, -1, -1):
        for lay in L:
            lay.reset_step(k, detach)
        for i, lay in enumerate(L):                 # synapses
            d = lay.synapse_step(k)
            if i > 0:
                L[i - 1].dl = L[i - 1].dl + d @ W[i].T
            if R[i] is not None:
                lay.dl = lay.dl + d @ R[i].T
        for lay in L:                               # thresholds, then the state update
            lay.update_step(k)
    grads = {}
    for i, (layer, lay) in enumerate(zip(layers, L)):
        src = x_tm if i == 0 else sp[i - 1]
        d2 = lay.delta.reshape(-1, layer.n)
        grads[f"{layer.name}.W"] = src.reshape(-1, src.shape[2]).T @ d2
        if R[i] is not None:
            grads[f"{layer.name}.R"] = sp[i].reshape(-1, layer.n).T @ d2
        grads.update({f"{layer.name}.{k}": g for k, g in lay.param_grads().items()})
    del smooth  # the same formulas hold; the flag documents the exact case
    return grads


def _sum_bt(a, shape) -> np.ndarray:
    """Sum an array broadcastable to (T, B, n) over time and batch -> (n,)."""
    a = np.asarray(a)
    if a.ndim < 3:
        return np.broadcast_to(a, shape).sum(axis=(0, 1))
    return a.sum(axis=(0, 1))


class _Layer:
    """Backward state of one layer: the forward quantities of every step, precomputed over
    (T, B, n) at once, and the adjoint recursion step by step."""

    def __init__(self, net, i, trace, p, src, spikes, W, R, grad_spikes, grad_states):
        layer, dm = net.spec.layers[i], net.discrete[i]
        self.layer, self.dm, self.p = layer, dm, p
        t_steps, b = spikes.shape[:2]
        self.shape = (t_steps, b, layer.n)
        self.t = net.target_index[i]
        nx = len(dm.states)
        X = [_tm(trace.states[layer.name][v])[:t_steps] for v in dm.states]
        self.s = spikes
        refr = _tm(refractory_mask(np.swapaxes(spikes, 0, 1), net.n_ref[i])) \
            if net.n_ref[i] > 1 else None
        self.gs = None if not grad_spikes or layer.name not in grad_spikes \
            else _tm(grad_spikes[layer.name])
        self.gx = {} if not grad_states or layer.name not in grad_states \
            else {dm.states.index(v): _tm(g) for v, g in grad_states[layer.name].items()}
        # forward quantities of all steps
        XP = dm.update(X, p, refr)
        U = (src.reshape(-1, src.shape[2]) @ W).reshape(self.shape)
        if R is not None:
            U = U + (spikes.reshape(-1, layer.n) @ R).reshape(self.shape)
        self.U = U
        self.open = None
        if net.gated[i]:
            self.open = 1.0 if refr is None else np.where(refr, 0.0, 1.0)
        self.gate = 1.0 if self.open is None else self.open * (1.0 - spikes)
        self.JF, self.JFp = dm.update_jacobian(X, p, refr)
        self.spiking = layer.spiking
        if self.spiking:
            sc = net.scales[i]
            H = dm.threshold(XP, p)
            sg = net.spec.surrogate.grad(H / sc) / sc
            self.SG = sg if refr is None else np.where(refr, 0.0, sg)
            self.DHX, self.DHP = dm.threshold_jacobian(XP, p)
            XPP = list(XP)
            XPP[self.t] = XPP[self.t] + U * self.gate
            self.JR, self.JRp = dm.reset_jacobian(XPP, p)
            RX = dm.reset(XPP, p)
            self.RmX = {j: RX[j] - XPP[j] for j in range(nx) if dm.resets[j]}
            self.any_spike = spikes.reshape(t_steps, -1).any(axis=1)
        # adjoint variables and what the parameter gradients need
        self.lam = [np.zeros((b, layer.n)) for _ in range(nx)]
        self.delta = np.zeros(self.shape)
        self.LPR = {i_: np.zeros(self.shape) for i_ in {i_ for (i_, _) in self.JFp}}
        self.COEFF = np.zeros(self.shape) if self.spiking and self.DHP else None
        self.LS = {j: np.zeros(self.shape) for j in {j for (j, _) in getattr(self, "JRp", {})}}

    @staticmethod
    def _at(a, k):
        return a[k] if np.ndim(a) == 3 else a

    def reset_step(self, k, detach):
        at = self._at
        for j, g in self.gx.items():
            self.lam[j] = self.lam[j] + g[k]
        self.dl = np.zeros_like(self.lam[0]) if self.gs is None else self.gs[k].copy()
        lam = self.lam
        if self.spiking and (not detach or self.any_spike[k]):
            s = self.s[k]
            lpp = [l * (1.0 - s) if r else l for l, r in zip(lam, self.dm.resets)]
            for (i_, j), d in self.JR.items():
                lpp[j] = lpp[j] + lam[i_] * s * at(d, k)
            for j in self.LS:
                self.LS[j][k] = lam[j] * s
            if not detach:
                for j, rmx in self.RmX.items():
                    self.dl = self.dl + lam[j] * rmx[k]
        else:
            lpp = lam
        if self.open is not None and not detach:   # the spike also closes the input gate
            self.dl = self.dl - lpp[self.t] * self.U[k] * at(self.open, k)
        self.lpp = lpp

    def synapse_step(self, k):
        d = self.lpp[self.t] * self._at(self.gate, k)
        self.delta[k] = d
        return d

    def update_step(self, k):
        at = self._at
        lpr = self.lpp
        if self.spiking:
            coeff = self.dl * self.SG[k]
            if self.COEFF is not None:
                self.COEFF[k] = coeff
            lpr = list(lpr)
            for j, d in self.DHX.items():
                lpr[j] = lpr[j] + coeff * at(d, k)
        for i_, buf in self.LPR.items():
            buf[k] = lpr[i_]
        new = [None] * len(lpr)
        for (i_, j), d in self.JF.items():
            term = lpr[i_] * at(d, k)
            new[j] = term if new[j] is None else new[j] + term
        self.lam = [np.zeros_like(lpr[0]) if v is None else v for v in new]

    def param_grads(self) -> dict:
        dm, p, shape = self.dm, self.p, self.shape
        out = {k: np.zeros(shape[2]) for k in self.layer.trainable}
        for (i_, name), d in self.JFp.items():
            out[name] += (self.LPR[i_] * d).sum(axis=(0, 1))
        if self.spiking:
            for name, d in self.DHP.items():
                out[name] += (self.COEFF * d).sum(axis=(0, 1))
            for (j, name), d in self.JRp.items():
                out[name] += (self.LS[j] * d).sum(axis=(0, 1))
        lam0 = self.lam
        for key, g in dm.initial_vjp(lam0, p).items():
            out[key] += g.sum(axis=0)
        return out


# ----------------------------------------------------------------------------- spike times
def first_spike_times(spikes: np.ndarray, dt: float, no_spike: float | None = None) -> np.ndarray:
    r"""First-spike times :math:`t = \sum_k t_k s_k \prod_{k'<k}(1-s_{k'}) + t_{\max}\prod_k(1-s_k)`.

    Exact for 0/1 spikes (time of step k is :math:`k\,dt`); neurons that never
    fire get ``no_spike`` (default: the end of the window, :math:`T\,dt`).
    ``spikes`` (B, T, n) -> times (B, n) in seconds.
    """
    s = np.asarray(spikes, dtype=np.float64)
    t_steps = s.shape[1]
    t_max = t_steps * dt if no_spike is None else float(no_spike)
    alive = np.cumprod(np.concatenate([np.ones_like(s[:, :1]), 1.0 - s], axis=1), axis=1)
    times = np.arange(t_steps) * dt
    return (times[None, :, None] * s * alive[:, :-1]).sum(axis=1) + t_max * alive[:, -1]


def first_spike_vjp(spikes: np.ndarray, dt: float, grad_times: np.ndarray,
                    no_spike: float | None = None) -> np.ndarray:
    r"""Gradient of :func:`first_spike_times` with respect to the spikes, for 0/1 spikes.

    Differentiating the product form: :math:`\partial t/\partial s_k = t_k - t_{\text{next}}`
    for :math:`k` up to the first spike (:math:`t_{\text{next}}` is the first spike time
    after step :math:`k`, or :math:`t_{\max}`) and 0 after it: "had the neuron fired at
    step k, its first spike would be at :math:`t_k`".  Returns (B, T, n).
    """
    s = (np.asarray(spikes) > 0).astype(np.float64)
    b, t_steps, n = s.shape
    t_max = t_steps * dt if no_spike is None else float(no_spike)
    times = np.arange(t_steps) * dt
    # time of the first spike strictly after step k (or t_max)
    nxt = np.full((b, n), t_max)
    after = np.empty_like(s)
    for k in range(t_steps - 1, -1, -1):
        after[:, k] = nxt
        nxt = np.where(s[:, k] > 0, times[k], nxt)
    before_first = np.cumsum(s, axis=1) - s == 0      # no spike before step k
    dtds = np.where(before_first, times[None, :, None] - after, 0.0)
    return dtds * np.asarray(grad_times, dtype=np.float64)[:, None, :]
