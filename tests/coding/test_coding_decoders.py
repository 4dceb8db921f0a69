"""Generic decoders: counts, rates, argmax/softmax, first-spike times, population vector."""
import numpy as np
import pytest

from neurolab_snn.coding import (argmax_count, argmin_latency, firing_rate, first_spike_times,
                                 latency, population_vector, softmax_confidence, spike_count)
from neurolab_snn.units import Hz, ms, second


@pytest.fixture
def spikes():
    s = np.zeros((2, 10, 3))
    s[0, [1, 4, 7], 0] = 1      # sample 0: counts (3, 1, 0), first spikes (1, 5, -)
    s[0, 5, 1] = 1
    s[1, [2, 3], 2] = 1         # sample 1: counts (0, 1, 2), first spikes (-, 8, 2)
    s[1, 8, 1] = 1
    return s


def test_counts_and_rates(spikes):
    assert spike_count(spikes).tolist() == [[3, 1, 0], [0, 1, 2]]
    rates = firing_rate(spikes, 2 * ms)            # window 20 ms
    assert np.allclose(np.asarray(rates / Hz), [[150, 50, 0], [0, 50, 100]], rtol=1e-14)


def test_argmax_and_softmax_confidence(spikes):
    assert argmax_count(spikes).tolist() == [0, 2]
    p = softmax_confidence(spikes)
    assert np.allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    e = np.exp([3.0, 1.0, 0.0])
    assert np.allclose(p[0], e / e.sum(), rtol=1e-14)
    flat = softmax_confidence(spikes, temperature=1e6)
    assert np.allclose(flat, 1 / 3, rtol=1e-5)


def test_first_spike_times_with_no_spike_value(spikes):
    t = first_spike_times(spikes, 1 * ms)
    assert np.asarray(t / ms)[0, :2].tolist() == [1, 5] and np.isinf(np.asarray(t)[0, 2])
    shadow = first_spike_times(spikes, 1 * ms, no_spike=9 * ms)   # snnTorch's last step
    assert np.asarray(shadow / ms).tolist() == [[1, 5, 9], [9, 8, 2]]
    assert argmin_latency(spikes).tolist() == [0, 2]
    assert argmin_latency(np.zeros((1, 4, 3))).tolist() == [-1]


def test_first_spike_times_invert_a_latency_raster():
    x = np.array([0.2, 0.6, 1.0])
    spikes = latency(x, 100, dt=1 * ms, linear=True, tau=50 * ms)
    assert np.allclose(np.asarray(first_spike_times(spikes, 1 * ms) / ms), [40, 20, 0])


def test_population_vector_line_and_circle():
    assert population_vector(np.array([1.0, 2.0, 1.0]), np.array([0.0, 1.0, 2.0])) == 1.0
    est = population_vector(np.array([[0, 1.0, 1.0, 0]]), np.array([0, 90, 180, 270]),
                            period=360)
    assert est[0] == pytest.approx(135.0, rel=1e-12)
    assert np.isnan(population_vector(np.zeros(3), np.arange(3.0)))


def test_decoder_bad_inputs():
    with pytest.raises(ValueError, match="'spikes'.*dimensions"):
        spike_count(np.zeros(5))
    with pytest.raises(TypeError, match="(?s)'dt'.*without units"):
        firing_rate(np.zeros((4, 2)), 0.001)
    with pytest.raises(ValueError, match="'preferred'"):
        population_vector(np.ones(3), np.arange(4.0))
    with pytest.raises(TypeError, match="'no_spike'"):
        first_spike_times(np.zeros((4, 2)), 1 * ms, no_spike=-1)
    with pytest.raises(ValueError, match="'temperature'"):
        softmax_confidence(np.zeros((4, 2)), temperature=0.0)
    assert first_spike_times(np.zeros((2, 1)), 1 * ms, no_spike=np.inf * second).shape == (1,)
