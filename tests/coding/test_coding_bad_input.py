"""Bad input: each error names the parameter, the value and what was expected."""
import numpy as np
import pytest

from neurolab_snn.coding import (burst, latency, latency_times, phase, poisson, poisson_times,
                                 population, rank_order, rate)
from neurolab_snn.units import Hz, mV, ms, second

X = np.array([[0.1, 0.5, 0.9]])
ENCODERS = {
    "rate": lambda x, **kw: rate(x, 10, rng=0, **kw),
    "latency": lambda x, **kw: latency(x, 10, dt=1 * ms, tau=5 * ms, **kw),
    "phase": lambda x, **kw: phase(x, 10, dt=1 * ms, frequency=50 * Hz, **kw),
    "burst": lambda x, **kw: burst(x, 10, dt=1 * ms, **kw),
    "rank_order": lambda x, **kw: rank_order(x, **kw),
    "population": lambda x, **kw: population(x, 10, n_neurons=4, max_rate=100 * Hz,
                                             dt=1 * ms, rng=0, **kw),
}


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_intensity_outside_declared_range(name):
    bad = X.copy()
    bad[0, 2] = 1.5
    with pytest.raises(ValueError, match=r"'data': got 1.5 at index \(0, 2\), outside "
                                         r"data_range=\(0.0, 1.0\)"):
        ENCODERS[name](bad)
    with pytest.raises(ValueError, match=r"'data': got -1.0 .*data_range=\(0.0, 255.0\)"):
        ENCODERS[name](np.array([[-1.0, 3.0]]), data_range=(0, 255))


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_nan_intensities(name):
    bad = X.copy()
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"'data': got nan at index \(0, 1\); expected finite"):
        ENCODERS[name](bad)


def test_negative_rates():
    with pytest.raises(ValueError, match=r"'rates': got -5.0 Hz at index \(1,\); expected "
                                         r"values >= 0"):
        poisson(np.array([10.0, -5.0]) * Hz, 10, dt=1 * ms, rng=0)
    with pytest.raises(ValueError, match="'rates'.*-1.0 Hz.*>= 0"):
        poisson_times(np.array([-1.0]) * Hz, 1 * second, rng=0)
    with pytest.raises(ValueError, match="'max_rate'.*>= 0"):
        population(X, 10, n_neurons=3, max_rate=-1 * Hz, dt=1 * ms, rng=0)


def test_rates_and_times_without_units():
    with pytest.raises(TypeError, match="(?s)'rates'.*without units.*dimension Hz"):
        poisson(np.array([10.0]), 10, dt=1 * ms, rng=0)
    with pytest.raises(TypeError, match="(?s)'dt'.*without units.*dimension s"):
        poisson(np.array([10.0]) * Hz, 10, dt=0.001, rng=0)
    with pytest.raises(TypeError, match="'tau'.*without units"):
        latency_times(X, tau=5.0)
    with pytest.raises(TypeError, match="'duration'.*without units"):
        poisson_times(np.array([1.0]) * Hz, 1.0, rng=0)
    with pytest.raises(TypeError, match="'frequency'.*without units"):
        phase(X, 10, dt=1 * ms, frequency=50)
    with pytest.raises(TypeError, match="'rates'.*dimension V.*expected dimension Hz"):
        poisson(np.array([10.0]) * mV, 10, dt=1 * ms, rng=0)


@pytest.mark.parametrize("threshold", [1.0, 2.0])
def test_latency_threshold_at_or_above_max_intensity(threshold):
    with pytest.raises(ValueError, match=rf"'threshold': got {threshold}; expected 0.0 < "
                                         r"threshold < 1.0 \(strictly below the maximum"):
        latency_times(X, tau=5 * ms, threshold=threshold)
    with pytest.raises(ValueError, match=r"'threshold'.*< 16.0"):
        latency(X, 10, dt=1 * ms, tau=5 * ms, threshold=16.0 * threshold, data_range=(0, 16))


def test_rank_order_threshold_at_max_intensity():
    with pytest.raises(ValueError, match=r"'threshold': got 1.0; expected threshold < 1.0"):
        rank_order(X, threshold=1.0)


def test_other_parameters():
    with pytest.raises(TypeError, match="'rng'.*Generator"):
        rate(X, 10, rng=None)
    with pytest.raises(ValueError, match="'num_steps': got 0; expected an integer >= 1"):
        rate(X, 0, rng=0)
    with pytest.raises(ValueError, match="'first_spike_step': got 10; expected at most num_steps - 1 = 9"):
        rate(X, 10, first_spike_step=10, rng=0)
    with pytest.raises(ValueError, match=r"'rates'.*rate\*dt = 2 > 1"):
        poisson(np.array([2000.0]) * Hz, 10, dt=1 * ms, rng=0)
    with pytest.raises(ValueError, match="'tau': got None"):
        latency_times(X)
    with pytest.raises(ValueError, match="'frequency'.*at least two steps per cycle"):
        phase(X, 10, dt=1 * ms, frequency=600 * Hz)
    with pytest.raises(ValueError, match="'isi_min'.*isi_min >= dt"):
        burst(X, 10, dt=1 * ms, isi_min=0.5 * ms)
    with pytest.raises(ValueError, match="'data_range'.*lo < hi"):
        rate(X, 10, rng=0, data_range=(1, 0))
    with pytest.raises(TypeError, match="'data'.*dimension"):
        rate(X * mV, 10, rng=0)
