"""Spike trains with units: array <-> (indices, times), and replay through a Brian2 group."""
import numpy as np
import pytest

from neurolab_snn.coding import SpikeTrains, delta, latency, rate, to_spike_generator
from neurolab_snn.units import Hz, ms, second


def test_array_round_trip():
    spikes = rate(np.full(6, 0.3), 50, rng=0)
    trains = SpikeTrains.from_array(spikes, 0.5 * ms)
    assert len(trains) == int(spikes.sum())
    assert trains.n_neurons == 6 and float(trains.duration / ms) == pytest.approx(25.0)
    assert np.array_equal(trains.to_array(0.5 * ms), spikes)
    steps, neurons = np.nonzero(spikes)
    order = np.lexsort((neurons, steps))
    assert np.allclose(np.asarray(trains.times / ms), steps[order] * 0.5, rtol=1e-14)
    assert np.array_equal(trains.indices, neurons[order])
    assert np.allclose(np.asarray(trains.rates() / Hz), spikes.sum(axis=0) / 0.025)


def test_binning_follows_brian2_and_counts_accumulate():
    trains = SpikeTrains(np.array([0, 0, 1]), np.array([0.3, 0.9999, 2.0]) * ms, 2, 3 * ms)
    arr = trains.to_array(1 * ms)
    # 0.9999 ms lies within 1e-3 dt of the step at 1 ms: Brian2 emits it there
    assert arr.tolist() == [[1, 0], [1, 0], [0, 1]]
    coarse = trains.to_array(3 * ms)
    assert coarse.tolist() == [[2, 1]]


def test_spike_trains_validation_names_parameters():
    with pytest.raises(TypeError, match="(?s)'times'.*without units"):
        SpikeTrains(np.array([0]), np.array([0.001]), 1, 1 * second)
    with pytest.raises(ValueError, match="'indices'.*n_neurons=2"):
        SpikeTrains(np.array([2]), np.array([1.0]) * ms, 2, 1 * second)
    with pytest.raises(ValueError, match="'times'.*duration"):
        SpikeTrains(np.array([0]), np.array([2.0]) * second, 1, 1 * second)
    with pytest.raises(ValueError, match="'spikes'.*off spikes|'spikes'.*>= 0"):
        SpikeTrains.from_array(delta(np.array([[0.0], [1.0], [0.0]]), 0.5, off_spike=True),
                               1 * ms)


@pytest.fixture
def numpy_target():
    """Run Brian2 with the numpy target (no compiler) and restore the preference after."""
    from brian2 import prefs

    old = prefs.codegen.target
    prefs.codegen.target = "numpy"
    yield
    prefs.codegen.target = old


def test_spike_generator_replays_the_raster_in_brian2(numpy_target):
    from brian2 import Network, SpikeMonitor

    dt = 0.5 * ms
    spikes = latency(np.array([0.05, 0.2, 0.6, 1.0]), 40, dt=dt, tau=5 * ms)
    spikes[30, 1] = 1.0
    group = to_spike_generator(spikes, dt, name="latency_input")
    monitor = SpikeMonitor(group)
    net = Network(group, monitor)
    net.run(40 * dt, namespace={})
    steps, neurons = np.nonzero(spikes)
    expected = sorted(zip(steps * 0.5, neurons))
    got = sorted(zip(np.round(np.asarray(monitor.t / ms), 9), np.asarray(monitor.i)))
    assert got == [(float(t), int(i)) for t, i in expected]
    assert group.name == "latency_input" and group.N == 4


def test_spike_generator_rejects_two_spikes_in_one_step():
    trains = SpikeTrains(np.array([0, 0]), np.array([1.0, 1.2]) * ms, 1, 5 * ms)
    with pytest.raises(ValueError, match="'spikes'.*2 spikes in step 1"):
        to_spike_generator(trains, 1 * ms)
    assert len(to_spike_generator(trains, 0.1 * ms).spike_time) == 2
