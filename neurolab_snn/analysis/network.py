"""Network measures on spike trains: SNR, synchrony, rhythm, contrast, windows (layer L4).

Pure numpy functions of SI arrays (spike indices, spike times in s); no Brian2.

* :func:`window_counts` - spike counts per neuron in given time windows;
* :func:`detection_snr` - ``d' = (mu_on - mu_off) / sqrt((var_on + var_off)/2)``
  (Green & Swets 1966), the SNR of a response to a signal in noise;
* :func:`population_rate` - binned population firing rate;
* :func:`synchrony_index` - Golomb's chi (Golomb & Rinzel 1993; Golomb 2007,
  Scholarpedia 2:1347) on exponentially filtered spike trains:
  ``chi^2 = Var_t[mean_i x_i(t)] / mean_i Var_t[x_i(t)]``, 0 for independent
  neurons (up to ``1/sqrt(N)``), 1 for identical ones;
* :func:`oscillation_frequency` - peak of the power spectrum of the
  population rate, and the fraction of power in a band;
* :func:`michelson_contrast` - ``(max - min)/(max + min)`` of a profile;
* :func:`integration_window` - widest input separation that still fires.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

__all__ = ["window_counts", "detection_snr", "population_rate", "filtered_trains",
           "synchrony_index", "oscillation_frequency", "michelson_contrast",
           "integration_window", "power_law_exponent"]


def _arrays(indices, times):
    idx = np.asarray(indices, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64)
    if idx.shape != t.shape:
        raise ValueError(f"spike indices {idx.shape} and times {t.shape}: expected equal shapes")
    return idx, t


def window_counts(indices, times, n: int, starts, width: float) -> np.ndarray:
    """Spike counts of each neuron in windows ``[start, start + width)``.

    Returns an array of shape ``(len(starts), n)``.
    """
    idx, t = _arrays(indices, times)
    starts = np.asarray(starts, dtype=np.float64)
    if not width > 0:
        raise ValueError(f"width={width!r}: expected a positive window length (s)")
    out = np.zeros((len(starts), n), dtype=np.int64)
    order = np.argsort(starts)
    s_sorted = starts[order]
    k = np.searchsorted(s_sorted, t, side="right") - 1
    ok = (k >= 0)
    ok[ok] &= t[ok] < s_sorted[k[ok]] + width
    np.add.at(out, (order[k[ok]], idx[ok]), 1)
    return out


def detection_snr(on, off) -> float:
    """Detection SNR ``d' = (mean(on) - mean(off)) / sqrt((var(on) + var(off))/2)``.

    *on* and *off* are the responses (e.g. spike counts) in signal and
    no-signal trials.  Returns ``nan`` when both variances are 0.
    """
    on, off = np.asarray(on, dtype=np.float64), np.asarray(off, dtype=np.float64)
    if on.size < 2 or off.size < 2:
        raise ValueError(f"detection_snr: got {on.size} and {off.size} trials; expected >= 2 each")
    pooled = np.sqrt((np.var(on, ddof=1) + np.var(off, ddof=1)) / 2)
    return float((on.mean() - off.mean()) / pooled) if pooled > 0 else float("nan")


def population_rate(times, n: int, t_start: float, t_stop: float,
                    bin_size: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Population rate (Hz per neuron) in bins of *bin_size*: ``(bin centres, rate)``."""
    if not t_stop > t_start or not bin_size > 0:
        raise ValueError(f"population_rate: need t_stop > t_start and bin_size > 0; got "
                         f"{t_start}, {t_stop}, {bin_size}")
    edges = np.arange(t_start, t_stop + 0.5 * bin_size, bin_size)
    counts, _ = np.histogram(np.asarray(times, dtype=np.float64), edges)
    return 0.5 * (edges[1:] + edges[:-1]), counts / (n * bin_size)


