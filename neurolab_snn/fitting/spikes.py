"""Spike detection by threshold crossing with a refractory lockout (layer L4).

A spike is the first sample ``k`` with ``V[k] >= threshold`` and
``V[k-1] < threshold`` (an upward crossing); after a detection, crossings in the
next ``lockout`` are ignored, so that noise on the spike's peak is not counted
twice.  This is the detector of the GIF fitting toolbox of Pozzorini et al.
(2015, PLOS Comput Biol 11:e1004275), with its defaults 0 mV and 3 ms.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..units import Quantity, check_quantity, mV, ms, second, to_si, volt

__all__ = ["SpikeDetection", "detect_spikes", "detect_spike_indices"]


@dataclass(frozen=True)
class SpikeDetection:
    """Settings of the spike detector.

    Parameters
    ----------
    threshold : Quantity
        Voltage that an action potential crosses upwards (default 0 mV).
    lockout : Quantity
        Time after a detection during which further crossings are ignored (default 3 ms).
    """

    threshold: Quantity = field(default_factory=lambda: 0 * mV)
    lockout: Quantity = field(default_factory=lambda: 3 * ms)

    def __post_init__(self):
        check_quantity("SpikeDetection.threshold", self.threshold, volt)
        check_quantity("SpikeDetection.lockout", self.lockout, second, nonnegative=True)


def detect_spike_indices(v: np.ndarray, dt: float, threshold: float = 0.0,
                         lockout: float = 3e-3) -> np.ndarray:
    """Sample indices of upward crossings of *threshold* (V), at least *lockout* (s) apart.

    Numeric kernel on float64 SI arrays: a crossing at ``k`` needs
    ``v[k] >= threshold > v[k-1]``; after it, crossings at ``k' <= k + round(lockout/dt)``
    are skipped (the toolbox's lockout).
    """
    v = np.asarray(v, dtype=np.float64)
    above = v >= threshold
    crossings = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    if crossings.size < 2:
        return crossings.astype(np.int64)
    gap = int(round(lockout / dt))
    keep = np.empty(crossings.size, dtype=bool)
    last = -gap - 1
    for n, k in enumerate(crossings.tolist()):  # a few thousand crossings: a loop is cheap
        keep[n] = k - last > gap
        if keep[n]:
            last = k
    return crossings[keep].astype(np.int64)


def detect_spikes(v: Quantity, dt: Quantity, settings: SpikeDetection = SpikeDetection()
                  ) -> Quantity:
    """Spike times (s from the first sample) in the voltage trace *v* sampled every *dt*.

    Parameters
    ----------
    v : Quantity
        Membrane voltage (after electrode compensation).
    dt : Quantity
        Sampling interval.
    settings : SpikeDetection
        Threshold and lockout.
    """
    check_quantity("v", v, volt, finite=False)
    check_quantity("dt", dt, second, positive=True)
    step = to_si(dt)
    idx = detect_spike_indices(to_si(v), step, to_si(settings.threshold), to_si(settings.lockout))
    return idx * step * second
