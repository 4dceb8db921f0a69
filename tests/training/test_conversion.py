"""ANN -> SNN conversion: IF rates converge to the normalised ANN activations like 1/T;
normalisation and bad input."""
import numpy as np
import pytest

from neurolab_snn.training.conversion import (ConvertedSNN, ReLUNetwork, conversion_neuron,
                                              convert, normalise, train_conversion)
from neurolab_snn.training.tasks import Dataset


def _tiny_ann(seed=3, sizes=(8, 6, 4)):
    rng = np.random.default_rng(seed)
    weights = tuple(rng.normal(0.3, 0.5, (a, b)) for a, b in zip(sizes[:-1], sizes[1:]))
    biases = tuple(rng.normal(0.0, 0.05, b) for b in sizes[1:])
    return ReLUNetwork(weights, biases)


def test_normalise_scales_activations_to_unit_max():
    ann = _tiny_ann()
    x = np.random.default_rng(0).random((50, 8))
    normed, scales = normalise(ann, x, percentile=100.0)
    for a_raw, a_norm, lam in zip(ann.activations(x), normed.activations(x), scales):
        assert np.isclose(a_norm.max(), 1.0, rtol=1e-12)          # max-norm: peak at 1
        np.testing.assert_allclose(a_norm, a_raw / lam, rtol=1e-12, atol=1e-14)
    assert np.array_equal(normed.predict(x), ann.predict(x))    # scaling keeps the decision


def test_if_rates_converge_to_activations_like_one_over_T():
    """IF neurons with reset by subtraction, analog input: the rate error of every layer
    falls like 1/T (Rueckauer et al. 2017, eq. 5): the log-log slope of the mean absolute
    error over T = 10 .. 640 steps lies within 0.15 of -1."""
    ann = _tiny_ann()
    x = np.random.default_rng(1).random((20, 8))
    snn, _ = convert(ann, x, percentile=100.0, backend="numpy", batch=20)
    target = [np.maximum(a, 0.0) for a in snn.ann.activations(x)]   # normalised, in [0, 1]
    t_max = 640
    trace = snn.forward(t_max).run(snn.params, snn.encode(x, t_max, 0))
    steps = np.array([10, 20, 40, 80, 160, 320, 640])
    for name, a in zip(("hidden1", "output"), target):
        counts = np.cumsum(trace.spikes[name], axis=1)[:, steps - 1]      # (N, len(steps), n)
        err = np.abs(counts / steps[None, :, None] - a[:, None, :]).mean(axis=(0, 2))
        slope = np.polyfit(np.log(steps), np.log(err), 1)[0]
        assert abs(slope + 1.0) < 0.15, (name, slope, err)
        assert err[-1] < 1.0 / 640 * 3                                   # bound: lag + residual
    snn.close()


def test_reset_by_subtraction_keeps_the_surplus():
    """A constant drive z = 0.7 per step: reset by subtraction gives floor(0.7 k) spikes in
    k steps, k = T - 1 (the drive of a step is tested at the next); reset to zero loses the
    surplus and the drive of the spike step (Brian2: the reset follows the synapses), so
    v reaches 1.4 >= 1 every third step: 33 spikes."""
    ann = ReLUNetwork((np.array([[0.7]]),), (np.zeros(1),))
    x = np.ones((1, 1))
    rates = {}
    for reset in ("subtract", "zero"):
        snn = ConvertedSNN(ann, reset=reset, backend="numpy", batch=1)
        rates[reset] = snn.run(x, 100)["rates"][0][0, 0]
        snn.close()
    assert round(rates["subtract"] * 100) == np.floor(0.7 * 99)
    assert round(rates["zero"] * 100) == 33


def test_negative_only_activations_raise():
    ann = ReLUNetwork((-np.ones((8, 5)), np.ones((5, 3))), (np.zeros(5), np.zeros(3)))
    x = np.random.default_rng(0).random((30, 8))
    with pytest.raises(ValueError, match="hidden layer 0 are all <= 0"):
        convert(ann, x)
    with pytest.raises(ValueError, match="percentile"):
        normalise(_tiny_ann(), x, percentile=0.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"encoding": "latency"}, "encoding='latency'"),
    ({"model": "GIF"}, "model='GIF'"),
    ({"backend": "genn"}, "backend='genn'"),
    ({"n_hidden": 10}, "unknown option"),
])
def test_bad_options_raise(kwargs, match):
    tiny = Dataset(np.random.default_rng(0).random((20, 4)), np.arange(20) % 2)
    with pytest.raises(ValueError, match=match):
        train_conversion(data=(tiny, tiny, tiny), epochs=1, **kwargs)


def test_conversion_neuron_equations():
    m = conversion_neuron("LIF", reset="subtract")
    assert m.reset == "v -= V_th - E_L" and "tau_m" in m.equations
    with pytest.raises(ValueError, match="reset='soft'"):
        conversion_neuron("IF", reset="soft")


@pytest.mark.standalone
@pytest.mark.slow
def test_cpp_standalone_matches_runtime():
    """The converted network on cpp_standalone (Synapses objects, compiled once) gives the
    runtime backend's spike counts and decisions (same analog input, no randomness)."""
    ann = _tiny_ann()
    x = np.random.default_rng(1).random((6, 8))
    out = {}
    for backend in ("runtime", "cpp_standalone"):
        snn, _ = convert(ann, x, percentile=100.0, backend=backend, batch=6)
        out[backend] = snn.run(x, 50)
        snn.close()
    for a, b in zip(out["runtime"]["rates"], out["cpp_standalone"]["rates"]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(out["runtime"]["scores"], out["cpp_standalone"]["scores"],
                               rtol=1e-9, atol=1e-12)
