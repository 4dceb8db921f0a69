r"""Exact spike-time gradients: EventProp and SpikeProp for LIF networks with exponential synapses.

Layer L4, numeric kernels on SI floats (see :mod:`.spike_times` for the model,
:math:`\tau_m\dot u = -u + J`, :math:`\tau_s\dot J = -J`, threshold
:math:`\vartheta`, reset :math:`u_r`; weights :math:`W` are jumps of :math:`J` in volts).
The loss depends on the output first-spike times only.

EventProp (Wunderlich & Pehle 2021): the adjoint :math:`\lambda = (\lambda_u, \lambda_J)`
(the total derivative of the loss with respect to the state) obeys, between events,

.. math:: \dot\lambda_u = \lambda_u/\tau_m, \qquad
          \dot\lambda_J = -\lambda_u/\tau_m + \lambda_J/\tau_s,

integrated backward from :math:`\lambda(T) = 0` in closed form
(:math:`\lambda_u(t-s) = \lambda_u(t)e^{-s/\tau_m}`,
:math:`\lambda_J(t-s) = \lambda_J(t)e^{-s/\tau_s} + \lambda_u(t)\kappa(s)`).  At a spike
of neuron :math:`n` at :math:`t_k` (slopes :math:`\dot u^\mp = (J_n - \vartheta)/\tau_m` and
:math:`(J_n - u_r)/\tau_m` before and after the reset) only :math:`\lambda_{u,n}` jumps:

.. math::

    \lambda_{u,n}^- = \frac{1}{\dot u^-}\Big[\dot u^+\lambda_{u,n}^+
        + \sum_i W_{ni}\Big(\frac{\lambda_{u,i}}{\tau_m^{(i)}}
                            - \frac{\lambda_{J,i}}{\tau_s^{(i)}}\Big)
        - \frac{\partial L}{\partial t_k}\Big],
    \qquad
    \frac{dL}{dW_{ni}} = \sum_{k:\,n(k)=n}\lambda_{J,i}(t_k),

(:math:`i`: the targets of :math:`n`; the term :math:`\dot u^+\lambda^+_{u,n}` vanishes for a
neuron that fires once).  This is the jump condition of the adjoint of a hybrid
system (Galán et al. 1999), derived for the model above; the tests compare it with
central finite differences of the event-driven solution.

SpikeProp (Bohte, Kok & La Poutré 2002) for neurons that fire once: the spike time
:math:`t_j` solves :math:`u_j(t_j) = \sum_i W_{ij}\kappa(t_j - t_i) = \vartheta`, so

.. math:: \frac{\partial t_j}{\partial W_{ij}} = -\frac{\kappa(t_j - t_i)}{\dot u_j(t_j)},\qquad
          \frac{\partial t_j}{\partial t_i} = \frac{W_{ij}\dot\kappa(t_j - t_i)}{\dot u_j(t_j)},

chained from the output back to the inputs (Bohte et al. use a sum of delayed
kernels per connection; here one kernel, the exponential-synapse PSP).  With one
spike per neuron it equals EventProp (tested).

Events are given on bins of width ``dt``: bin :math:`k` is :math:`(k\,dt, (k+1)\,dt]`,
holding at most one spike per neuron (Brian2's steps; the check raises otherwise);
input spikes of bin :math:`k` arrive at :math:`(k+1)\,dt` (Brian2 delivers them after the
state update of step :math:`k`).

References
----------
Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Sci. Rep. 11:12829.
Bohte, S. M., Kok, J. N. & La Poutré, H. (2002). Error-backpropagation in temporally
encoded networks of spiking neurons. Neurocomputing 48:17-37.
Galán, S., Feehery, W. F. & Barton, P. I. (1999). Parametric sensitivity functions for
hybrid discrete/continuous systems. Appl. Numer. Math. 31:17-47.
"""
from __future__ import annotations

import numpy as np

from ..units import second
from .losses import CETemporal
from .spike_times import LIFExpConstants, psp_kernel

