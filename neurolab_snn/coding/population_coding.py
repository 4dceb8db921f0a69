r"""Population coding with Gaussian tuning curves.

Each scalar value :math:`x` is represented by ``K`` neurons whose preferred
values :math:`c_k` tile the declared range, with Gaussian tuning

.. math:: r_k(x) = r_{max} \exp\!\Big(-\frac{d(x, c_k)^2}{2\sigma^2}\Big),

:math:`d` the distance on the line, or the wrapped distance on a circle
(``circular=True``, the range being one period).  Centres are evenly spaced,
including both ends on a line and over one period on a circle; the default
width :math:`\sigma` is the centre spacing (Bohte, Kok & La Poutre 2002 use
comparable overlapping Gaussian fields; Pouget, Dayan & Zemel 2000 review
population codes).  Spikes are drawn as :func:`~.rate_coding.poisson`.

:func:`population_decode` reads the value back with the population vector; on
a line it is unbiased for values more than about 3 sigma away from the ends
(the Gaussians are truncated there), on a circle everywhere.
"""
from __future__ import annotations

import numpy as np

from neurolab_snn.units import Hz, Quantity

from ._checks import as_rng, check_bool, check_float, check_int, check_range, normalise
from ._checks import quantity_array, spike_array
from .decoders import population_vector
from .rate_coding import poisson

__all__ = ["population_centers", "gaussian_tuning", "population_rates", "population",
           "population_decode"]


def population_centers(n_neurons: int, *, data_range=(0.0, 1.0),
                       circular: bool = False) -> np.ndarray:
    """Preferred values of ``n_neurons`` evenly spaced tuning curves; shape (n_neurons,)."""
    k = check_int("n_neurons", n_neurons, minimum=2)
    lo, hi = check_range(data_range)
    if check_bool("circular", circular):
        return lo + (hi - lo) * np.arange(k) / k
    return np.linspace(lo, hi, k)


def gaussian_tuning(values, centers, sigma: float, *, period=None) -> np.ndarray:
    r"""Gaussian tuning :math:`\exp(-d(x, c_k)^2 / 2\sigma^2)` in [0, 1]; shape ``values.shape + (K,)``.

    ``period`` makes the distance circular: :math:`d = ((x - c + P/2) \bmod P) - P/2`.
    """
    x = np.asarray(values, dtype=float)[..., None]
    c = np.asarray(centers, dtype=float)
    sigma = check_float("sigma", sigma, lo=0.0, lo_open=True)
    d = x - c
    if period is not None:
        period = check_float("period", period, lo=0.0, lo_open=True)
        d = np.mod(d + period / 2, period) - period / 2
    return np.exp(-0.5 * (d / sigma) ** 2)


def _setup(data, n_neurons, sigma, data_range, circular):
    lo, hi = check_range(data_range)
    normalise("data", data, data_range)  # range and NaN checks
    centers = population_centers(n_neurons, data_range=data_range, circular=circular)
    spacing = centers[1] - centers[0]
    sigma = spacing if sigma is None else check_float("sigma", sigma, lo=0.0, lo_open=True)
    return np.asarray(data, dtype=float), centers, sigma, (hi - lo) if circular else None


def population_rates(data, *, n_neurons: int, max_rate, sigma: float | None = None,
                     data_range=(0.0, 1.0), circular: bool = False) -> Quantity:
    """Noise-free rates of the population code.

    Parameters
    ----------
    data : array, shape (..., m)
        ``m`` values in ``data_range``, each coded by ``n_neurons`` neurons.
    n_neurons : int
        Neurons per value, ``K >= 2``.
    max_rate : Quantity
        Peak rate :math:`r_{max}` (Hz).
    sigma : float, optional
        Tuning width in data units (default: centre spacing).
    data_range : (float, float)
    circular : bool

    Returns
    -------
    Quantity, shape (..., m * K)
        Rates in Hz; neuron ``j * K + k`` codes value ``j`` with centre ``c_k``.
    """
    x, centers, sigma, period = _setup(data, n_neurons, sigma, data_range, circular)
    r_max = float(quantity_array("max_rate", max_rate, Hz, nonnegative=True))
    tuning = gaussian_tuning(x, centers, sigma, period=period)
    return r_max * tuning.reshape(x.shape[:-1] + (-1,)) * Hz


def population(data, num_steps: int, *, n_neurons: int, max_rate, dt, rng,
               sigma: float | None = None, data_range=(0.0, 1.0),
               circular: bool = False) -> np.ndarray:
    """Population-code values as Bernoulli spikes with :math:`p = r_k(x)\\,dt` per step.

    Parameters as in :func:`population_rates`, plus ``num_steps``, ``dt`` and
    ``rng``.

    Returns
    -------
    ndarray, shape (..., num_steps, m * K)
    """
    if np.ndim(data) < 1:
        raise ValueError(f"parameter 'data': got shape {np.shape(data)}; expected at least 1 "
                         f"dimension (last axis = coded values)")
    rates = population_rates(data, n_neurons=n_neurons, max_rate=max_rate, sigma=sigma,
                             data_range=data_range, circular=circular)
    return poisson(rates, num_steps, dt=dt, rng=as_rng(rng))


def population_decode(counts, *, n_neurons: int, data_range=(0.0, 1.0),
                      circular: bool = False) -> np.ndarray:
    """Population-vector read-out of :func:`population` (spike counts or rates).

    Parameters
    ----------
    counts : array, shape (..., m * K)
        Spike counts per neuron (e.g. ``spike_count(spikes)``), or rates.

    Returns
    -------
    ndarray, shape (..., m)
        Decoded values (``nan`` for silent groups).
    """
    n = spike_array("counts", np.asarray(counts, dtype=float), min_ndim=1)
    k = check_int("n_neurons", n_neurons, minimum=2)
    if n.shape[-1] % k:
        raise ValueError(f"parameter 'counts': got {n.shape[-1]} neurons on the last axis; "
                         f"expected a multiple of n_neurons={k}")
    lo, hi = check_range(data_range)
    centers = population_centers(k, data_range=data_range, circular=circular)
    grouped = n.reshape(n.shape[:-1] + (-1, k))
    if circular:
        return lo + np.mod(population_vector(grouped, centers - lo, period=hi - lo), hi - lo)
    return population_vector(grouped, centers)
