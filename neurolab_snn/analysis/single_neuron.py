"""Single-neuron measures on spike trains and traces (layer L4): pure functions, SI floats.

Spike trains are 1-D arrays of spike times in seconds; currents in amperes.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..units import Hz, Quantity, amp, check_quantity, ohm, second, to_si, volt


def steady_rates(spike_trains: Sequence[np.ndarray], t_start: float, t_stop: float) -> np.ndarray:
    """Firing rate (Hz) of each train: 1/mean ISI of the spikes in [t_start, t_stop).

    A train with one spike in the window gets count/(t_stop - t_start); none gets 0.
    """
    if t_stop <= t_start:
        raise ValueError(f"t_stop={t_stop!r} s must be after t_start={t_start!r} s")
    rates = np.zeros(len(spike_trains))
    for k, train in enumerate(spike_trains):
        sel = np.asarray(train)[(train >= t_start) & (train < t_stop)]
        if sel.size >= 2:
            rates[k] = 1.0 / np.mean(np.diff(sel))
        else:
            rates[k] = sel.size / (t_stop - t_start)
    return rates


def count_rates(spike_trains: Sequence[np.ndarray], t_start: float, t_stop: float) -> np.ndarray:
    """Spike count in [t_start, t_stop) divided by the window length (Hz)."""
    if t_stop <= t_start:
        raise ValueError(f"t_stop={t_stop!r} s must be after t_start={t_start!r} s")
    return np.array([np.count_nonzero((tr >= t_start) & (tr < t_stop)) for tr in spike_trains],
                    dtype=float) / (t_stop - t_start)


def first_spike_latency(spike_trains: Sequence[np.ndarray], t_onset: float = 0.0) -> np.ndarray:
    """Time (s) from *t_onset* to the first spike at or after it; NaN for no spike."""
    out = np.full(len(spike_trains), np.nan)
    for k, train in enumerate(spike_trains):
        after = np.asarray(train)[np.asarray(train) >= t_onset]
        if after.size:
            out[k] = after[0] - t_onset
    return out


def adaptation_index(spike_trains: Sequence[np.ndarray]) -> np.ndarray:
    """Mean normalised ISI change, A = <(ISI_{k+1} - ISI_k)/(ISI_{k+1} + ISI_k)>.

    Positive for adapting (slowing) firing, 0 for regular firing; NaN with
    fewer than 3 spikes (Allen Cell Types Database technical white paper, 2017).
    """
    out = np.full(len(spike_trains), np.nan)
    for k, train in enumerate(spike_trains):
        isi = np.diff(np.asarray(train))
        if isi.size >= 2:
            out[k] = np.mean((isi[1:] - isi[:-1]) / (isi[1:] + isi[:-1]))
    return out


def rheobase(currents: np.ndarray, rates: np.ndarray) -> float:
    """Smallest current (A) with a non-zero rate; NaN if none fires."""
    firing = np.flatnonzero(np.asarray(rates) > 0)
    return float(np.asarray(currents)[firing[0]]) if firing.size else float("nan")


def lif_rate(I: Quantity, *, tau_m: Quantity, R_m: Quantity, E_L: Quantity, V_th: Quantity,
             V_reset: Quantity, t_ref: Quantity) -> Quantity:
    """Analytic firing rate of the current-based LIF under a constant current.

        f = 1 / (t_ref + tau_m ln((E_L + R I - V_reset)/(E_L + R I - V_th)))

    for E_L + R I > V_th, else 0 (Gerstner et al. 2014, eq. 1.11; with V_reset = E_L
    this is 1/(t_ref + tau_m ln(R I/(R I - (V_th - E_L))))).
    """
    I = to_si(check_quantity("I", I, amp))
    tau, R = to_si(check_quantity("tau_m", tau_m, second)), to_si(check_quantity("R_m", R_m, ohm))
    e_l, v_th = to_si(check_quantity("E_L", E_L, volt)), to_si(check_quantity("V_th", V_th, volt))
    v_r, t_r = to_si(check_quantity("V_reset", V_reset, volt)), to_si(check_quantity("t_ref", t_ref,
                                                                                   second))
    v_inf = e_l + R * np.asarray(I, dtype=float)
    rate = np.zeros_like(v_inf)
    fire = v_inf > v_th
    rate[fire] = 1.0 / (t_r + tau * np.log((v_inf[fire] - v_r) / (v_inf[fire] - v_th)))
    return rate * Hz


def action_potential_features(v: np.ndarray, t: np.ndarray, dvdt_threshold: float = 10.0):
    """Threshold (V, where dV/dt first exceeds *dvdt_threshold* V/s) and peak (V) of the first AP.

    Returns ``(threshold, peak, t_peak)``; NaNs when no AP (peak above 0 V) occurs.
    """
    v, t = np.asarray(v, float), np.asarray(t, float)
    dvdt = np.gradient(v, t)
    above = np.flatnonzero(v > 0.0)
    if above.size == 0:
        return float("nan"), float("nan"), float("nan")
    start = above[0]
    rising = np.flatnonzero(dvdt[:start] < dvdt_threshold)
    k_th = rising[-1] + 1 if rising.size else 0
    end = start
    while end + 1 < v.size and v[end + 1] >= v[end]:
        end += 1
    return float(v[k_th]), float(v[end]), float(t[end])