__all__ = ["eventprop_gradient", "spikeprop_gradient", "first_spike_times_from",
           "first_spike_loss", "silent_label_penalty", "bin_events"]


def _adjoint_back(lu, lj, s, c: LIFExpConstants):
    """The adjoint *s* seconds earlier, without events (closed form)."""
    return lu * np.exp(-s / c.tau_m), lj * np.exp(-s / c.tau_s) + lu * psp_kernel(s, c)


def first_spike_times_from(times: np.ndarray) -> np.ndarray:
    """First finite time along axis 1 of (B, K, n) event times; NaN for silent neurons."""
    finite = np.isfinite(times)
    first = np.argmax(finite, axis=1)
    out = np.take_along_axis(times, first[:, None, :], axis=1)[:, 0]
    return np.where(finite.any(axis=1), out, np.nan)


def first_spike_loss(first, labels, *, time_scale: float, duration: float,
                     early: float = 0.0, tau_early: float = 0.01):
    r"""First-spike-time cross-entropy and its gradient with respect to the spike times.

    :class:`~neurolab_snn.training.losses.CETemporal` (logits :math:`-t/\tau_0`) plus,
    with *early* :math:`\alpha > 0`, Wunderlich & Pehle's term
    :math:`\frac{\alpha}{B}\sum_b (e^{t_{b,y_b}/\tau_1} - 1)` pulling the correct neuron
    earlier.  A silent neuron (NaN) counts as firing at *duration* in the value;
    its spike time does not depend on the parameters (there is no event to move), so
    its gradient is 0: with no output spike at all the gradient is exactly zero.

    Returns ``(value, dL/dt (B, n) in 1/s, number of silent output neurons)``.
    """
    first = np.asarray(first, dtype=np.float64)
    silent = ~np.isfinite(first)
    t = np.where(silent, duration, first)
    y = np.asarray(labels)
    value, g = CETemporal(time_scale=time_scale * second).value_and_grad(t * second, y)
    if early > 0:
        rows = np.arange(len(y))
        e = np.exp(t[rows, y] / tau_early)
        value += early * float(np.mean(e - 1.0))
        g[rows, y] += early * e / tau_early / len(y)
    return value, np.where(silent, 0.0, g), int(silent.sum())


def silent_label_penalty(first, labels, u_out, pre_times, c: LIFExpConstants, dt: float,
                         strength: float):
    r"""A remedy for a silent correct output neuron, which gets no EventProp gradient.

    For each sample whose label neuron :math:`y_b` never fires, the penalty
    :math:`rac{eta}{B}\,(artheta - u_{y_b}(t^*_b))/artheta` with :math:`t^*_b` the
    time step of its largest potential raises that potential towards threshold.
    Its gradient with respect to the weights onto that neuron (given the
    presynaptic spike times :math:`t_h`; envelope theorem for the maximum) is
    :math:`-rac{eta}{Bartheta}\sum_{t_h < t^*_b}\kappa(t^*_b - t_h)`.

    Parameters
    ----------
    first : (B, n_out) first output spike times (NaN: silent)
    labels : (B,) int
    u_out : (B, T+1, n_out) output potentials :math:`v - E_L` (V) at the step boundaries
    pre_times : (B, K, n_pre) presynaptic spike times (s), NaN where none
    c : constants of the output layer
    dt : float, the step of *u_out* (s)
    strength : float, :math:`eta`

    Returns ``(value, dL/dW (n_pre, n_out) in 1/V)``.
    """
    first, y = np.asarray(first), np.asarray(labels)
    b = len(y)
    grad = np.zeros((pre_times.shape[2], first.shape[1]))
    rows = np.nonzero(~np.isfinite(first[np.arange(b), y]))[0]
    if strength <= 0 or not len(rows):
        return 0.0, grad
    u = u_out[rows, :, y[rows]]                                   # (R, T+1)
    k = np.argmax(u, axis=1)
    u_max = u[np.arange(len(rows)), k]
    t_peak = k * dt
    with np.errstate(invalid="ignore"):
        d = t_peak[:, None, None] - pre_times[rows]               # (R, K, n_pre)
        valid = d > 0
    contrib = np.where(valid, psp_kernel(np.where(valid, d, 0.0), c), 0.0).sum(axis=1)
    np.add.at(grad.T, y[rows], -strength / (b * c.theta) * contrib)
    return float(strength / b * np.sum((c.theta - u_max) / c.theta)), grad


