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
from .kernels import compiled_adjoint, covers

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
             smooth: bool = False, compiled: bool = False) -> dict[str, np.ndarray]:
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
    compiled : bool
        Run the recursion of every layer that :func:`.kernels.covers` as compiled
        code (:mod:`~neurolab_snn.training.kernels`; needs a C++ compiler, like
        Brian2's Cython runtime); the other layers use the numpy recursion.

    Returns
    -------
    dict
        Same keys and shapes as *params*.

    Notes
    -----
    Layer :math:`l` feels the layers above it only through
    :math:`\delta^{l+1}_k W_{l+1}^T` of the same step, so the layers are solved
    one after the other from the output down, each over all steps, and that
    term is one matrix product over all steps.
    """
    layers = net.spec.layers
    x_tm = _tm(trace.inputs)
    sp = [_tm(trace.spikes[layer.name]) for layer in layers]          # (T, B, n)
    grads = {}
    above = None           # (delta (T, B, n_above), W_above (n, n_above)) of the layer above
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        src = x_tm if i == 0 else sp[i - 1]
        W = params[f"{layer.name}.W"]
        R = params.get(f"{layer.name}.R") if layer.recurrent else None
        lay = _Layer(net, i, trace, net.layer_params(params, i), src, sp[i], W, R,
                     grad_spikes, grad_states)
        if compiled and covers(layer, net.discrete[i], recurrent=R is not None,
                               n_ref=net.n_ref[i], detach=net.spec.detach_reset,
                               surrogate=net.spec.surrogate):
            lay.solve_compiled(above)          # forms delta_above W_above^T on the fly
        else:
            ext = None if above is None else \
                (above[0].reshape(-1, above[1].shape[1]) @ above[1].T).reshape(sp[i].shape)
            lay.solve(ext, net.spec.detach_reset)
        d2 = lay.delta.reshape(-1, layer.n)
        grads[f"{layer.name}.W"] = src.reshape(-1, src.shape[2]).T @ d2
        if R is not None:
            grads[f"{layer.name}.R"] = sp[i].reshape(-1, layer.n).T @ d2
        grads.update({f"{layer.name}.{k}": g for k, g in lay.param_grads().items()})
        above = (lay.delta, W)
    del smooth  # the same formulas hold; the flag documents the exact case
    return {key: grads[key] for key in net.parameter_names()}


def _at(a, k):
    return a[k] if np.ndim(a) == 3 else a


def _is_one(a) -> bool:
    return np.ndim(a) == 0 and float(a) == 1.0


#: Elements per array in one block of steps: the forward quantities of a block
#: are computed together and stay in the CPU cache while the recursion uses them.
_BLOCK_ELEMENTS = 1 << 15


class _Layer:
    """Backward pass of one layer: the adjoint recursion step by step (:meth:`solve`), with
    the forward quantities it needs evaluated over blocks of steps (:meth:`_block`)."""

    def __init__(self, net, i, trace, p, src, spikes, W, R, grad_spikes, grad_states):
        layer, dm = net.spec.layers[i], net.discrete[i]
        self.layer, self.dm, self.p, self.src, self.W, self.R = layer, dm, p, src, W, R
        t_steps, b = spikes.shape[:2]
        self.shape = (t_steps, b, layer.n)
        self.t = net.target_index[i]
        self.spiking, self.gated = layer.spiking, net.gated[i]
        self.scale, self.surrogate = net.scales[i], net.spec.surrogate
        self.X = [_tm(trace.states[layer.name][v])[:t_steps] for v in dm.states]
        self.s = spikes
        self.refr = _tm(refractory_mask(np.swapaxes(spikes, 0, 1), net.n_ref[i])) \
            if net.n_ref[i] > 1 else None
        self.gs = None if not grad_spikes or layer.name not in grad_spikes \
            else _tm(grad_spikes[layer.name])
        self.gx = {} if not grad_states or layer.name not in grad_states \
            else {dm.states.index(v): _tm(g) for v, g in grad_states[layer.name].items()}
        self.delta = np.empty(self.shape)
        self.grads = {k: np.zeros(layer.n) for k in layer.trainable}

    def _block(self, a, z, detach) -> dict:
        """Forward quantities of steps ``a .. z-1``: arrays (z-a, B, n) or broadcastable."""
        dm, p = self.dm, self.p
        X = [x[a:z] for x in self.X]
        refr = None if self.refr is None else self.refr[a:z]
        s = self.s[a:z]
        XP = dm.update(X, p, refr)
        q = {"s": s, "open": None, "gate": 1.0, "U": None, "keep": None, "fired": None}
        if self.spiking:
            q["keep"] = 1.0 - s                 # 1 where no reset happened
            # which steps have a spike at all (spikes are >= 0: 0/1 or the smooth step)
            q["fired"] = s.reshape(z - a, -1).max(axis=1) > 0
        if self.gated:
            q["open"] = 1.0 if refr is None else np.where(refr, 0.0, 1.0)
            q["gate"] = q["keep"] if refr is None and self.spiking else q["open"] * (1.0 - s)
        q["JF"], q["JFp"] = dm.update_jacobian(X, p, refr)
        if self.spiking:
            sg = self.surrogate.grad_scaled(dm.threshold(XP, p), self.scale)
            q["SG"] = sg if refr is None else np.where(refr, 0.0, sg)
            q["DHX"], q["DHP"] = dm.threshold_jacobian(XP, p)
            XPP = XP                # x'' (after the synaptic input) where it matters
            if not detach or dm.reset_jacobian_uses_state:
                shape = s.shape
                U = (self.src[a:z].reshape(-1, self.src.shape[2]) @ self.W).reshape(shape)
                if self.R is not None:
                    U = U + (s.reshape(-1, shape[2]) @ self.R).reshape(shape)
                q["U"] = U
                XPP = list(XP)
                XPP[self.t] = XPP[self.t] + U * q["gate"]
            q["JR"], q["JRp"] = dm.reset_jacobian(XPP, p)
            q["RmX"] = {} if detach else \
                {j: r - x for j, (r, x, rs) in enumerate(zip(dm.reset(XPP, p), XPP, dm.resets))
                 if rs}
        return q

    def solve(self, ext, detach) -> None:
        """The adjoint recursion from step T-1 down to 0, given ``ext`` (T, B, n), the
        gradient reaching this layer's spikes through the layer above (or None)."""
        dm, (t_steps, b, n) = self.dm, self.shape
        lam = [np.zeros((b, n)) for _ in dm.states]
        # dL/ds not depending on this layer's adjoint: the spike loss, then the layer above
        dl0 = self.gs if ext is None else ext if self.gs is None else self.gs + ext
        own = self.R is not None or (self.spiking and not detach)
        steps = max(1, _BLOCK_ELEMENTS // (b * n))
        for a in range(((t_steps - 1) // steps) * steps, -1, -steps):
            z = min(a + steps, t_steps)
            q = self._block(a, z, detach)
            lam = self._recursion(q, a, z, lam, dl0, ext, own, detach)
        self.lam = lam

    def solve_compiled(self, above) -> None:
        """:meth:`solve` by the compiled kernel (a layer that :func:`.kernels.covers`);
        *above*: ``(delta, W)`` of the layer above, or None."""
        delta, lam, grads = compiled_adjoint(
            self.dm, gated=self.gated, spiking=self.spiking, X=self.X, s=self.s, dl=self.gs,
            above=above, gx=self.gx, params=self.p, n=self.layer.n, scale=self.scale,
            surrogate=self.surrogate)
        self.delta = delta.reshape(self.shape)
        self.lam = [x.reshape(self.shape[1:]) for x in lam]
        for name, g in grads.items():
            self.grads[name] += g

    def _recursion(self, q, a, z, lam, dl0, ext, own, detach):
        r"""Steps ``z-1 .. a`` of the recursion (block quantities *q*); accumulates the
        parameter gradients; returns :math:`\lambda_a`."""
        dm, t = self.dm, self.t
        shape = (z - a,) + self.shape[1:]
        coeff_all = None
        if self.spiking and not own and dl0 is not None:   # SG is not needed after this
            coeff_all = np.multiply(dl0[a:z], q["SG"], out=q["SG"] if q["SG"].flags.writeable
                                    and q["SG"].base is None else None)
        keep_coeff = self.spiking and q["DHP"]
        COEFF = coeff_all if coeff_all is not None else \
            np.zeros(shape) if keep_coeff else None
        LPR = {i_: np.empty(shape) for i_ in {i_ for (i_, _) in q["JFp"]}}
        LS = {j: np.zeros(shape) for j in {j for (j, _) in q.get("JRp", {})}}
        gate_one = _is_one(q["gate"])
        for k in range(z - 1, a - 1, -1):
            kk = k - a
            for j, g in self.gx.items():
                lam[j] = lam[j] + g[k]
            # resets
            lpp = lam
            s = q["s"][kk]
            if self.spiking and (not detach or q["fired"][kk]):
                keep = q["keep"][kk]
                lpp = [l * keep if r else l for l, r in zip(lam, dm.resets)]
                for (i_, j), d in q["JR"].items():
                    lpp[j] = lpp[j] + lam[i_] * s * _at(d, kk)
                for j, buf in LS.items():
                    np.multiply(lam[j], s, out=buf[kk])
            # synapses
            if gate_one:
                self.delta[k] = lpp[t]
            else:
                np.multiply(lpp[t], _at(q["gate"], kk), out=self.delta[k])
            # thresholds: the coefficient of the surrogate term
            coeff = None
            if coeff_all is not None:
                coeff = coeff_all[kk]
            elif self.spiking and own:
                dl = None if self.gs is None else self.gs[k]
                for j, rmx in q["RmX"].items():
                    dl = lam[j] * rmx[kk] if dl is None else dl + lam[j] * rmx[kk]
                if q["open"] is not None and not detach:
                    term = lpp[t] * q["U"][kk] * _at(q["open"], kk)
                    dl = -term if dl is None else dl - term
                if self.R is not None:
                    rec = self.delta[k] @ self.R.T
                    dl = rec if dl is None else dl + rec
                if ext is not None:
                    dl = ext[k] if dl is None else dl + ext[k]
                if dl is not None:
                    coeff = dl * q["SG"][kk]
                    if COEFF is not None:
                        COEFF[kk] = coeff
            lpr = lpp
            if coeff is not None:
                lpr = list(lpp)
                for j, d in q["DHX"].items():
                    lpr[j] = lpr[j] + (coeff if _is_one(d) else coeff * _at(d, kk))
            for i_, buf in LPR.items():
                buf[kk] = lpr[i_]
            # groups: lambda_k = lpr dF/dx
            new = [None] * len(lam)
            for (i_, j), d in q["JF"].items():
                term = lpr[i_] * _at(d, kk)
                new[j] = term if new[j] is None else new[j] + term
            lam = [np.zeros(self.shape[1:]) if v is None else v for v in new]
        # parameter gradients of the block
        for (i_, name), d in q["JFp"].items():
            self.grads[name] += (LPR[i_] * d).sum(axis=(0, 1))
        if self.spiking:
            for name, d in q["DHP"].items():
                self.grads[name] += (COEFF * d).sum(axis=(0, 1))
            for (j, name), d in q["JRp"].items():
                self.grads[name] += (LS[j] * d).sum(axis=(0, 1))
        return lam

    def param_grads(self) -> dict:
        out = {k: g.copy() for k, g in self.grads.items()}
        for key, g in self.dm.initial_vjp(self.lam, self.p).items():
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
