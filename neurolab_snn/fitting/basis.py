"""Discrete-time GIF pieces shared by the fit stages (layer L4, numeric kernels, float64 SI).

The fit assumes exactly the discrete dynamics that Brian2 integrates for
:func:`neurolab_snn.models.GIF` (method ``exponential_euler``, time step dt, input
sample k applied during [k dt, (k+1) dt)).  With ``a = exp(-dt g_L/C)``, between spikes

    V[t+1] = a V[t] + (1 - a) (E_L + (I[t] - eta[t]) / g_L),               (1)

the exact solution for a current held constant over each step.  Brian2 checks
the threshold on the updated voltage, so a spike of Brian2's step ``n`` is a
spike at sample ``s = n + 1`` of the recording (the sample where the recorded
voltage crosses); its reset then holds V at V_reset on samples
``s+1 ... s+T-1`` (T = round(t_ref/dt)) and (1) restarts from V[s+T-1] = V_reset.
The spike-triggered current and the moving threshold are sums of
exponentials started at the spike sample s,

    eta[t]   = sum_k a_eta_k   sum_{s <= t} exp(-(t-s) dt / tau_eta_k),
    gamma[t] = sum_j a_gamma_j sum_{s <  t} exp(-(t-s) dt / tau_gamma_j),

(the threshold at a spike's own sample does not yet include that spike), and
the probability of a spike at an eligible sample t (not within ``s+1 ... s+T-1``) is

    p[t] = 1 - exp(-lambda_0 dt exp((V[t] - V_T* - gamma[t]) / DeltaV)).    (2)

Reference: Pozzorini et al. (2015) PLOS Comput Biol 11:e1004275, Eqs. 1-4;
Brian2 scheduling (state update, then threshold, then reset) as in its docs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

__all__ = ["FitTrace", "exp_kernel_response", "forced_spike_voltages", "log_spaced_taus",
           "spike_train", "exp_filtered_spikes", "refractory_mask",
           "simulate_forced_spikes"]


@dataclass(frozen=True)
class FitTrace:
    """One compensated sweep prepared for the fit (float64 SI).

    Attributes
    ----------
    v, i : ndarray
        Membrane voltage after electrode compensation (V) and current (A), whole sweep.
    dt : float
        Sampling interval (s).
    spikes : ndarray of int
        Samples of every spike detected in the whole sweep (history for the kernels).
    start, stop : int
        The samples [start, stop) that the fit uses (the training window).
    source : str
        Name for messages.
    """

    v: np.ndarray
    i: np.ndarray
    dt: float
    spikes: np.ndarray
    start: int
    stop: int
    source: str = ""

    @property
    def window_spikes(self) -> np.ndarray:
        """Spike samples inside [start, stop)."""
        return self.spikes[(self.spikes >= self.start) & (self.spikes < self.stop)]


def log_spaced_taus(first: float, last: float, n: int) -> tuple[float, ...]:
    """*n* time constants (s) evenly spaced in log between *first* and *last*."""
    if not (0 < first < last and n >= 2):
        raise ValueError(f"log_spaced_taus({first!r}, {last!r}, {n!r}): expected "
                         "0 < first < last and n >= 2")
    return tuple(float(x) for x in np.geomspace(first, last, int(n)))


def spike_train(spikes: np.ndarray, n_samples: int) -> np.ndarray:
    """Binary float array of length *n_samples* with ones at the sample indices *spikes*."""
    train = np.zeros(n_samples)
    train[np.asarray(spikes, dtype=np.int64)] = 1.0
    return train


def _spike_clock(spikes: np.ndarray, n_samples: int):
    """Unique spike samples, their multiplicities, the first spike, and for every sample
    t >= first the index of the last spike <= t and the samples elapsed since it."""
    spikes = np.asarray(spikes, dtype=np.int64)
    spikes = spikes[(spikes >= 0) & (spikes < n_samples)]
    times, counts = np.unique(spikes, return_counts=True)
    if times.size == 0:
        return times, counts, n_samples, np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = int(times[0])
    marker = np.zeros(n_samples, dtype=np.int64)
    marker[times] = np.arange(1, times.size + 1)
    last = np.maximum.accumulate(marker)[first:] - 1
    delta = np.arange(first, n_samples) - times[last]
    return times, counts, first, last, delta


def _amplitudes(times: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """A[j] = counts[j] + A[j-1] q^(t_j - t_{j-1}): the filter's value at each spike."""
    decay = q ** np.diff(times) if times.size > 1 else np.zeros(0)
    amp = np.empty(times.size)
    acc = 0.0
    for j in range(times.size):                    # a few hundred spikes per sweep
        acc = counts[j] + (acc * decay[j - 1] if j else 0.0)
        amp[j] = acc
    return amp