def bin_events(times_per_neuron, n_bins: int, dt: float) -> np.ndarray:
    """(K, n) array of event times from lists of spike times per neuron (bin k: (k dt, (k+1) dt]).

    Raises a ValueError if a neuron has two events in one bin (choose a smaller *dt*).
    """
    out = np.full((n_bins, len(times_per_neuron)), np.nan)
    for n, ts in enumerate(times_per_neuron):
        for t in np.atleast_1d(ts):
            k = int(np.ceil(t / dt)) - 1
            k = min(max(k, 0), n_bins - 1)
            if np.isfinite(out[k, n]):
                raise ValueError(f"neuron {n} has two events in bin {k} (dt={dt:g} s); "
                                 "expected at most one: use a smaller dt")
            out[k, n] = t
    return out


def eventprop_gradient(weights, consts, inputs, times, currents, grad_first, dt: float, *,
                       min_slope: float = 0.0) -> list[np.ndarray]:
    """EventProp: exact gradient of a first-spike-time loss with respect to the weights.

    Parameters
    ----------
    weights : list of arrays (n_prev, n)
        Jumps of :math:`J` (V), input layer first.
    consts : list of LIFExpConstants
    inputs : array (B, K, n_in)
        0/1 input spikes of each bin (arriving at the top of the bin).
    times, currents : lists (layers) of arrays (B, K, n)
        Spike time (s) in each bin (NaN: none) and :math:`J` (V) at it.
    grad_first : array (B, n_out)
        :math:`\\partial L/\\partial t` of each output neuron's first spike (1/s).
    dt : float
        Bin width (s).
    min_slope : float
        Floor of :math:`\\dot u^-` (V/s) in the jump (0: the exact value; a grazing
        crossing makes the jump, and the gradient, arbitrarily large).

    Returns
    -------
    list of arrays (n_prev, n): dL/dW (1/V) per layer.
    """
    n_layers = len(weights)
    x = np.asarray(inputs, dtype=np.float64)
    b, n_bins = x.shape[:2]
    grads = [np.zeros_like(np.asarray(w, dtype=np.float64)) for w in weights]
    post = None                      # the stored adjoint of the layer above
    for l in range(n_layers - 1, -1, -1):
        c, n = consts[l], weights[l].shape[1]
        tl, jl = np.asarray(times[l]), np.asarray(currents[l])
        if tl.shape != (b, n_bins, n):
            raise ValueError(f"times[{l}] has shape {tl.shape}; expected {(b, n_bins, n)}")
        lu, lj = np.zeros((b, n)), np.zeros((b, n))
        store = {"top_u": np.empty((n_bins, b, n)), "top_j": np.empty((n_bins, b, n)),
                 "ev_u": np.zeros((n_bins, b, n)), "ev_j": np.zeros((n_bins, b, n)),
                 "times": np.swapaxes(tl, 0, 1), "consts": c}
        first_bin = np.where(np.isfinite(tl).any(axis=1), np.argmax(np.isfinite(tl), axis=1), -1)
        for k in range(n_bins - 1, -1, -1):
            top = (k + 1) * dt
            store["top_u"][k], store["top_j"][k] = lu, lj
            if l == 0 and x[:, k].any():
                grads[0] += x[:, k].T @ lj            # inputs arrive at the top of the bin
            bi, ni = np.nonzero(np.isfinite(tl[:, k]))
            new_u, new_j = _adjoint_back(lu, lj, dt, c)
            if len(bi):
                s = tl[bi, k, ni]
                pu, pj = _adjoint_back(lu[bi, ni], lj[bi, ni], top - s, c)   # lambda^+ at s
                src = np.zeros(len(bi))
                if post is not None:
                    qu, qj = _post_adjoint_at(post, k, bi, s, top)
                    w = weights[l + 1][ni]
                    src = np.sum(w * (qu / post["consts"].tau_m - qj / post["consts"].tau_s),
                                 axis=1)
                    np.add.at(grads[l + 1], ni, qj)
                lt = np.zeros(len(bi))
                if l == n_layers - 1:
                    lt = np.where(first_bin[bi, ni] == k, grad_first[bi, ni], 0.0)
                j_n = jl[bi, k, ni]
                slope = np.maximum((j_n - c.theta) / c.tau_m, max(min_slope, 1e-300))
                keep = 0.0 if c.single_spike else pu * (j_n - c.u_reset) / c.tau_m
                mu = (keep + src - lt) / slope
                store["ev_u"][k][bi, ni], store["ev_j"][k][bi, ni] = mu, pj
                new_u[bi, ni], new_j[bi, ni] = _adjoint_back(mu, pj, s - k * dt, c)
            lu, lj = new_u, new_j
        post = store
    return grads