def filtered_trains(indices, times, n: int, t_start: float, t_stop: float, *,
                    tau: float = 3e-3, dt: float = 1e-3) -> np.ndarray:
    """Spike trains convolved with a causal exponential ``exp(-t/tau)``, sampled every *dt*.

    Returns shape ``(n, n_samples)``; a spike adds 1 at its bin and decays with *tau*.
    """
    idx, t = _arrays(indices, times)
    steps = int(round((t_stop - t_start) / dt))
    keep = (t >= t_start) & (t < t_stop)
    binned = np.zeros((n, steps))
    np.add.at(binned, (idx[keep], np.minimum(((t[keep] - t_start) / dt).astype(int),
                                             steps - 1)), 1.0)
    return lfilter([1.0], [1.0, -np.exp(-dt / tau)], binned, axis=1)


def synchrony_index(indices, times, n: int, t_start: float, t_stop: float, *,
                    tau: float = 3e-3, dt: float = 1e-3) -> float:
    """Golomb's synchrony measure chi in [0, 1] on filtered spike trains.

    ``chi^2 = Var_t[(1/N) sum_i x_i(t)] / ((1/N) sum_i Var_t[x_i(t)])`` with
    ``x_i`` the spike train of neuron i filtered by ``exp(-t/tau)``.  Silent
    neurons are left out; returns ``nan`` if fewer than 2 neurons fire.
    """
    x = filtered_trains(indices, times, n, t_start, t_stop, tau=tau, dt=dt)
    active = x.max(axis=1) > 0
    if active.sum() < 2:
        return float("nan")
    x = x[active]
    var_each = x.var(axis=1)
    return float(np.sqrt(x.mean(axis=0).var() / var_each.mean()))


def oscillation_frequency(times, n: int, t_start: float, t_stop: float, *,
                          bin_size: float = 1e-3, f_min: float = 5.0, f_max: float = 200.0,
                          band: tuple[float, float] = (30.0, 80.0)) -> dict:
    """Peak frequency of the population-rate power spectrum.

    The rate (bins of *bin_size*) minus its mean is Hann-windowed; returns
    ``{'frequency': Hz, 'peak_power_ratio': peak power / mean power in
    [f_min, f_max], 'band_fraction': power fraction in *band*}``.
    """
    _, rate = population_rate(times, n, t_start, t_stop, bin_size)
    x = (rate - rate.mean()) * np.hanning(rate.size)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(rate.size, bin_size)
    sel = (freqs >= f_min) & (freqs <= f_max)
    if not np.any(sel) or power[sel].sum() == 0:
        return {"frequency": float("nan"), "peak_power_ratio": float("nan"),
                "band_fraction": float("nan")}
    k = np.argmax(power[sel])
    in_band = (freqs >= band[0]) & (freqs <= band[1])
    return {"frequency": float(freqs[sel][k]),
            "peak_power_ratio": float(power[sel][k] / power[sel].mean()),
            "band_fraction": float(power[in_band].sum() / power[sel].sum())}


def michelson_contrast(profile) -> float:
    """Michelson contrast ``(max - min)/(max + min)`` of a non-negative profile."""
    p = np.asarray(profile, dtype=np.float64)
    if p.size == 0 or np.any(p < 0):
        raise ValueError("michelson_contrast: expected a non-empty, non-negative profile")
    hi, lo = p.max(), p.min()
    return float((hi - lo) / (hi + lo)) if hi + lo > 0 else float("nan")


def integration_window(separations, fired) -> float:
    """Largest input separation ``|Delta t|`` whose trial still fired.

    *separations* (s) are sorted ascending and *fired* says whether the
    neuron spiked; the window is the largest separation ``s`` such that every
    separation ``<= s`` fired (0 if the smallest did not).
    """
    s = np.asarray(separations, dtype=np.float64)
    f = np.asarray(fired, dtype=bool)
    if s.shape != f.shape or s.ndim != 1:
        raise ValueError("integration_window: separations and fired must be 1-D, equal length")
    order = np.argsort(s)
    s, f = s[order], f[order]
    if not f[0]:
        return 0.0
    first_fail = np.argmin(f) if not f.all() else f.size
    return float(s[first_fail - 1])


def power_law_exponent(x, y) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (positive, finite points only)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])
