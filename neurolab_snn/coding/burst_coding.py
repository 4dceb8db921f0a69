r"""Burst coding: intensity as the size and tightness of a burst.

Following Park et al. (2019, DAC) and Guo et al. (2021, Front. Neurosci.
15:638474), an intensity :math:`\hat x \in [0, 1]` (normalised by
``data_range``) fires a burst at the start of the window with

.. math:: N_s = \lceil N_{max}\,\hat x \rceil \text{ spikes}, \qquad
          \mathrm{ISI} = T_{max} - (T_{max} - T_{min})\,\hat x \quad (N_s > 1),

so stronger inputs fire more spikes, closer together; spike ``k`` is at
:math:`k \cdot \mathrm{ISI}`, ``k < N_s``.  :func:`burst_decode` inverts the
interval (and falls back on the count for bursts of one spike).
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import ms

from ._checks import check_int, check_range, normalise, spike_array, time_si

__all__ = ["burst", "burst_decode"]


def _isis(dt, isi_min, isi_max):
    dt_si = time_si("dt", dt, positive=True)
    tmin = time_si("isi_min", isi_min, positive=True)
    tmax = time_si("isi_max", isi_max, positive=True)
    if tmin < dt_si * (1 - 1e-9):
        raise ValueError(f"parameter 'isi_min': got {isi_min}; expected isi_min >= dt = {dt} "
                         f"(one spike per step)")
    if tmax <= tmin:
        raise ValueError(f"parameter 'isi_max': got {isi_max}; expected isi_max > isi_min = "
                         f"{isi_min}")
    return dt_si, tmin, tmax


def burst(data, num_steps: int, *, dt, max_spikes: int = 5, isi_min=2 * ms, isi_max=10 * ms,
          data_range=(0.0, 1.0)) -> np.ndarray:
    """Burst-code intensities (spikes after the last step are dropped).

    Parameters
    ----------
    data : array, shape (..., n)
    num_steps : int
    dt : Quantity
    max_spikes : int
        :math:`N_{max}`, spikes in the burst of the strongest input.
    isi_min, isi_max : Quantity
        :math:`T_{min} \\ge dt` and :math:`T_{max} > T_{min}`.
    data_range : (float, float)

    Returns
    -------
    ndarray, shape (..., num_steps, n)
        0/1 spikes; spike times rounded to the nearest step.
    """
    x = normalise("data", data, data_range)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    n_max = check_int("max_spikes", max_spikes, minimum=1)
    dt_si, tmin, tmax = _isis(dt, isi_min, isi_max)
    n_spikes = np.ceil(n_max * x - 1e-9).astype(np.int64)
    isi = np.where(n_spikes > 1, tmax - (tmax - tmin) * x, tmax)
    k = np.arange(n_max).reshape((n_max,) + (1,) * x.ndim)
    steps = np.round(k * isi / dt_si).astype(np.int64)
    valid = (k < n_spikes) & (steps < num_steps)
    out = np.zeros((num_steps,) + x.shape)
    idx = np.nonzero(valid)
    out[(steps[valid],) + idx[1:]] = 1.0
    return np.moveaxis(out, 0, -2)


def burst_decode(spikes, *, dt, max_spikes: int = 5, isi_min=2 * ms, isi_max=10 * ms,
                 data_range=(0.0, 1.0)) -> np.ndarray:
    r"""Invert :func:`burst` from the mean interval of each burst.

    With ``n >= 2`` spikes, :math:`\hat x = (T_{max} - \overline{\mathrm{ISI}})/(T_{max} - T_{min})`
    (error below :math:`dt/(T_{max} - T_{min})` from step rounding); with
    one spike :math:`\hat x = 1/N_{max}`, with none 0.  Clipped to [0, 1] and
    mapped to ``data_range``.

    Returns
    -------
    ndarray, shape (..., n)
    """
    s = spike_array("spikes", spikes) > 0
    n_max = check_int("max_spikes", max_spikes, minimum=1)
    dt_si, tmin, tmax = _isis(dt, isi_min, isi_max)
    lo, hi = check_range(data_range)
    count = s.sum(axis=-2)
    t = np.arange(s.shape[-2])[:, None] * dt_si
    first = np.where(count > 0, np.argmax(s, axis=-2), 0) * dt_si
    last = np.max(np.where(s, t, -np.inf), axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        isi = (last - first) / (count - 1)
        x = np.where(count >= 2, (tmax - isi) / (tmax - tmin), np.minimum(count, 1) / n_max)
    return lo + (hi - lo) * np.clip(x, 0.0, 1.0)
