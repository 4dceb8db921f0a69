"""Diagnostics of a GIF fit: when the fitted model is not to be trusted (layer L4).

Each check is one function that returns a :class:`Diagnostic`: the number
behind it, the threshold at which it trips, and one line of advice.  A fit that
trips a check still produces its outputs; :func:`diagnose_fit` runs them all
(``fit_gif`` does, into ``GIFFitResult.diagnostics``, ``fit.json`` and the console).

=======================  ==============================================  ===========
check                    number                                          trips when
=======================  ==============================================  ===========
threshold_below_rest     V_T* - E_L (mV)                                 < 0 mV
soft_threshold           DeltaV (mV)                                     > 10 mV
bits_per_spike           likelihood gain over a constant rate (bit/sp.)  < 2
depolarisation_block     median spike amplitude, top / bottom third of   < 0.8
                         the spikes ordered by the current before them
electrode_kernel_decay   share of |K_e| in the second half of its length > 0.2
predicted_rate           (rate_model - rate_data) / rate_data (%)        |.| > 30 %
=======================  ==============================================  ===========

Reasons for the thresholds.  The escape rate lambda_0 exp((V - V_T*)/DeltaV)
of a GIF (Pozzorini et al. 2015, PLOS Comput Biol 11:e1004275) is a soft
threshold near V_T*; a V_T* below the resting potential E_L, or a DeltaV of the
order of the whole subthreshold range (10 mV), means the likelihood found
little voltage dependence of firing: the fit describes spiking as nearly
random in V, typically because spikes fail where V is highest (depolarisation
block) or because detection missed or over-counted spikes.  Bits per spike
b = (L - L_const) / (N ln 2) say that the model makes the observed spikes on
average 2^b times more likely than a constant-rate process; below 2 bits (a
factor 4) the voltage says little about when the cell fires.

Depolarisation block (sodium-channel inactivation under strong depolarising
current, e.g. Bianchi et al. 2012, J Comput Neurosci 33:207) shows as action
potentials that shrink and then fail as the current grows.  Spike-like events
are found by their upstroke, dV/dt crossing ``rise`` (20 V/s), so that failed
spikes that never reach the detection threshold are counted as well; an
event's amplitude is the peak within ``peak_window`` (2 ms) minus the voltage
at the upstroke; its current is the mean injected current over the
``current_window`` (20 ms) before it.  The ratio of the median amplitude of the
third of events with the strongest current to that of the third with the
weakest is about 1 in a cell that fires normally and falls as spikes shrink.

The electrode kernel K_e of the AEC (Badel et al. 2008, J Neurophysiol 99:656)
must decay within its length (7 ms); if more than a fifth of its absolute
integral lies in the second half, the split between electrode and membrane is
doubtful and the compensated voltage may keep electrode artefacts.  The
predicted firing rate on the test set should match the recorded one; 30 % off
means the model's excitability is wrong even where Md* may look acceptable.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .basis import FitTrace

__all__ = ["Diagnostic", "check_threshold_below_rest", "check_soft_threshold",
           "check_bits_per_spike", "check_depolarisation_block", "check_electrode_kernel",
           "check_predicted_rate", "spike_events", "diagnose_fit"]


@dataclass(frozen=True)
class Diagnostic:
    """One check of a fit: its number, the threshold, whether it tripped, what to try.

    Attributes
    ----------
    name : str
        Identifier (``'depolarisation_block'``).
    quantity : str
        What ``value`` is, in words.
    value : float or None
        The number behind the check, in ``unit``; None when it could not be computed.
    threshold : float
        Where the check trips, in ``unit``.
    unit : str
        Unit of ``value`` and ``threshold`` (``'mV'``, ``'bit/spike'``, ``'1'``, ``'%'``).
    trips : str
        ``'below'``, ``'above'`` or ``'outside'`` (|value| above the threshold).
    tripped : bool
    advice : str
        One line: what the number means when it trips and what to try.
    """

    name: str
    quantity: str
    value: float | None
    threshold: float
    unit: str
    trips: str
    tripped: bool
    advice: str

    def line(self) -> str:
        """One console line: ``WARNING`` and the advice when tripped, ``ok`` otherwise."""
        unit = "" if self.unit == "1" else f" {self.unit}"
        limit = {"below": "<", "above": ">", "outside": "|.| >"}[self.trips]
        if self.value is None:
            return f"diagnostic {self.name}: not evaluated ({self.advice})"
        number = f"{self.quantity} = {self.value:.3g}{unit} (trips at {limit} " \
                 f"{self.threshold:g}{unit})"
        if self.tripped:
            return f"WARNING diagnostic {self.name}: {number}: {self.advice}"
        return f"diagnostic {self.name}: ok, {number}"

    def as_dict(self) -> dict:
        return {"name": self.name, "quantity": self.quantity, "value": self.value,
                "threshold": self.threshold, "unit": self.unit, "trips": self.trips,
                "tripped": self.tripped, "advice": self.advice}


def _make(name, quantity, value, threshold, unit, trips, advice, missing="") -> Diagnostic:
    if value is None or not np.isfinite(value):
        return Diagnostic(name, quantity, None, threshold, unit, trips, False, missing)
    value = float(value)
    tripped = {"below": value < threshold, "above": value > threshold,
               "outside": abs(value) > threshold}[trips]
    return Diagnostic(name, quantity, value, float(threshold), unit, trips, bool(tripped),
                      advice)


def check_threshold_below_rest(V_T_star: float, E_L: float, limit: float = 0.0) -> Diagnostic:
    """V_T* - E_L (V in, mV out); trips below *limit* (V): a threshold under the resting V."""
    return _make("threshold_below_rest", "V_T* - E_L", (V_T_star - E_L) * 1e3, limit * 1e3, "mV",
                 "below", "the fitted threshold lies below the resting potential, so firing "
                 "barely depends on V (a degenerate threshold fit): look at the "
                 "depolarisation_block check and fit a --train-window where the cell fires "
                 "normally")


def check_soft_threshold(DeltaV: float, limit: float = 10e-3) -> Diagnostic:
    """DeltaV (V in, mV out); trips above *limit* (V): a threshold too soft to time spikes."""
    return _make("soft_threshold", "DeltaV", DeltaV * 1e3, limit * 1e3, "mV", "above",
                 "the threshold is as soft as the whole subthreshold range: check spike "
                 "detection (missed or double-counted spikes), depolarisation block and the "
                 "training window")


def check_bits_per_spike(bits: float, limit: float = 2.0) -> Diagnostic:
    """Likelihood gain (bit/spike) over a constant-rate process; trips below *limit*."""
    return _make("bits_per_spike", "likelihood gain", bits, limit, "bit/spike", "below",
                 "the fitted voltage predicts spike times little better than a constant rate: "
                 "more or longer training sweeps with a fluctuating current, and check spike "
                 "detection and the electrode compensation")


def spike_events(v: np.ndarray, i: np.ndarray, dt: float, rise: float = 20.0,
                 lockout: float = 3e-3, peak_window: float = 2e-3,
                 current_window: float = 20e-3) -> tuple[np.ndarray, np.ndarray]:
    """Amplitudes (V) and preceding mean currents (A) of spike-like events (numeric kernel).

    An event starts where dV/dt crosses *rise* (V/s) upwards, at least *lockout*
    (s) after the previous one; its amplitude is max V over *peak_window* (s)
    minus V at the crossing, its current the mean of *i* over the
    *current_window* (s) before.  Events too close to either end are left out.
    """
    v = np.asarray(v, dtype=np.float64)
    i = np.asarray(i, dtype=np.float64)
    slope = np.diff(v) / dt
    fast = slope >= rise
    up = np.flatnonzero(fast[1:] & ~fast[:-1]) + 1
    gap, n_peak, n_cur = (max(1, int(round(x / dt))) for x in (lockout, peak_window,
                                                               current_window))
    keep, last = [], -gap - 1
    for k in up.tolist():
        if k - last > gap:
            keep.append(k)
            last = k
    up = np.asarray(keep, dtype=np.int64)
    up = up[(up >= n_cur) & (up + n_peak <= v.size)]
    if up.size == 0:
        return np.zeros(0), np.zeros(0)
    peaks = np.max(v[up[:, None] + np.arange(n_peak)], axis=1)
    csum = np.concatenate(([0.0], np.cumsum(i)))
    currents = (csum[up] - csum[up - n_cur]) / n_cur
    return peaks - v[up], currents


def check_depolarisation_block(traces: Sequence[FitTrace], limit: float = 0.8,
                               min_events: int = 30) -> Diagnostic:
    """Median spike amplitude at the strongest third of currents over the weakest third.

    Computed over the training windows of *traces* (compensated V) with
    :func:`spike_events`; not evaluated with fewer than *min_events* events.
    Trips below *limit*: spikes shrink or fail as the current grows.
    """
    amps, currents = [], []
    for tr in traces:
        a, c = spike_events(tr.v[tr.start:tr.stop], tr.i[tr.start:tr.stop], tr.dt)
        amps.append(a)
        currents.append(c)
    amps, currents = np.concatenate(amps), np.concatenate(currents)
    ratio = None
    if amps.size >= min_events:
        order = np.argsort(currents, kind="stable")
        third = amps.size // 3
        low, high = np.median(amps[order[:third]]), np.median(amps[order[-third:]])
        ratio = high / low if low > 0 else None
    return _make("depolarisation_block", "spike amplitude ratio, strongest / weakest third of "
                 "currents", ratio, limit, "1", "below",
                 "spikes shrink or fail at strong current (depolarisation block), which the "
                 "GIF cannot reproduce: fit a --train-window or sweeps with weaker current, "
                 "where the spikes keep their height",
                 missing=f"fewer than {min_events} spike-like events in the training windows")


def check_electrode_kernel(kernel: np.ndarray | None, limit: float = 0.2) -> Diagnostic:
    """Share of sum |K_e| in the second half of the kernel; trips above *limit*."""
    share = None
    if kernel is not None and np.any(kernel):
        k = np.abs(np.asarray(kernel, dtype=np.float64))
        share = float(np.sum(k[k.size // 2:]) / np.sum(k))
    return _make("electrode_kernel_decay", "share of |K_e| in its second half", share, limit,
                 "1", "above",
                 "the electrode kernel has not decayed within its length: check that the "
                 "calibration sweep is subthreshold with a fluctuating current, or lengthen "
                 "AECSettings.electrode_length; the compensated V may keep electrode artefacts",
                 missing="no calibration sweep (no electrode compensation)")


def check_predicted_rate(rate_model: float | None, rate_data: float | None,
                         limit: float = 0.3) -> Diagnostic:
    """(rate_model - rate_data) / rate_data in %; trips when |.| exceeds *limit* (a fraction)."""
    error = None
    if rate_model is not None and rate_data:
        error = 100.0 * (rate_model - rate_data) / rate_data
    return _make("predicted_rate", "test rate error (model - data) / data", error,
                 100.0 * limit, "%", "outside",
                 "the model fires at the wrong rate on the test set: check that training and "
                 "test sweeps come from the same cell state and current range, and the "
                 "threshold checks",
                 missing="no test prediction")


def diagnose_fit(*, V_T_star: float, E_L: float, DeltaV: float, bits_per_spike: float,
                 traces: Sequence[FitTrace], kernel: np.ndarray | None,
                 rate_model: float | None = None, rate_data: float | None = None
                 ) -> tuple[Diagnostic, ...]:
    """All checks, in the order of the module table (SI floats in)."""
    return (check_threshold_below_rest(V_T_star, E_L), check_soft_threshold(DeltaV),
            check_bits_per_spike(bits_per_spike), check_depolarisation_block(traces),
            check_electrode_kernel(kernel), check_predicted_rate(rate_model, rate_data))
