"""Reset and subthreshold fit of the GIF (Pozzorini et al. 2015, Eqs. 16-18) (layer L4).

**Reset.** V_reset is the spike-triggered average of the compensated voltage
at the end of the absolute refractory period (sample s + T - 1 of a spike at
sample s, where the model restarts its integration; see :mod:`.basis`).

**Subthreshold dynamics.** Between spikes the GIF's discrete dynamics
(:mod:`.basis`, Eq. 1) is linear in its parameters:

    (V[t+1] - V[t]) / dt = b_V V[t] + b_I I[t] + b_0 + sum_k b_k x_k[t],

with x_k[t] = sum_{s <= t} exp(-(t-s) dt / tau_k) on fixed, log-spaced tau_k.
Ordinary least squares on every sample except [s - 5 ms, s + T - 1) around each
spike gives b, and the GIF parameters follow exactly, not to first order in dt:

    a = 1 + dt b_V = exp(-dt g_L / C),   g_L = (1 - a) / (dt b_I),   C = -dt g_L / ln a,
    E_L = dt b_0 / (1 - a),              a_eta_k = -b_k / b_I.

Pozzorini et al. read the same regression as forward Euler (C = 1/b_I); reading
it as the exponential-Euler map makes the fitted parameters reproduce, in
Brian2's exponential Euler, the very discrete trajectory the regression
fitted.  The variance explained of dV/dt is 1 - mean(residual^2)/var(dV/dt)
on the regression samples.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..units import Quantity, amp, farad, second, siemens, to_si, volt
from .basis import FitTrace, exp_filtered_spikes, refractory_mask
from .settings import GIFFitSettings

__all__ = ["ResetFit", "SubthresholdFit", "fit_reset", "fit_subthreshold",
           "refractory_from_spike_shape"]


@dataclass(frozen=True)
class ResetFit:
    """Voltage reset and the spike-triggered average it came from (SI).

    Attributes
    ----------
    V_reset : float
        Reset voltage (V).
    time, average : ndarray
        Time from the spike sample (s) and the average voltage (V), -10 ms ... +20 ms.
    n_spikes : int
        Number of spikes averaged.
    """

    V_reset: float
    time: np.ndarray
    average: np.ndarray
    n_spikes: int


@dataclass(frozen=True)
class SubthresholdFit:
    """Result of the subthreshold regression (SI floats).

    Attributes
    ----------
    C, g_L, E_L : float
        Capacitance (F), leak conductance (S), resting potential (V).
    eta_taus, eta_amplitudes : tuple of float
        Spike-triggered current eta(t) = sum_k a_k exp(-t/tau_k) (s, A), t from the spike sample.
    variance_explained_dvdt : float
        Fraction of the variance of dV/dt explained on the regression samples.
    n_samples : int
        Number of regression samples.
    """

    C: float
    g_L: float
    E_L: float
    eta_taus: tuple
    eta_amplitudes: tuple
    variance_explained_dvdt: float
    n_samples: int

    @property
    def tau_m(self) -> float:
        """Membrane time constant C/g_L (s)."""
        return self.C / self.g_L

    def eta(self, t: np.ndarray) -> np.ndarray:
        """eta(t) (A) at times *t* (s) after the spike sample."""
        t = np.asarray(t, dtype=np.float64)[..., None]
        return np.sum(np.asarray(self.eta_amplitudes) * np.exp(-t / np.asarray(self.eta_taus)),
                      axis=-1)

    def parameters(self) -> dict[str, Quantity]:
        """C, g_L, E_L with units."""
        return {"C": self.C * farad, "g_L": self.g_L * siemens, "E_L": self.E_L * volt}

    def eta_kernel(self) -> tuple[tuple, tuple]:
        """(taus, amplitudes) as Brian2 quantities, ready for :func:`neurolab_snn.models.GIF`."""
        return (tuple(t * second for t in self.eta_taus),
                tuple(a * amp for a in self.eta_amplitudes))


def refractory_from_spike_shape(traces: Sequence[FitTrace], lead: float = 1e-3,
                                longest: float = 20e-3, fallback: float = 4e-3,
                                shortest: float = 3e-3) -> float:
    """Duration (s) of the recorded action potential: the ``t_ref='auto'`` rule.

    With the spike-triggered average voltage STA(t) (t from the detected
    crossing), t_ref is the first time after the STA's peak at which
    STA(t) <= STA(-lead), i.e. the voltage is back at the level from which the
    spike took off (*lead* = 1 ms before the crossing), rounded to a sample and
    at least *shortest* (the detector's lockout: shorter intervals are never
    detected).  The GIF does not model the waveform, so its absolute refractory period
    spans it and V_reset is read at its end (cf. the "spike cut" of Teeter et
    al. 2018, Nat Commun 9:709).  If the STA does not come back within
    *longest*, or no spike has a full window, *fallback* (Pozzorini et al.'s
    4 ms) is returned with a warning.
    """
    dt = traces[0].dt
    before, after = int(round(lead / dt)), int(round(longest / dt))
    total, count = np.zeros(before + after), 0
    for tr in traces:
        s = tr.window_spikes
        s = s[(s >= before) & (s + after <= tr.v.size)]
        if s.size:
            total += tr.v[s[:, None] + np.arange(-before, after)[None, :]].sum(axis=0)
            count += s.size
    if count:
        sta = total / count
        peak = before + int(np.argmax(sta[before:]))
        back = np.flatnonzero(sta[peak:] <= sta[0])
        if back.size:
            return float(max((peak + back[0] - before) * dt, shortest))
    import warnings
    warnings.warn(f"t_ref='auto': the spike-triggered average does not return to its level "
                  f"{lead * 1e3:g} ms before the spike within {longest * 1e3:g} ms; using "
                  f"t_ref = {fallback * 1e3:g} ms", stacklevel=2)
    return float(fallback)


def fit_reset(traces: Sequence[FitTrace], settings: GIFFitSettings) -> ResetFit:
    """V_reset from the spike-triggered average of the voltage (toolbox step 1).

    Raises a ``ValueError`` if no spike in the training windows has 10 ms of
    data before and 20 ms after it.
    """
    dt = traces[0].dt
    n_ref = settings.n_ref(dt)
    before, after = int(round(10e-3 / dt)), int(round(20e-3 / dt))
    total, count = np.zeros(before + after), 0
    for tr in traces:
        s = tr.window_spikes
        s = s[(s >= before) & (s + after <= tr.v.size)]
        if s.size:
            idx = s[:, None] + np.arange(-before, after)[None, :]
            total += tr.v[idx].sum(axis=0)
            count += s.size
    if count == 0:
        raise ValueError("no spike in the training data with 10 ms before and 20 ms after it; "
                         "expected spiking training sweeps to fit the reset")
    average = total / count
    time = np.arange(-before, after) * dt
    v_reset = float(average[before + n_ref - 1])
    threshold = float(to_si(settings.spike_detection.threshold))
    if v_reset >= threshold:
        raise ValueError(f"reset fit: V_reset = {v_reset * 1e3:.4g} mV at t_ref = "
                         f"{n_ref * dt * 1e3:g} ms after the spike is not below the spike "
                         f"detection threshold ({threshold * 1e3:g} mV); expected a t_ref that "
                         "covers the action potential")
    return ResetFit(V_reset=v_reset, time=time, average=average, n_spikes=count)


def regression_rows(tr: FitTrace, n_before: int, n_ref: int) -> np.ndarray:
    """Samples t of the window whose update V[t] -> V[t+1] is free of spikes."""
    n = tr.v.size
    use = np.zeros(n, dtype=bool)
    use[tr.start:min(tr.stop, n - 1)] = True
    use &= ~refractory_mask(tr.spikes, n, -n_before, n_ref - 1)
    return np.flatnonzero(use)


def fit_subthreshold(traces: Sequence[FitTrace], settings: GIFFitSettings) -> SubthresholdFit:
    """Fit C, g_L, E_L and eta by linear regression on dV/dt (toolbox step 2).

    Raises
    ------
    ValueError
        Too few samples, or a fit without a stable leaky membrane (C <= 0 or
        g_L <= 0: usually V and I swapped or wrong units).
    """
    dt = traces[0].dt
    n_ref = settings.n_ref(dt)
    n_before = int(round(to_si(settings.exclude_before_spike) / dt))
    taus = tuple(float(to_si(t)) for t in settings.eta_taus)
    p = 3 + len(taus)
    xtx, xty, yy, ysum, n_rows = np.zeros((p, p)), np.zeros(p), 0.0, 0.0, 0
    for tr in traces:
        rows = regression_rows(tr, n_before, n_ref)
        if rows.size == 0:
            continue
        X = np.empty((rows.size, p), order="F")         # column-major: cheap column fills
        np.take(tr.v, rows, out=X[:, 0])
        np.take(tr.i, rows, out=X[:, 1])
        X[:, 2] = 1.0
        X[:, 3:] = exp_filtered_spikes(tr.spikes, tr.v.size, taus, dt, rows=rows)
        y = (tr.v[rows + 1] - X[:, 0]) / dt
        xtx += X.T @ X
        xty += X.T @ y
        yy += y @ y
        ysum += y.sum()
        n_rows += rows.size
    if n_rows < 10 * p:
        raise ValueError(f"subthreshold fit: {n_rows} usable samples; expected at least {10 * p} "
                         "(longer training sweeps or a shorter exclude_before_spike)")
    scale = np.sqrt(np.diag(xtx))
    scale[scale == 0] = 1.0
    b = np.linalg.lstsq(xtx / np.outer(scale, scale), xty / scale, rcond=None)[0] / scale
    sse = yy - 2 * b @ xty + b @ xtx @ b
    var_y = yy / n_rows - (ysum / n_rows) ** 2
    a = 1.0 + dt * b[0]
    if not (0.0 < a < 1.0) or b[1] <= 0:
        raise ValueError(f"subthreshold fit: dV/dt = {b[0]:.4g}/s * V + {b[1]:.4g} V/(A s) * I + "
                         "...; expected a leaky membrane (negative V and positive I coefficients): "
                         "are the voltage and current channels swapped or mis-scaled?")
    g_L = (1.0 - a) / (dt * b[1])
    C = -dt * g_L / np.log(a)
    E_L = dt * b[2] / (1.0 - a)
    amps = tuple(float(x) for x in -b[3:] / b[1])
    return SubthresholdFit(C=float(C), g_L=float(g_L), E_L=float(E_L), eta_taus=taus,
                           eta_amplitudes=amps,
                           variance_explained_dvdt=float(1.0 - sse / n_rows / var_y),
                           n_samples=int(n_rows))
