"""Spike detection: threshold crossing from below plus a refractory lockout."""
from __future__ import annotations

import numpy as np
import pytest

from neurolab_snn.fitting.spikes import SpikeDetection, detect_spike_indices, detect_spikes
from neurolab_snn.units import mV, ms, second


def _trace():
    v = np.full(1000, -0.06)
    v[100:105] = 0.02          # a spike crossing 0 at sample 100
    v[120:122] = 0.01          # a second crossing 2 ms later (e.g. noise on the peak)
    v[500] = 0.0               # touching 0 V counts (>= threshold)
    v[800:803] = -0.01         # stays below 0 mV: no spike
    return v


def test_crossings_and_lockout():
    v = _trace()
    np.testing.assert_array_equal(detect_spike_indices(v, 1e-4, 0.0, 3e-3), [100, 500])
    np.testing.assert_array_equal(detect_spike_indices(v, 1e-4, 0.0, 1e-3), [100, 120, 500])
    # a lower threshold finds the small event too
    np.testing.assert_array_equal(detect_spike_indices(v, 1e-4, -0.02, 3e-3), [100, 500, 800])


def test_quantity_interface():
    times = detect_spikes(_trace() * 1e3 * mV, 0.1 * ms, SpikeDetection(0 * mV, 3 * ms))
    np.testing.assert_allclose(np.asarray(times / second), [0.010, 0.050], rtol=1e-12)
    with pytest.raises(TypeError, match="SpikeDetection.lockout"):
        SpikeDetection(lockout=3.0)
    with pytest.raises(ValueError, match="expected a value >= 0"):
        SpikeDetection(lockout=-1 * ms)


def test_no_crossing_gives_empty():
    assert detect_spike_indices(np.full(100, -0.07), 1e-4).size == 0