def _post_adjoint_at(post, k, bi, s, top):
    """Adjoint of the layer above at times *s* in bin *k* for samples *bi*: (len(s), n_post)."""
    c = post["consts"]
    sp = post["times"][k][bi]                                  # (m, n_post)
    later = np.isfinite(sp) & (sp > s[:, None])                # a post event between s and top
    fu, fj = _adjoint_back(post["top_u"][k][bi], post["top_j"][k][bi], (top - s)[:, None], c)
    eu, ej = _adjoint_back(post["ev_u"][k][bi], post["ev_j"][k][bi],
                           np.where(later, sp - s[:, None], 0.0), c)
    return np.where(later, eu, fu), np.where(later, ej, fj)


def spikeprop_gradient(weights, consts, input_times, first_times, grad_first, *,
                       min_slope: float = 0.0) -> list[np.ndarray]:
    """SpikeProp: gradient of a first-spike-time loss for neurons that fire at most once.

    Parameters
    ----------
    weights : list of arrays (n_prev, n), volts
    consts : list of LIFExpConstants
    input_times : array (B, n_in)
        Spike time (s) of each input (NaN: silent).
    first_times : list of arrays (B, n)
        Spike time (s) of each neuron per layer (NaN: silent).
    grad_first : array (B, n_out)
        :math:`\\partial L/\\partial t` of the output spikes (1/s).
    min_slope : float
        Floor of :math:`\\dot u(t_j)` (V/s), as in :func:`eventprop_gradient`.

    Returns
    -------
    list of arrays (n_prev, n): dL/dW (1/V) per layer.
    """
    grads = [None] * len(weights)
    delta = np.where(np.isfinite(first_times[-1]), grad_first, 0.0)
    for l in range(len(weights) - 1, -1, -1):
        c, w = consts[l], np.asarray(weights[l], dtype=np.float64)
        pre = np.asarray(input_times if l == 0 else first_times[l - 1], dtype=np.float64)
        t_l = np.asarray(first_times[l], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            d = t_l[:, None, :] - pre[:, :, None]                  # (B, n_pre, n)
            valid = d > 0
        d = np.where(valid, d, 0.0)
        j = np.einsum("bin,in->bn", np.where(valid, np.exp(-d / c.tau_s), 0.0), w)
        slope = np.maximum((j - c.theta) / c.tau_m, max(min_slope, 1e-300))
        fired = np.isfinite(t_l)
        delta = np.where(fired, delta, 0.0) / np.where(fired, slope, 1.0)   # dL/dt / u'
        grads[l] = -np.einsum("bin,bn->in", np.where(valid, psp_kernel(d, c), 0.0), delta)
        if l > 0:
            dk = np.where(valid, psp_kernel(d, c, derivative=True), 0.0)
            delta = np.einsum("bin,in,bn->bi", dk, w, delta)
    return grads
