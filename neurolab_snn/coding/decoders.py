r"""Decoders: read values and classes out of spike arrays ``(..., time, neuron)``.

* rate read-outs: :func:`spike_count`, :func:`firing_rate`, the predicted class
  :func:`argmax_count` and its :func:`softmax_confidence` (snnTorch
  ``accuracy_rate`` semantics: the class whose neuron fires most);
* latency read-outs: :func:`first_spike_times` with a value for "no spike",
  and the class that fires first, :func:`argmin_latency`;
* :func:`population_vector` (Georgopoulos et al. 1986): the spike-count
  weighted mean of the neurons' preferred values, on a line or a circle.

Ties go to the lowest neuron index (``numpy.argmax`` convention).
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import Hz, Quantity, check_quantity, second, to_si

from ._checks import check_float, spike_array, time_si

__all__ = ["spike_count", "firing_rate", "argmax_count", "softmax_confidence",
           "first_spike_times", "argmin_latency", "population_vector"]


def spike_count(spikes) -> np.ndarray:
    """Spike count per neuron, :math:`n_i = \\sum_t s_{ti}`; shape ``(..., n)``."""
    return spike_array("spikes", spikes).sum(axis=-2)


def firing_rate(spikes, dt) -> Quantity:
    r"""Mean firing rate per neuron, :math:`r_i = n_i / (T\,\Delta t)`, in Hz; shape ``(..., n)``."""
    s = spike_array("spikes", spikes)
    dt_si = time_si("dt", dt, positive=True)
    return s.sum(axis=-2) / (s.shape[-2] * dt_si) * Hz


def argmax_count(spikes) -> np.ndarray:
    """Predicted class: the neuron (last axis) with the most spikes; shape ``(...)``."""
    return np.argmax(spike_count(spikes), axis=-1)


def softmax_confidence(spikes, *, temperature: float = 1.0) -> np.ndarray:
    r"""Class probabilities from spike counts, :math:`p_c = e^{n_c/T_s} / \sum_k e^{n_k/T_s}`.

    The softmax of the counts is what :class:`~neurolab_snn.training.losses.CECount`
    scores; ``temperature`` :math:`T_s > 0` (in spikes) flattens it.

    Returns
    -------
    ndarray, shape (..., n_classes)
        Rows sum to 1.
    """
    temperature = check_float("temperature", temperature, lo=0.0, lo_open=True)
    z = spike_count(spikes) / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def first_spike_times(spikes, dt, *, no_spike=np.inf * second) -> Quantity:
    r"""Time of each neuron's first spike, :math:`t_i = \Delta t \min\{k : s_{ki} > 0\}`.

    Parameters
    ----------
    spikes : array, shape (..., T, n)
    dt : Quantity
    no_spike : Quantity
        Value for neurons that never fire: ``inf`` by default; snnTorch's
        temporal losses use a "shadow spike" at the last step, ``(T - 1) * dt``.

    Returns
    -------
    Quantity, shape (..., n)
    """
    s = spike_array("spikes", spikes, signed=True) > 0
    dt_si = time_si("dt", dt, positive=True)
    fill = check_quantity("no_spike", no_spike, second, finite=False)
    if np.ndim(fill) != 0 or np.isnan(float(to_si(fill))):
        raise ValueError(f"parameter 'no_spike': got {no_spike!r}; expected a scalar time "
                         f"(inf allowed)")
    first = np.argmax(s, axis=-2) * dt_si
    return np.where(s.any(axis=-2), first, float(to_si(fill))) * second


def argmin_latency(spikes) -> np.ndarray:
    """Predicted class: the neuron that fires first; ``-1`` where none fires; shape ``(...)``."""
    s = spike_array("spikes", spikes, signed=True) > 0
    steps = np.where(s.any(axis=-2), np.argmax(s, axis=-2), s.shape[-2])
    winner = np.argmin(steps, axis=-1)
    return np.where(s.any(axis=(-2, -1)), winner, -1)


def population_vector(counts, preferred, *, period=None) -> np.ndarray:
    r"""Population-vector estimate of the encoded value (Georgopoulos et al. 1986).

    On a line, the count-weighted centre of mass of the preferred values,

    .. math:: \hat x = \sum_k n_k c_k \Big/ \sum_k n_k ;

    on a circle of the given ``period``, the angle of the vector sum,

    .. math:: \hat x = \frac{P}{2\pi}\arg\sum_k n_k e^{2\pi i c_k/P} \bmod P .

    Parameters
    ----------
    counts : array, shape (..., K)
        Spike counts (or rates) of the ``K`` neurons coding one value.
    preferred : array, shape (K,)
        Their preferred values (tuning-curve centres).
    period : float, optional
        Period of a circular variable (e.g. 360 for degrees).

    Returns
    -------
    ndarray, shape (...)
        ``nan`` where all counts are zero.
    """
    n = spike_array("counts", counts, min_ndim=1)
    c = np.asarray(preferred, dtype=float)
    if c.ndim != 1 or c.shape[0] != n.shape[-1] or not np.all(np.isfinite(c)):
        raise ValueError(f"parameter 'preferred': got shape {c.shape}; expected {n.shape[-1]} "
                         f"finite values (one per neuron on the last axis of counts)")
    total = n.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if period is None:
            return np.where(total > 0, (n @ c) / total, np.nan)
        period = check_float("period", period, lo=0.0, lo_open=True)
        z = n @ np.exp(2j * np.pi * c / period)
        angle = np.mod(np.angle(z), 2 * np.pi) * period / (2 * np.pi)
        return np.where(total > 0, angle, np.nan)
