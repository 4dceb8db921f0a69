"""Settings of a GIF fit (layer L4): one frozen dataclass, validated, with units.

Defaults follow Pozzorini et al. (2015) PLOS Comput Biol 11:e1004275 and the
example script of their GIFFittingToolbox: 5 ms cut before each spike in the
subthreshold regression, lambda_0 = 1 Hz, spike detection at 0 mV with a 3 ms
lockout, Md* with Delta = 4 ms on 500 model repetitions.  The kernels eta and
gamma are sums of exponentials on fixed, log-spaced time constants (the
regression and the likelihood stay linear in their amplitudes), 0.5 ms (eta)
or 1 ms (gamma) to 1 s at about 1.9 per step, where the toolbox's
rectangular bins cover about 2-1000 ms.

One default departs from the toolbox's example (t_ref = 4 ms): ``t_ref='auto'``
sets the absolute refractory period to the duration of the recorded action
potential (:func:`.subthreshold.refractory_from_spike_shape`), since the GIF
does not model the spike waveform and V_reset is read where it ends.  On the
example layer-5 cell (broad spikes, V = -30 mV 4 ms after the upstroke) this
gives 6.6 ms; cross-validation inside the training windows (fit 0-8 s, predict
8-12 s; fit 0-4 s, predict 4-8 s) gave Md* 0.798 with 4 ms and 0.818 with 6 ms.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..units import Hz, Quantity, check_quantity, ms, second, to_si
from .aec import AECSettings
from .spikes import SpikeDetection

__all__ = ["GIFFitSettings", "DEFAULT_ETA_TAUS", "DEFAULT_GAMMA_TAUS"]

#: eta time constants: 13 log-spaced values 0.5 ms ... 1 s (ratio ~1.9).
DEFAULT_ETA_TAUS = tuple(float(x) * second for x in np.geomspace(0.5e-3, 1.0, 13))
#: gamma time constants: 12 log-spaced values 1 ms ... 1 s (ratio ~1.9).
DEFAULT_GAMMA_TAUS = tuple(float(x) * second for x in np.geomspace(1e-3, 1.0, 12))


@dataclass(frozen=True)
class GIFFitSettings:
    """What a GIF fit assumes and how hard it works.

    Parameters
    ----------
    t_ref : Quantity or 'auto'
        Absolute refractory period; spikes hold V at V_reset this long.  ``'auto'``
        (default): the duration of the action potential in the training data.
    exclude_before_spike : Quantity
        Data cut before each spike in the subthreshold regression (5 ms).
    eta_taus, gamma_taus : tuple of Quantity
        Fixed time constants of the spike-triggered current and moving threshold.
    lambda_0 : Quantity
        Escape rate at V = V_T (1 Hz; redundant with V_T*, so fixed).
    spike_detection : SpikeDetection
        Threshold crossing and lockout (0 mV, 3 ms).
    aec : AECSettings
        Electrode compensation meta-parameters.
    n_repetitions : int
        Model repetitions simulated for Md* (500).
    md_delta : Quantity
        Half-width Delta of Md*'s coincidence window (4 ms).
    max_iterations : int
        Newton iterations of the threshold likelihood (at most).
    tolerance : float
        Stop when the Newton decrement g^T H^-1 g / 2 falls below this (nats).
    gamma_ridge : float
        Weight of the Gaussian prior on the gamma amplitudes (RMS-scaled; 1: weak, see
        :func:`.threshold.maximize_likelihood`); 0 gives the plain maximum likelihood.
    """

    t_ref: Quantity | str = "auto"
    exclude_before_spike: Quantity = field(default_factory=lambda: 5 * ms)
    eta_taus: tuple = DEFAULT_ETA_TAUS
    gamma_taus: tuple = DEFAULT_GAMMA_TAUS
    lambda_0: Quantity = field(default_factory=lambda: 1 * Hz)
    spike_detection: SpikeDetection = field(default_factory=SpikeDetection)
    aec: AECSettings = field(default_factory=AECSettings)
    n_repetitions: int = 500
    md_delta: Quantity = field(default_factory=lambda: 4 * ms)
    max_iterations: int = 100
    tolerance: float = 1e-9
    gamma_ridge: float = 1.0

    def __post_init__(self):
        if isinstance(self.t_ref, str):
            if self.t_ref != "auto":
                raise ValueError(f"GIFFitSettings.t_ref={self.t_ref!r}; expected a time "
                                 "quantity or 'auto'")
        else:
            check_quantity("GIFFitSettings.t_ref", self.t_ref, second, positive=True)
        check_quantity("GIFFitSettings.exclude_before_spike", self.exclude_before_spike, second,
                       nonnegative=True)
        check_quantity("GIFFitSettings.lambda_0", self.lambda_0, Hz, positive=True)
        check_quantity("GIFFitSettings.md_delta", self.md_delta, second, positive=True)
        for name in ("eta_taus", "gamma_taus"):
            taus = tuple(getattr(self, name))
            object.__setattr__(self, name, taus)
            for k, tau in enumerate(taus):
                check_quantity(f"GIFFitSettings.{name}[{k}]", tau, second, positive=True)
            if len(set(float(to_si(t)) for t in taus)) != len(taus):
                raise ValueError(f"GIFFitSettings.{name}={taus!r}: expected distinct values")
        if int(self.n_repetitions) != self.n_repetitions or self.n_repetitions < 1:
            raise ValueError(f"GIFFitSettings.n_repetitions={self.n_repetitions!r}; expected a "
                             "positive integer (>= 500 for Md* as in Pozzorini et al. 2015)")
        if int(self.max_iterations) != self.max_iterations or self.max_iterations < 1:
            raise ValueError(f"GIFFitSettings.max_iterations={self.max_iterations!r}; expected a "
                             "positive integer")
        if not self.gamma_ridge >= 0:
            raise ValueError(f"GIFFitSettings.gamma_ridge={self.gamma_ridge!r}; expected >= 0")
        if not self.tolerance > 0:
            raise ValueError(f"GIFFitSettings.tolerance={self.tolerance!r}; expected > 0")

    def check_dt(self, dt: float, source: str) -> None:
        """Raise if the sampling interval *dt* (s) is too coarse for t_ref or the kernels."""
        n_ref = np.inf if self.t_ref == "auto" else to_si(self.t_ref) / dt
        if n_ref < 1 - 1e-9:
            raise ValueError(f"sweep {source!r}: sampling interval {dt * 1e3:g} ms is longer than "
                             f"t_ref = {to_si(self.t_ref) * 1e3:g} ms; expected dt <= t_ref")
        shortest = min(float(to_si(t)) for t in self.eta_taus + self.gamma_taus)
        if shortest <= dt:
            raise ValueError(f"sweep {source!r}: sampling interval {dt * 1e3:g} ms is not below "
                             f"the shortest kernel time constant {shortest * 1e3:g} ms; expected "
                             "a finer sampling or longer eta_taus/gamma_taus")

    def n_ref(self, dt: float) -> int:
        """Refractory period in samples (round(t_ref/dt), at least 1); t_ref must be resolved."""
        if isinstance(self.t_ref, str):
            raise ValueError("GIFFitSettings.t_ref is 'auto'; resolve it first "
                             "(refractory_from_spike_shape) with dataclasses.replace")
        return max(1, int(round(to_si(self.t_ref) / dt)))
