r"""Delta modulation: spikes where a signal changes by at least a threshold.

Two references are offered.

``reference="previous"`` (default) is snnTorch ``spikegen.delta``
(Eshraghian et al. 2023): the reference is the previous sample,

.. math:: s_t = [x_t - x_{t-1} \ge \theta] - [x_t - x_{t-1} \le -\theta],

with :math:`x_{-1} = 0`, or :math:`x_{-1} = x_0` with ``padding=True``.

``reference="last_spike"`` is the classic delta modulator (send-on-delta;
e.g. the event encoders of Corradi & Indiveri 2015): a reference level
:math:`r` moves by :math:`\pm\theta` at each event,

.. math:: s_t = [x_t - r_{t-1} \ge \theta] - [x_t - r_{t-1} \le -\theta], \qquad
          r_t = r_{t-1} + \theta s_t,

with :math:`r_{-1} = 0` (or :math:`x_0` with ``padding``).  The reference is
the reconstruction :func:`delta_decode` returns, and stays within
:math:`\theta` of the signal while it changes by less than :math:`\theta`
per step.

Without ``off_spike`` the off events are computed the same way (the reference
still follows the signal down) but not emitted, so the on spikes never depend
on ``off_spike``.
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import check_quantity, is_quantity, to_si

from ._checks import check_bool, check_float, first_bad, spike_array

__all__ = ["delta", "delta_decode"]

_REFERENCES = ("previous", "last_spike")


def _signal(data, threshold):
    """Signal and threshold as float64 in the same (SI) units."""
    if is_quantity(data):
        x = np.array(to_si(check_quantity("data", data, data, finite=False)), dtype=float)
        thr = check_quantity("threshold", threshold, data, positive=True)
        if np.ndim(thr) != 0:
            raise ValueError(f"parameter 'threshold': got {threshold!r}; expected a scalar")
        thr = float(to_si(thr))
    else:
        x = np.array(data, dtype=float)
        thr = check_float("threshold", threshold, lo=0.0, lo_open=True)
    if x.ndim < 1 or x.size == 0:
        raise ValueError(f"parameter 'data': got shape {x.shape}; expected a signal of shape "
                         f"(T,) or (..., T, n)")
    if not np.all(np.isfinite(x)):
        idx = first_bad(~np.isfinite(x))
        raise ValueError(f"parameter 'data': got {x[idx]} at index {idx}; expected a finite "
                         f"signal (no NaN/inf)")
    return x, thr


def delta(data, threshold, *, padding: bool = False, off_spike: bool = False,
          reference: str = "previous") -> np.ndarray:
    r"""Delta-modulate a signal into on (+1) and optional off (-1) spikes.

    Parameters
    ----------
    data : array or Quantity, shape (T,) or (..., T, n)
        The signal; time is the first axis of a 1-D signal, else the axis
        before the last (neuron) axis.  A Quantity (e.g. in mV) needs a
        threshold with the same dimensions.
    threshold : float or Quantity
        Change :math:`\theta > 0` that triggers a spike (the change must reach it).
    padding : bool
        Initial reference: ``False`` zero (the first sample is compared with
        0), ``True`` the first sample itself (no spike at step 0).
    off_spike : bool
        Emit -1 for falls of at least ``threshold``.
    reference : {"previous", "last_spike"}
        Compare with the previous sample (snnTorch) or with the reference
        level moved at each event (delta modulator).

    Returns
    -------
    ndarray, same shape as *data*
        Spikes in {0, 1} (or {-1, 0, 1} with ``off_spike``) as float64.
    """
    x, thr = _signal(data, threshold)
    padding = check_bool("padding", padding)
    off_spike = check_bool("off_spike", off_spike)
    if reference not in _REFERENCES:
        raise ValueError(f"parameter 'reference': got {reference!r}; expected one of "
                         f"{_REFERENCES}")
    axis = 0 if x.ndim == 1 else -2
    xt = np.moveaxis(x, axis, 0)
    first = xt[0] if padding else np.zeros_like(xt[0])
    if reference == "previous":
        change = xt - np.concatenate([first[None], xt[:-1]], axis=0)
        on, off = change >= thr, change <= -thr
    else:
        on, off = np.zeros(xt.shape, bool), np.zeros(xt.shape, bool)
        ref = first.copy()
        for t in range(xt.shape[0]):
            change = xt[t] - ref
            on[t], off[t] = change >= thr, change <= -thr
            ref = ref + thr * (on[t].astype(float) - off[t])
    out = on.astype(np.float64) - (off if off_spike else 0.0)
    return np.moveaxis(out, 0, axis)


def delta_decode(spikes, threshold, *, initial=0.0):
    r"""Reconstruct a signal from delta-modulator spikes: the reference level.

    .. math:: \hat x_t = \hat x_{-1} + \theta \sum_{k \le t} s_k

    This is the reference :math:`r_t` of ``delta(..., reference="last_spike",
    off_spike=True)``, so :math:`|x_t - \hat x_t| < \theta` whenever the signal
    changes by less than :math:`\theta` per step (and ``initial`` is the
    initial reference: 0, or :math:`x_0` with ``padding``).

    Parameters
    ----------
    spikes : array, shape (T,) or (..., T, n)
        Values in {-1, 0, 1}.
    threshold : float or Quantity
    initial : float, array or Quantity
        Initial reference, with the dimensions of *threshold*; scalar, or one
        per neuron (shape of *spikes* without the time axis).

    Returns
    -------
    ndarray or Quantity, same shape as *spikes*
        A Quantity when *threshold* is one.
    """
    s = spike_array("spikes", spikes, min_ndim=1, signed=True)
    if is_quantity(threshold):
        thr_q = check_quantity("threshold", threshold, threshold, positive=True)
        init = np.asarray(to_si(check_quantity("initial", initial, threshold)), dtype=float)
        thr = float(to_si(thr_q))
    else:
        thr = check_float("threshold", threshold, lo=0.0, lo_open=True)
        init = np.asarray(initial, dtype=float) if not is_quantity(initial) else \
            np.asarray(check_quantity("initial", initial, 1), dtype=float)
        if not np.all(np.isfinite(init)):
            raise ValueError(f"parameter 'initial': got {initial!r}; expected finite values")
    axis = 0 if s.ndim == 1 else -2
    if init.ndim:  # one initial level per neuron: shape (..., n)
        init = np.expand_dims(init, axis=axis)
    recon = init + thr * np.cumsum(s, axis=axis)
    if is_quantity(threshold):
        return recon * (thr_q / thr)  # SI values times the SI unit of the threshold
    return recon
