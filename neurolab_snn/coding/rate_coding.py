"""Rate coding: Bernoulli spikes per time step, and Poisson processes with rates in Hz.

Layout: every encoder returns an array ``(..., time, neuron)``: the time axis is
inserted before the last (neuron) axis of the input, so one sample ``(n,)``
gives a ``(num_steps, n)`` raster and a batch ``(batch, n)`` gives
``(batch, num_steps, n)`` (batch first).  snnTorch puts time first; its layout
is ``np.moveaxis(spikes, -2, 0)``.

References
----------
Eshraghian et al. (2023), Training spiking neural networks using lessons from
deep learning, Proc. IEEE 111(9):1016-1054 (snnTorch ``spikegen.rate``).
Dayan & Abbott (2001), Theoretical Neuroscience, ch. 1.4 (Poisson spike trains).
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import Hz, second

from ._checks import (as_rng, check_float, check_int, check_range, first_bad, normalise,
                      quantity_array, spike_array, time_si)
from .spike_trains import SpikeTrains

__all__ = ["rate", "poisson", "poisson_times", "rate_decode"]


def _repeat(arr: np.ndarray, num_steps: int) -> np.ndarray:
    """Insert a time axis of length *num_steps* before the last axis."""
    return np.repeat(arr[..., None, :], num_steps, axis=-2)


def rate(data, num_steps: int | None = None, *, rng, gain: float = 1.0, offset: float = 0.0,
         first_spike_step: int = 0, data_range=(0.0, 1.0)) -> np.ndarray:
    r"""Rate-code intensities as Bernoulli spikes, one draw per time step.

    With the normalised intensity :math:`\hat x = (x - lo)/(hi - lo)` the spike
    probability per step is

    .. math:: p = \mathrm{clip}(g\,\hat x + o,\ 0,\ 1),

    drawn independently at every step, so the count over ``T`` steps is
    Binomial(T, p) (snnTorch ``spikegen.rate``, Eshraghian et al. 2023).

    Parameters
    ----------
    data : array, shape (..., n)
        Intensities in ``data_range``; the last axis is the neuron axis.  With
        ``num_steps=None`` the data are time-varying, shape ``(..., T, n)``
        (snnTorch ``time_var_input=True``).
    num_steps : int or None
        Number of time steps ``T`` for static data.
    rng : numpy.random.Generator or int
        Random generator (or seed).
    gain, offset : float
        :math:`g` and :math:`o` above.
    first_spike_step : int
        Silent steps before the first possible spike: static data have their
        first steps zeroed; time-varying data get that many silent steps
        prepended (snnTorch ``first_spike_time``, in steps).
    data_range : (float, float)
        Declared range of the intensities; values outside it raise.

    Returns
    -------
    ndarray, shape (..., T, n)
        0/1 spikes as float64.
    """
    rng = as_rng(rng)
    x = normalise("data", data, data_range)
    gain = check_float("gain", gain)
    offset = check_float("offset", offset)
    k = check_int("first_spike_step", first_spike_step, minimum=0)
    if num_steps is None:
        if x.ndim < 2:
            raise ValueError(f"parameter 'data': got shape {x.shape}; with num_steps=None the "
                             f"data are time-varying and need shape (..., time, neuron)")
        p = x
    else:
        num_steps = check_int("num_steps", num_steps, minimum=1)
        if k > num_steps - 1:
            raise ValueError(f"parameter 'first_spike_step': got {k}; expected at most "
                             f"num_steps - 1 = {num_steps - 1}")
        p = _repeat(x, num_steps)
    p = np.clip(gain * p + offset, 0.0, 1.0)
    spikes = (rng.random(p.shape) < p).astype(np.float64)
    if k and num_steps is not None:
        spikes[..., :k, :] = 0.0
    elif k:
        pad = np.zeros(spikes.shape[:-2] + (k, spikes.shape[-1]))
        spikes = np.concatenate([pad, spikes], axis=-2)
    return spikes


def poisson(rates, num_steps: int | None = None, *, dt, rng) -> np.ndarray:
    r"""Discrete-time Poisson spikes: a Bernoulli draw with :math:`p = r\,\Delta t` per step.

    This is the process of Brian2's ``PoissonGroup`` (one spike at most per
    step); the count over ``T`` steps is Binomial(T, r dt) with mean
    :math:`r T \Delta t`, which tends to Poisson(r T dt) as dt -> 0.

    Parameters
    ----------
    rates : Quantity, shape (..., n) or (..., T, n)
        Firing rates (Hz), >= 0, with ``r dt <= 1``.  With ``num_steps=None``
        they are time-varying, shape ``(..., T, n)`` (inhomogeneous process).
    num_steps : int or None
        Number of steps for constant rates.
    dt : Quantity
        Time step.
    rng : numpy.random.Generator or int

    Returns
    -------
    ndarray, shape (..., T, n)
        0/1 spikes as float64.
    """
    rng = as_rng(rng)
    r = quantity_array("rates", rates, Hz, nonnegative=True)
    dt_si = time_si("dt", dt, positive=True)
    if r.ndim < 1:
        r = r[None]
    p = r * dt_si
    if (p > 1).any():
        idx = first_bad(p > 1)
        raise ValueError(f"parameter 'rates': got {r[idx]} Hz at index {idx}, so rate*dt = "
                         f"{p[idx]:.3g} > 1; expected rates <= 1/dt = {1 / dt_si * Hz} "
                         f"(use a smaller dt)")
    if num_steps is None:
        if p.ndim < 2:
            raise ValueError(f"parameter 'rates': got shape {p.shape}; with num_steps=None the "
                             f"rates are time-varying and need shape (..., time, neuron)")
    else:
        p = _repeat(p, check_int("num_steps", num_steps, minimum=1))
    return (rng.random(p.shape) < p).astype(np.float64)


def poisson_times(rates, duration, *, rng) -> SpikeTrains:
    r"""Homogeneous Poisson processes in continuous time, as :class:`SpikeTrains`.

    Neuron ``i`` fires ``N_i ~ Poisson(r_i D)`` spikes at independent uniform
    times in ``[0, D)`` (the conditional-uniform construction; Dayan & Abbott
    2001, ch. 1.4), so counts have mean and variance ``r_i D``.

    Parameters
    ----------
    rates : Quantity, shape (n,)
        Firing rates (Hz), >= 0.
    duration : Quantity
        Window length ``D``.
    rng : numpy.random.Generator or int
    """
    rng = as_rng(rng)
    r = np.atleast_1d(quantity_array("rates", rates, Hz, nonnegative=True))
    if r.ndim != 1:
        raise ValueError(f"parameter 'rates': got shape {r.shape}; expected a 1-D array")
    d = time_si("duration", duration, positive=True)
    counts = rng.poisson(r * d)
    indices = np.repeat(np.arange(r.size), counts)
    times = rng.uniform(0.0, d, size=indices.size)
    return SpikeTrains(indices, times * second, r.size, d * second)


def rate_decode(spikes, *, gain: float = 1.0, offset: float = 0.0,
                data_range=(0.0, 1.0)) -> np.ndarray:
    r"""Invert :func:`rate`: intensity from the fraction of steps with a spike.

    .. math:: x = lo + (hi - lo)\,(\bar s - o) / g, \qquad \bar s = \frac{1}{T}\sum_t s_t

    Exact for spike trains whose spike fraction equals ``p`` (noise-free data,
    and probabilities not clipped); an unbiased estimate for Bernoulli trains.

    Parameters
    ----------
    spikes : array, shape (..., T, n)

    Returns
    -------
    ndarray, shape (..., n)
    """
    s = spike_array("spikes", spikes)
    lo, hi = check_range(data_range)
    gain = check_float("gain", gain)
    if gain == 0:
        raise ValueError("parameter 'gain': got 0.0; expected a nonzero gain to invert")
    offset = check_float("offset", offset)
    return lo + (hi - lo) * (s.mean(axis=-2) - offset) / gain
