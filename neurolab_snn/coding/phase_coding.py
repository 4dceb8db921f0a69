r"""Phase coding against a background oscillation.

A background oscillation :math:`\cos(2\pi f t)` sets a clock; each neuron
fires once per cycle, at a phase that falls linearly with its input, so
stronger inputs fire earlier in every cycle (Hopfield 1995, Nature 376:33;
phase precession, O'Keefe & Recce 1993):

.. math:: \varphi(x) = \varphi_{max}\,(1 - \hat x), \qquad
          t_k = \frac{k + \varphi/2\pi}{f}, \quad k = 0, 1, \dots

with :math:`\hat x` the intensity normalised by ``data_range`` and phase 0 at
the oscillation's peak.  :func:`phase_decode` reads the phase back as the
circular mean of each neuron's spike phases.
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import Hz

from ._checks import check_float, check_int, check_range, normalise, quantity_array, time_si
from ._checks import spike_array

__all__ = ["phase", "phase_decode", "oscillation"]


def _freq(frequency, dt_si: float) -> float:
    f = float(quantity_array("frequency", frequency, Hz))
    if not 0 < f * dt_si <= 0.5:
        raise ValueError(f"parameter 'frequency': got {f * Hz}; expected 0 Hz < frequency <= "
                         f"1/(2 dt) = {0.5 / dt_si * Hz} (at least two steps per cycle)")
    return f


def _phase_max(phase_max) -> float:
    return check_float("phase_max", phase_max, lo=0.0, hi=2 * np.pi, lo_open=True, hi_open=True)


def oscillation(num_steps: int, *, dt, frequency) -> np.ndarray:
    """The background oscillation :math:`\\cos(2\\pi f k\\,dt)` on the step grid; shape (num_steps,)."""
    num_steps = check_int("num_steps", num_steps, minimum=1)
    dt_si = time_si("dt", dt, positive=True)
    return np.cos(2 * np.pi * _freq(frequency, dt_si) * np.arange(num_steps) * dt_si)


def phase(data, num_steps: int, *, dt, frequency, phase_max: float = np.pi,
          data_range=(0.0, 1.0)) -> np.ndarray:
    """Phase-code intensities: one spike per oscillation cycle at phase :math:`\\varphi(x)`.

    Parameters
    ----------
    data : array, shape (..., n)
        Intensities in ``data_range``.
    num_steps : int
    dt : Quantity
    frequency : Quantity
        Oscillation frequency :math:`f` (Hz), at most ``1/(2 dt)``.
    phase_max : float
        Phase of the weakest input, in radians, ``0 < phase_max < 2 pi``.
    data_range : (float, float)

    Returns
    -------
    ndarray, shape (..., num_steps, n)
        0/1 spikes; spike times rounded to the nearest step.
    """
    x = normalise("data", data, data_range)
    num_steps = check_int("num_steps", num_steps, minimum=1)
    dt_si = time_si("dt", dt, positive=True)
    f = _freq(frequency, dt_si)
    phi = _phase_max(phase_max) * (1.0 - x)
    n_cycles = int(np.ceil(num_steps * dt_si * f)) + 1
    cycles = np.arange(n_cycles).reshape((n_cycles,) + (1,) * x.ndim)
    steps = np.round((cycles + phi / (2 * np.pi)) / (f * dt_si)).astype(np.int64)
    out = np.zeros((num_steps,) + x.shape)
    valid = steps < num_steps
    idx = np.nonzero(valid)
    out[(steps[valid],) + idx[1:]] = 1.0
    return np.moveaxis(out, 0, -2)


def phase_decode(spikes, *, dt, frequency, phase_max: float = np.pi,
                 data_range=(0.0, 1.0)) -> np.ndarray:
    r"""Invert :func:`phase`: :math:`x = lo + (hi - lo)(1 - \bar\varphi/\varphi_{max})`.

    :math:`\bar\varphi` is the circular mean of the phases :math:`2\pi f t`
    of a neuron's spikes, wrapped into the window centred on the code's range;
    the result is clipped to ``data_range``, ``nan`` for silent neurons.  Step
    rounding bounds the error by :math:`\pi f\,dt / \varphi_{max}` of the range.

    Returns
    -------
    ndarray, shape (..., n)
    """
    s = spike_array("spikes", spikes)
    dt_si = time_si("dt", dt, positive=True)
    f = _freq(frequency, dt_si)
    pmax = _phase_max(phase_max)
    lo, hi = check_range(data_range)
    angles = 2 * np.pi * f * dt_si * np.arange(s.shape[-2])
    z = np.einsum("...tn,t->...n", s, np.exp(1j * angles))
    centre = pmax / 2
    phi = np.mod(np.angle(z) - centre + np.pi, 2 * np.pi) + centre - np.pi
    x = np.clip(1.0 - phi / pmax, 0.0, 1.0)
    return np.where(s.sum(axis=-2) > 0, lo + (hi - lo) * x, np.nan)