def exp_filtered_spikes(spikes: np.ndarray, n_samples: int, taus, dt: float,
                        strict: bool = False, rows: np.ndarray | None = None) -> np.ndarray:
    """Columns x_k[t] = sum_{s <= t} exp(-(t - s) dt / tau_k) (``s < t`` if *strict*).

    Returns a column-major (n_samples, len(taus)) array, or (len(rows), len(taus))
    for the samples *rows* only.  Between spikes each column decays geometrically,
    so x_k[t] = A_k[j] q_k^(t - s_j) with s_j the last spike at or before t,
    q_k = exp(-dt/tau_k) and A_k[j] = 1 + A_k[j-1] q_k^(s_j - s_{j-1}) (a short
    recursion over the spikes); q_k^m comes from a table up to the longest
    interval, so each column costs two gathers instead of a recursive filter.
    """
    rows = np.arange(n_samples) if rows is None else np.asarray(rows, dtype=np.int64)
    out = np.zeros((rows.size, len(taus)), order="F")
    times, counts, first, last, delta = _spike_clock(spikes, n_samples)
    if times.size == 0 or len(taus) == 0:
        return out
    sel = np.flatnonzero(rows >= first)
    r = rows[sel] - first
    last_r, delta_r = last[r], delta[r]
    steps = np.arange(int(delta_r.max()) + 1 if delta_r.size else 1)
    for k, tau in enumerate(taus):
        amp = _amplitudes(times, counts, np.exp(-dt / tau))
        out[sel, k] = amp[last_r] * np.exp(-steps * (dt / tau))[delta_r]
    if strict:
        own = np.zeros(n_samples)
        own[times] = counts
        out -= own[rows][:, None]
    return out


def exp_kernel_response(spikes: np.ndarray, n_samples: int, taus, amplitudes,
                        dt: float) -> np.ndarray:
    """sum_k a_k x_k[t] (see :func:`exp_filtered_spikes`) without the per-column array."""
    out = np.zeros(n_samples)
    times, counts, first, last, delta = _spike_clock(spikes, n_samples)
    if times.size == 0:
        return out
    steps = np.arange(int(delta.max()) + 1)
    for tau, a in zip(taus, amplitudes):
        amp = _amplitudes(times, counts, np.exp(-dt / tau)) * a
        out[first:] += amp[last] * np.exp(-steps * (dt / tau))[delta]
    return out


def refractory_mask(spikes: np.ndarray, n_samples: int, start: int, stop: int) -> np.ndarray:
    """Boolean mask of samples in [s + start, s + stop) of any spike s (clipped to the trace)."""
    delta = np.zeros(n_samples + 1, dtype=np.int64)
    spikes = np.asarray(spikes, dtype=np.int64)
    lo = np.clip(spikes + start, 0, n_samples)
    hi = np.clip(spikes + stop, 0, n_samples)
    np.add.at(delta, lo, 1)
    np.add.at(delta, hi, -1)
    return np.cumsum(delta[:-1]) > 0


def simulate_forced_spikes(current: np.ndarray, eta: np.ndarray, spikes: np.ndarray,
                           v0: float, dt: float, C: float, g_L: float, E_L: float,
                           V_reset: float, n_ref: int) -> np.ndarray:
    """Voltage of the discrete GIF (Eq. 1) with spikes forced at the samples *spikes*.

    Parameters
    ----------
    current, eta : ndarray
        Injected current I[t] and spike-triggered current eta[t] (A).
    spikes : ndarray of int
        Spike samples s (increasing); V[s] is the free value that crossed, V is
        V_reset on s+1 ... s+n_ref-1 and integrates from V[s+n_ref-1] = V_reset.
    v0 : float
        V[0] (V).
    dt, C, g_L, E_L, V_reset : float
        Time step and GIF parameters (SI).
    n_ref : int
        Refractory period in samples, round(t_ref/dt) >= 1.

    Notes
    -----
    Vectorised: with G the response to the input from G[0] = 0,
    G[t+1] = a G[t] + u[t], the solution from a restart r with value V_r is
    V[t] = G[t] + a^(t-r) (V_r - G[r]); the decay factor is the same
    ``exp(-dt*g_L/C)`` that Brian2's exponential Euler computes.
    """
    n = current.size
    a = np.exp(-dt * g_L / C)
    drive = (1.0 - a) * (E_L + (current - eta) / g_L)
    G = np.empty(n)
    G[0] = 0.0
    G[1:] = lfilter([1.0], [1.0, -a], drive[:-1])
    spikes = np.asarray(spikes, dtype=np.int64)
    restarts = spikes + n_ref - 1
    restarts = restarts[restarts < n]
    start_of = np.zeros(n, dtype=np.int64)
    start_of[restarts] = restarts
    np.maximum.accumulate(start_of, out=start_of)
    v_start = np.where(start_of == 0, v0, V_reset)
    steps = np.arange(n) - start_of
    with np.errstate(under="ignore"):
        V = G + a ** steps * (v_start - G[start_of])
    V[refractory_mask(spikes, n, 1, n_ref)] = V_reset
    return V


def forced_spike_voltages(traces, C: float, g_L: float, E_L: float, V_reset: float, eta_taus,
                          eta_amplitudes, n_ref: int) -> list[np.ndarray]:
    """Model voltage of each trace with its recorded spikes forced (from V[0] = data V[0])."""
    out = []
    for tr in traces:
        eta = exp_kernel_response(tr.spikes, tr.v.size, eta_taus, eta_amplitudes, tr.dt)
        out.append(simulate_forced_spikes(tr.i, eta, tr.spikes, float(tr.v[0]), tr.dt, C, g_L,
                                          E_L, V_reset, n_ref))
    return out
