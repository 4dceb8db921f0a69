"""Gradient check of EventProp / SpikeProp on the event-driven solution (layer L4).

:func:`twin_loss_and_gradient` runs the event-driven network
(:func:`~neurolab_snn.training.spike_times.simulate_events`), bins its events
and returns the first-spike-time loss with its EventProp (or SpikeProp)
gradient; :func:`finite_difference_gradient` differentiates the same loss by
central differences, weight by weight.  Used by the gallery panel
``eventprop_gradients``; the tests carry their own finite differences.
"""
from __future__ import annotations

import numpy as np

from .eventprop import (bin_events, eventprop_gradient, first_spike_loss,
                        first_spike_times_from, spikeprop_gradient)
from .spike_times import simulate_events

__all__ = ["binned_events", "twin_loss_and_gradient", "finite_difference_gradient"]


def binned_events(weights, input_times, consts, duration: float, dt_bin: float):
    """Event-driven run of every sample, binned for :func:`eventprop_gradient`.

    *input_times*: (B, n_in) spike times (s), one per input, on bin tops
    (multiples of *dt_bin*).  Returns ``(inputs (B, K, n_in), times, currents)``,
    the last two lists of (B, K, n) per layer.
    """
    t_in = np.asarray(input_times, dtype=np.float64)
    n_bins = int(round(duration / dt_bin))
    k_in = np.rint(t_in / dt_bin).astype(int) - 1
    if np.any(np.abs((k_in + 1) * dt_bin - t_in) > 1e-12 * duration) or np.any(k_in < 0):
        raise ValueError(f"input_times must be positive multiples of dt_bin={dt_bin:g} s")
    sizes = [w.shape[1] for w in weights]
    times = [np.full((len(t_in), n_bins, n), np.nan) for n in sizes]
    currents = [np.full_like(t, np.nan) for t in times]
    x = np.zeros((len(t_in), n_bins, t_in.shape[1]))
    for b, row in enumerate(t_in):
        x[b, k_in[b], np.arange(len(row))] = 1.0
        spikes, js = simulate_events(weights, list(row), duration, consts)
        for layer in range(len(weights)):
            times[layer][b] = bin_events(spikes[layer], n_bins, dt_bin)
            for n, (ts, jj) in enumerate(zip(spikes[layer], js[layer])):
                currents[layer][b, np.ceil(ts / dt_bin).astype(int) - 1, n] = jj
    return x, times, currents


def twin_loss_and_gradient(weights, input_times, labels, consts, duration: float,
                           dt_bin: float, time_scale: float, rule: str = "eventprop"):
    """First-spike cross-entropy of the event-driven network and its exact gradient.

    Returns ``(loss, [dL/dW per layer] (1/V), number of silent outputs)``.
    """
    x, times, currents = binned_events(weights, input_times, consts, duration, dt_bin)
    first = first_spike_times_from(times[-1])
    value, g_t, silent = first_spike_loss(first, labels, time_scale=time_scale,
                                          duration=duration)
    if rule == "eventprop":
        grads = eventprop_gradient(weights, consts, x, times, currents, g_t, dt_bin)
    elif rule == "spikeprop":
        grads = spikeprop_gradient(weights, consts, np.asarray(input_times, dtype=np.float64),
                                   [first_spike_times_from(t) for t in times], g_t)
    else:
        raise ValueError(f"rule={rule!r}; expected 'eventprop' or 'spikeprop'")
    return value, grads, silent


def finite_difference_gradient(weights, input_times, labels, consts, duration: float,
                               dt_bin: float, time_scale: float, h: float = 1e-7):
    """Central differences of the same loss, every weight (step *h* volts)."""
    def loss(ws):
        _, times, _ = binned_events(ws, input_times, consts, duration, dt_bin)
        first = first_spike_times_from(times[-1])
        return first_spike_loss(first, labels, time_scale=time_scale, duration=duration)[0]
    out = []
    for layer, w in enumerate(weights):
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            plus = [v.copy() for v in weights]
            minus = [v.copy() for v in weights]
            plus[layer][idx] += h
            minus[layer][idx] -= h
            g[idx] = (loss(plus) - loss(minus)) / (2 * h)
        out.append(g)
    return out
