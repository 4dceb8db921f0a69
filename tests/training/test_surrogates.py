"""Surrogates: smooth steps 0 -> 1 whose ``grad`` is their exact derivative; bad slopes raise."""
import math

import numpy as np
import pytest

from neurolab_snn.training.surrogates import (ATan, Custom, FastSigmoid, Sigmoid,
                                              StraightThrough, SuperSpike, Triangle,
                                              get_surrogate)

ALL = [Sigmoid(4.0), FastSigmoid(25.0), ATan(2.0), Triangle(1.5), StraightThrough(0.8)]


@pytest.mark.parametrize("sur", ALL, ids=lambda s: s.name)
def test_grad_is_derivative_of_step(sur):
    x = np.linspace(-3, 3, 2000)                                 # excludes the kink at 0
    x = x[np.abs(np.abs(x) - 0.5 / sur.slope) > 1e-3]            # off the boxcar's edges
    h = 1e-6
    numeric = (sur(x + h) - sur(x - h)) / (2 * h)
    assert np.max(np.abs(numeric - sur.grad(x))) < 1e-6 * sur.slope
    assert sur(-1e6) == pytest.approx(0.0, abs=1e-5) and sur(1e6) == pytest.approx(1.0, abs=1e-5)
    assert sur(0.0) == pytest.approx(0.5)


@pytest.mark.parametrize("sur", ALL, ids=lambda s: s.name)
def test_derivative_integrates_to_one(sur):
    x = np.linspace(-2000, 2000, 4_000_001)
    area = np.trapezoid(sur.grad(x), x)
    assert area == pytest.approx(1.0, abs=2e-3)


def test_snntorch_conventions():
    x = np.array([-0.3, 0.0, 0.2])
    # snnTorch sigmoid: k sigma(kx)(1 - sigma(kx)); atan: (a/2) / (1 + (pi a x / 2)^2)
    sig = 1 / (1 + np.exp(-5 * x))
    np.testing.assert_allclose(Sigmoid(5).grad(x), 5 * sig * (1 - sig), rtol=1e-14)
    np.testing.assert_allclose(ATan(2).grad(x), 1 / (1 + (np.pi * x) ** 2), rtol=1e-14)
    # fast sigmoid: snnTorch's 1/(1 + k|x|)^2 times k/2
    np.testing.assert_allclose(FastSigmoid(25).grad(x), 12.5 / (1 + 25 * np.abs(x)) ** 2,
                               rtol=1e-14)
    assert SuperSpike is FastSigmoid
    assert Triangle(2.0).grad(0.6) == 0.0 and Triangle(2.0).grad(0.0) == 2.0
    assert StraightThrough(1.0).grad(0.49) == 1.0 and StraightThrough(1.0).grad(0.51) == 0.0


def test_custom_surrogate():
    erf = np.vectorize(math.erf)
    gauss = Custom(function=lambda x, k: 0.5 * (1 + erf(k * x / np.sqrt(2))),
                   derivative=lambda x, k: k / np.sqrt(2 * np.pi) * np.exp(-(k * x) ** 2 / 2),
                   slope=3.0)
    x = np.linspace(-2, 2, 101)
    numeric = (gauss(x + 1e-6) - gauss(x - 1e-6)) / 2e-6
    assert np.max(np.abs(numeric - gauss.grad(x))) < 1e-8
    with pytest.raises(TypeError, match="callables"):
        Custom(slope=1.0)


@pytest.mark.parametrize("slope", [0, 0.0, -1.0, float("nan"), float("inf")])
def test_zero_or_bad_slope_is_a_clear_error(slope):
    with pytest.raises(ValueError, match="slope"):
        FastSigmoid(slope=slope)
    with pytest.raises(ValueError, match="positive"):
        Sigmoid(slope)


def test_get_surrogate():
    assert get_surrogate("atan", 3.0) == ATan(3.0)
    assert get_surrogate("triangle").slope == 1.0
    with pytest.raises(ValueError, match="unknown surrogate"):
        get_surrogate("relu")
