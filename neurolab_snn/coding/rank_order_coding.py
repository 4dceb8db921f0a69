r"""Rank-order coding (Thorpe & Gautrais 1998; Thorpe, Delorme & Van Rullen 2001).

Each input neuron fires one spike; the order of the spikes carries the code:
the strongest input fires first.  On a grid, the neuron of rank :math:`r`
(0 = strongest) fires at step :math:`r`, so ``n`` inputs need ``n`` steps.
Ties keep the lower index first (stable sort).  Inputs at or below an
optional ``threshold`` stay silent.

A read-out weights each neuron by :math:`m^{r}` (:func:`rank_order_weights`,
with a "desensitisation" modulation :math:`0 < m < 1`), which decreases
with rank and so preserves the input order.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_float, check_int, check_range, normalise, spike_array

__all__ = ["rank_order", "rank_order_decode", "rank_order_weights"]


def rank_order(data, num_steps: int | None = None, *, threshold: float | None = None,
               data_range=(0.0, 1.0)) -> np.ndarray:
    """Rank-order-code intensities: the neuron of rank ``r`` fires at step ``r``.

    Parameters
    ----------
    data : array, shape (..., n)
        Intensities in ``data_range``.
    num_steps : int, optional
        Steps in the output (default ``n``); ranks from ``num_steps`` on are dropped.
    threshold : float, optional
        Inputs ``<= threshold`` (data units, below the maximum of
        ``data_range``) do not fire.
    data_range : (float, float)

    Returns
    -------
    ndarray, shape (..., num_steps, n)
        0/1 spikes, at most one per neuron.
    """
    x = normalise("data", data, data_range)
    n = x.shape[-1]
    num_steps = n if num_steps is None else check_int("num_steps", num_steps, minimum=1)
    fires = np.ones(x.shape, bool)
    if threshold is not None:
        lo, hi = check_range(data_range)
        thr = check_float("threshold", threshold, hi=hi, hi_open=True,
                          why=f" (the maximum intensity of data_range=({lo}, {hi}))")
        fires = x > (thr - lo) / (hi - lo)
    order = np.argsort(-x, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n) + np.zeros_like(order), axis=-1)
    step_axis = np.arange(num_steps)[:, None]
    return ((step_axis == ranks[..., None, :]) & fires[..., None, :]).astype(np.float64)


def rank_order_decode(spikes) -> np.ndarray:
    """Rank of each neuron's first spike: how many neurons fired strictly earlier.

    Inverts :func:`rank_order` (whose ranks equal the spike steps); ``-1``
    for silent neurons.

    Returns
    -------
    ndarray of int, shape (..., n)
    """
    s = spike_array("spikes", spikes) > 0
    fired = s.any(axis=-2)
    steps = np.where(fired, np.argmax(s, axis=-2), np.iinfo(np.int64).max)
    earlier = (steps[..., None, :] < steps[..., :, None]).sum(axis=-1)
    return np.where(fired, earlier, -1)


def rank_order_weights(spikes, *, modulation: float = 0.9) -> np.ndarray:
    r"""Thorpe's rank-order read-out weight :math:`m^{r}` per neuron (0 if silent).

    Parameters
    ----------
    spikes : array, shape (..., T, n)
    modulation : float
        :math:`0 < m < 1`.

    Returns
    -------
    ndarray, shape (..., n)
    """
    m = check_float("modulation", modulation, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    r = rank_order_decode(spikes)
    return np.where(r >= 0, m ** np.maximum(r, 0), 0.0)
