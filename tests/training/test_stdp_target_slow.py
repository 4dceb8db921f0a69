"""Issue 12 target for unsupervised STDP (Diehl & Cook 2015): >= 85 % on digits, <= 400 neurons.

Held-out test split of scikit-learn's digits, seeds 0, 1, 2, default settings of train_stdp
(400 excitatory neurons, one epoch).  A few minutes per seed: not for CI.  The target is not
reached (see docs/stdp_learning.md for the measured figures and what limits them): the
target test is a strict xfail, so it fails the day it passes and the marker must go; the
measured level is held by its own test.
"""
import numpy as np
import pytest

from neurolab_snn.training.stdp_learning import train_stdp


@pytest.fixture(scope="module")
def accuracies():
    runs = [train_stdp(seed=s) for s in range(3)]
    assert all(r["config"]["n_exc"] <= 400 for r in runs)
    return [r["test_accuracy"] for r in runs]


@pytest.mark.slow
def test_stdp_digits_measured_level(accuracies):
    assert np.mean(accuracies) >= 0.72, accuracies   # measured 0.766 +- 0.035


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="measured 76.6 +- 3.5 % on digits; target 85 % not reached")
def test_stdp_digits_target(accuracies):
    assert np.mean(accuracies) >= 0.85, accuracies
