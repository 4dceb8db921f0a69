r"""Exact spike times of LIF neurons with exponential synaptic currents (layer L4, numeric kernels).

The model is :func:`~neurolab_snn.models.LIF` with ``synapse='exponential'``
(Wunderlich & Pehle 2021; NEST ``iaf_psc_exp``).  In the shifted variables
:math:`u = v - E_L` and :math:`J = R_m I_{syn}` (both volts)

.. math::

    \tau_m \dot u = -u + J, \qquad \tau_s \dot J = -J, \qquad
    u \ge \vartheta = V_{th} - E_L \;\Rightarrow\; \text{spike},\ u \to u_r = V_{reset} - E_L,

and a presynaptic spike adds its weight (volts: :math:`R_m w`) to :math:`J`.
Between events the solution is closed-form,

.. math::

    u(t) = u_0 e^{-t/\tau_m} + J_0\,\kappa(t), \qquad J(t) = J_0 e^{-t/\tau_s},\qquad
    \kappa(t) = \frac{\tau_s}{\tau_m - \tau_s}\big(e^{-t/\tau_m} - e^{-t/\tau_s}\big),

a sum of two exponentials with at most one extremum, so the first threshold
crossing in an interval is bracketed in closed form and found by bisection to
the last bit (:func:`crossing_time`).

Two uses:

* :func:`refine_spike_times`: the spike times of a Brian2 run.  Brian2 tests
  the threshold after integrating step :math:`k` exactly from the exported
  state :math:`x_k` (time :math:`k\,dt`) to :math:`(k+1)\,dt`; a spike of step
  :math:`k` is the crossing of the closed-form solution from :math:`x_k`
  inside :math:`(k\,dt, (k+1)\,dt]`.  Brian2 itself applies the reset and
  delivers the spike (and the input spikes of step :math:`k`) at
  :math:`(k+1)\,dt`: its trajectory differs from the event-driven one by
  :math:`O(dt)` after the first spike of a layer.
* :func:`simulate_events`: the event-driven solution of a feed-forward network
  (the numeric twin that the gradient is checked against; spikes act at their
  exact times).

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute
exact gradients for spiking neural networks. Sci. Rep. 11:12829.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.base import NeuronModel
from ..units import to_si

__all__ = ["LIFExpConstants", "psp_kernel", "propagate", "crossing_time", "refine_spike_times",
           "simulate_events"]

_BISECTIONS = 64        # the bracket shrinks 2**64-fold: below one ulp of any spike time


@dataclass(frozen=True)
class LIFExpConstants:
    """SI constants of one layer of LIF neurons with exponential synapses.

    ``theta = V_th - E_L`` and ``u_reset = V_reset - E_L`` (V); ``r_m`` (ohm) turns
    weights in amps into jumps of :math:`J` in volts; ``single_spike``: the
    neuron fires at most once (``t_ref`` covers the whole window; SpikeProp's setting).
    """

    tau_m: float
    tau_s: float
    theta: float
    u_reset: float
    r_m: float
    e_l: float
    single_spike: bool = False

    @classmethod
    def from_model(cls, model: NeuronModel, duration: float) -> "LIFExpConstants":
        """Constants of *model* (an ``LIF(synapse='exponential')``) for a window of *duration* s.

        ``t_ref`` must be 0 (any number of spikes) or at least *duration*
        (one spike per neuron); anything in between raises.
        """
        if model.name != "LIF" or model.options.get("synapse") != "exponential":
            raise ValueError(f"model {model.name!r} (synapse={model.options.get('synapse')!r}): "
                             "exact spike-time gradients need LIF(synapse='exponential')")
        p = {k: float(to_si(v)) for k, v in model.parameters.items()}
        t_ref = p.get("t_ref", 0.0)
        if 0.0 < t_ref < duration:
            raise ValueError(f"model parameter t_ref={t_ref * 1e3:g} ms; expected 0 ms (EventProp) "
                             f"or >= the window {duration * 1e3:g} ms (one spike per neuron)")
        return cls(tau_m=p["tau_m"], tau_s=p["tau_syn"], theta=p["V_th"] - p["E_L"],
                   u_reset=p["V_reset"] - p["E_L"], r_m=p["R_m"], e_l=p["E_L"],
                   single_spike=t_ref > 0.0)


def psp_kernel(t, c: LIFExpConstants, derivative: bool = False) -> np.ndarray:
    r""":math:`\kappa(t)` (or :math:`\dot\kappa(t)`): the potential at time *t* >= 0 (s) after a
    unit jump of :math:`J` at 0, from rest."""
    t = np.asarray(t, dtype=np.float64)
    a, b = np.exp(-t / c.tau_m), np.exp(-t / c.tau_s)
    f = c.tau_s / (c.tau_m - c.tau_s)
    if derivative:
        return f * (b / c.tau_s - a / c.tau_m)
    return f * (a - b)


def propagate(u, j, t, c: LIFExpConstants) -> tuple[np.ndarray, np.ndarray]:
    """State ``(u, J)`` after *t* s without events, from ``(u, J)`` (volts)."""
    u, j = np.asarray(u, dtype=np.float64), np.asarray(j, dtype=np.float64)
    return u * np.exp(-t / c.tau_m) + j * psp_kernel(t, c), j * np.exp(-t / c.tau_s)


def crossing_time(u0, j0, limit, c: LIFExpConstants) -> np.ndarray:
    r"""First time in :math:`(0, \text{limit}]` at which :math:`u` reaches :math:`\vartheta`
    from ``(u0, j0)`` (``u0 < theta``), else NaN.  Elementwise over broadcast arrays.

    :math:`u = A e^{-t/\tau_m} + B e^{-t/\tau_s}` has one critical point
    :math:`t_c = \ln\!\big(-B\tau_m/(A\tau_s)\big)/(1/\tau_s - 1/\tau_m)` if any; the first
    crossing lies in :math:`[0, t_c]` when :math:`u(t_c) \ge \vartheta`, else in
    :math:`[t_c, \text{limit}]` when :math:`u(\text{limit}) \ge \vartheta`, where :math:`u` is
    monotonic; bisection then converges to the last bit.
    """
    u0, j0, limit = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                          for v in (u0, j0, limit)))
    f = c.tau_s / (c.tau_m - c.tau_s)
    a, b = u0 + f * j0, -f * j0
    with np.errstate(divide="ignore", invalid="ignore"):
        tc = np.log(-b * c.tau_m / (a * c.tau_s)) / (1.0 / c.tau_s - 1.0 / c.tau_m)
    inside = np.isfinite(tc) & (tc > 0) & (tc < limit)
    tc = np.where(inside, tc, limit)
    u_c = propagate(u0, j0, tc, c)[0]
    u_end = propagate(u0, j0, limit, c)[0]
    first = u_c >= c.theta                  # crossing before the critical point (or limit)
    second = ~first & inside & (u_end >= c.theta)
    lo = np.where(first, 0.0, tc)
    hi = np.where(first, tc, limit)
    found = (first | second) & (u0 < c.theta)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        above = propagate(u0, j0, mid, c)[0] >= c.theta
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.where(found, hi, np.nan)


def refine_spike_times(spikes, v, i_syn, dt: float, c: LIFExpConstants
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Exact threshold-crossing times of the spikes of a Brian2 run, from its exported states.

    Parameters
    ----------
    spikes : array (B, T, n)
        0/1 spikes of each step (``Trace.spikes``).
    v, i_syn : arrays (B, T+1, n)
        The states at the start of each step (``Trace.states[layer]['v' / 'I_syn']``), SI.
    dt : float
        Time step (s).

    Returns
    -------
    times : array (B, T, n)
        Crossing time (s) of the spike of step k, in ``(k dt, (k+1) dt]``; NaN without a spike.
    j_at : array (B, T, n)
        :math:`J` (V) at that time.  Where rounding leaves the closed form just below
        threshold at the step end, the crossing is put at the step end.
    """
    s = np.asarray(spikes) > 0
    b, k, n = np.nonzero(s)
    u0 = v[b, k, n] - c.e_l
    j0 = c.r_m * i_syn[b, k, n]
    delta = crossing_time(u0, j0, dt, c)
    delta = np.where(np.isnan(delta), dt, delta)
    times = np.full(s.shape, np.nan)
    j_at = np.full(s.shape, np.nan)
    times[b, k, n] = k * dt + delta
    j_at[b, k, n] = j0 * np.exp(-delta / c.tau_s)
    return times, j_at


def simulate_events(weights, input_times, duration: float, consts
                    ) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]]:
    """Event-driven solution of a feed-forward network for one sample.

    Parameters
    ----------
    weights : list of arrays (n_prev, n), volts
        Jumps of :math:`J` (``R_m`` times the weights in amps), input layer first.
    input_times : list of arrays
        Spike times (s) of each input neuron (any number each).
    duration : float
        Window (s).
    consts : list of LIFExpConstants
        One per layer.

    Returns
    -------
    spikes : list (layers) of lists (neurons) of arrays of spike times (s), ascending.
    currents : the same layout: :math:`J` (V) of the neuron at each of its spikes.
    """
    n_layers = len(weights)
    u = [np.zeros(w.shape[1]) for w in weights]
    j = [np.zeros(w.shape[1]) for w in weights]
    alive = [np.ones(w.shape[1], dtype=bool) for w in weights]
    out = [[[] for _ in range(w.shape[1])] for w in weights]
    out_j = [[[] for _ in range(w.shape[1])] for w in weights]
    events = sorted((float(t), i) for i, ts in enumerate(input_times) for t in np.atleast_1d(ts))
    t, e = 0.0, 0
    while True:
        t_next = events[e][0] if e < len(events) else duration
        # earliest threshold crossing of any neuron before the next input
        best, who = np.inf, None
        for layer, c in enumerate(consts):
            tc = crossing_time(u[layer], j[layer], max(t_next - t, 0.0), c)
            tc = np.where(alive[layer], tc, np.nan)
            if np.any(np.isfinite(tc)):
                m = int(np.nanargmin(tc))
                if tc[m] < best:
                    best, who = float(tc[m]), (layer, m)
        if who is not None:
            step = best
        elif t_next >= duration and e >= len(events):
            break
        else:
            step = t_next - t
        for layer, c in enumerate(consts):
            u[layer], j[layer] = propagate(u[layer], j[layer], step, c)
        t += step
        if who is not None:
            layer, m = who
            out[layer][m].append(t)
            out_j[layer][m].append(float(j[layer][m]))
            u[layer][m] = consts[layer].u_reset
            if consts[layer].single_spike:
                alive[layer][m] = False
            if layer + 1 < n_layers:
                j[layer + 1] += weights[layer + 1][m]
            continue
        if e >= len(events):
            break
        j[0] += weights[0][events[e][1]]
        e += 1
    return ([[np.asarray(ts) for ts in layer] for layer in out],
            [[np.asarray(js) for js in layer] for layer in out_j])
