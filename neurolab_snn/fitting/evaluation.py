"""Evaluation of a fitted GIF: variance explained, Md*, predicted rate (layer L4).

**Variance explained of V** (Pozzorini et al. 2015, Eq. 26): the model voltage
with the recorded spikes forced (:func:`.basis.simulate_forced_spikes`) against
the compensated voltage, on the training windows without [s, s + t_ref) of each
spike: 1 - SSE / sum_traces n var(V_data) (the toolbox's definition).

**Md*** (Naud, Gerkin, Stepanyants, Gerstner 2011, "Improved similarity measures
for small sets of spike trains", Neural Comput 23:3016; Pozzorini et al. 2015,
Eq. 27): with binned spike trains, the averages d (data, N_d repetitions) and
m (model, N_m repetitions), and the coincidence product
<x, y> = sum_n y[n] sum_{j = n - D}^{n + D - 1} x[j], D = Delta/dt (the
toolbox's rect(s/Delta) window of 2 D bins),

    Md* = 2 <d, m> / (<d, d>* + <m, m>),

where <d, d>* averages <d_i, d_j> over pairs i < j of data repetitions (the
unbiased estimate).  This is ``SpikeTrainComparator.computeMD_Kistler(4, 0.1)``
of the GIFFittingToolbox, computed exactly with cumulative sums.

**Prediction.** The fitted model is simulated in Brian2 (:func:`neurolab_snn.sim.simulate`)
as one NeuronGroup of N_m neurons that all receive the test current, starting
at rest (V = E_L, no spike history), with escape noise and an explicit seed.
Brian2 reports a spike at the start of the step whose update crossed; the
recording's spike is the next sample, so model spike times are shifted by
+dt (see :mod:`.basis`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..models.base import NeuronModel
from ..sim import CurrentInput, simulate
from ..units import amp, second
from .basis import FitTrace, refractory_mask

__all__ = ["Prediction", "md_star", "coincidence_product", "variance_explained_v",
           "predict_spike_trains"]


def _binned(trains: Sequence[np.ndarray], n_bins: int, dt: float) -> np.ndarray:
    """Average binned spike train (toolbox: one count per occupied bin)."""
    avg = np.zeros(n_bins)
    for train in trains:
        idx = np.asarray(np.asarray(train, dtype=np.float64) / dt + 1e-9, dtype=np.int64)
        idx = idx[(idx >= 0) & (idx < n_bins)]
        avg[idx] += 1.0  # repeated indices count once, as in the toolbox
    return avg / max(len(trains), 1)


def coincidence_product(x: np.ndarray, y: np.ndarray, half_width: int) -> float:
    """<x, y> = sum_n y[n] sum_{j=n-D}^{n+D-1} x[j] for binned trains (D = *half_width* bins)."""
    n = x.size
    csum = np.concatenate(([0.0], np.cumsum(x)))
    k = np.arange(n)
    window = csum[np.minimum(k + half_width, n)] - csum[np.maximum(k - half_width, 0)]
    return float(np.dot(window, y))


def md_star(data_trains: Sequence[np.ndarray], model_trains: Sequence[np.ndarray],
            duration: float, dt: float = 1e-4, delta: float = 4e-3) -> float:
    """Md* between recorded and model spike trains (numeric kernel, times in s).

    Parameters
    ----------
    data_trains : sequence of arrays
        Spike times (s from the window start) of >= 2 recorded repetitions.
    model_trains : sequence of arrays
        Spike times of the model repetitions.
    duration, dt, delta : float
        Window length, bin width and coincidence precision Delta (s).

    Raises
    ------
    ValueError
        Fewer than two data repetitions, or no spike at all.
    """
    if len(data_trains) < 2:
        raise ValueError(f"Md*: {len(data_trains)} recorded repetition(s); expected at least 2 "
                         "(the unbiased <d, d>* needs pairs of repetitions)")
    n_bins = int(round(duration / dt))
    half = int(delta / dt + 1e-9)
    singles = [_binned([t], n_bins, dt) for t in data_trains]
    d_avg = _binned(data_trains, n_bins, dt)
    m_avg = _binned(model_trains, n_bins, dt)
    dm = coincidence_product(d_avg, m_avg, half)
    mm = coincidence_product(m_avg, m_avg, half)
    pairs = [coincidence_product(singles[i], singles[j], half)
             for i in range(len(singles)) for j in range(i + 1, len(singles))]
    dd = float(np.mean(pairs))
    if dd + mm == 0:
        raise ValueError("Md*: neither the data nor the model has coincident spikes; expected "
                         "spiking data and model")
    return 2.0 * dm / (dd + mm)


def variance_explained_v(traces: Sequence[FitTrace], model_voltages: Sequence[np.ndarray],
                         n_ref: int) -> float:
    """Variance of the compensated V explained by the model with forced spikes (Eq. 26).

    *model_voltages* (one per trace, whole trace) come from
    :func:`.basis.forced_spike_voltages`; samples [s, s + n_ref) of each spike are left out.
    """
    sse, var = 0.0, 0.0
    for tr, V in zip(traces, model_voltages):
        n = tr.v.size
        use = np.zeros(n, dtype=bool)
        use[tr.start:tr.stop] = True
        use &= ~refractory_mask(tr.spikes, n, 0, n_ref)
        sse += float(np.sum((V[use] - tr.v[use]) ** 2))
        var += float(use.sum() * np.var(tr.v[use]))
    return 1.0 - sse / var


@dataclass(frozen=True)
class Prediction:
    """Recorded and model spike trains on the test window, with Md* and rates.

    Attributes
    ----------
    md_star : float
    data_trains, model_trains : tuple of ndarray
        Spike times (s from the test-window start).
    duration : float
        Test-window length (s).
    rate_data, rate_model : float
        Mean firing rates (Hz).
    seed : int
        Seed of the Brian2 simulation.
    """

    md_star: float
    data_trains: tuple
    model_trains: tuple
    duration: float
    rate_data: float
    rate_model: float
    seed: int

    @property
    def n_repetitions(self) -> int:
        return len(self.model_trains)


def predict_spike_trains(model: NeuronModel, current: np.ndarray, dt: float, n: int,
                         seed: int, backend: str = "runtime") -> list[np.ndarray]:
    """Spike times (s, sample convention of the recording) of *n* model repetitions.

    One Brian2 NeuronGroup of *n* neurons, all driven by *current* (A, sampled
    every *dt* s), each starting at rest; Brian2 times are shifted by +dt.
    """
    duration = current.size * dt
    rec = simulate(model, duration * second, n=int(n),
                   I_ext=CurrentInput(np.asarray(current) * amp, dt * second), record=(),
                   dt=dt * second, backend=backend, seed=int(seed))
    return [t + dt for t in rec.main.spike_trains()]


def evaluate_prediction(model: NeuronModel, data_trains: Sequence[np.ndarray],
                        current: np.ndarray, dt: float, n: int, delta: float, seed: int,
                        backend: str = "runtime") -> Prediction:
    """Simulate *n* repetitions on *current* and compare them with *data_trains* by Md*."""
    duration = current.size * dt
    model_trains = predict_spike_trains(model, current, dt, n, seed, backend)
    data_trains = [np.asarray(t, dtype=np.float64) for t in data_trains]
    score = md_star(data_trains, model_trains, duration, dt, delta)
    rate_d = sum(t.size for t in data_trains) / (len(data_trains) * duration)
    rate_m = sum(t.size for t in model_trains) / (len(model_trains) * duration)
    return Prediction(md_star=float(score), data_trains=tuple(data_trains),
                      model_trains=tuple(model_trains), duration=float(duration),
                      rate_data=float(rate_d), rate_model=float(rate_m), seed=int(seed))
