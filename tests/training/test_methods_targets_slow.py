"""Accuracy targets of issue 12 for ANN -> SNN conversion and weight / node perturbation
(slow: minutes per run; not for CI).  Digits, held-out test split, seeds 0, 1, 2."""
import numpy as np
import pytest

from neurolab_snn.training.conversion import train_conversion
from neurolab_snn.training.perturbation import train_perturbation


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["rate", "analog"])
def test_conversion_target(encoding):
    """Converted SNN within 1 point of the source ANN and >= 97 % (after T = 200 steps)."""
    runs = [train_conversion(seed=s, encoding=encoding) for s in range(3)]
    snn = np.mean([r["test_accuracy"] for r in runs])
    ann = np.mean([r["ann_test_accuracy"] for r in runs])
    assert snn >= 0.97, (snn, ann)
    assert abs(snn - ann) <= 0.01, (snn, ann)


@pytest.mark.slow
def test_perturbation_target():
    """Node perturbation (defaults: constant noise, 4 perturbed copies per sample, 40
    epochs) >= 90 %.  Measured 90.5 +- 0.3 % (90.42, 90.87, 90.20): at the target, not
    above it - the runs are chaotic and a seed may fall a point short."""
    acc = [train_perturbation(seed=s)["test_accuracy"] for s in range(3)]
    assert np.mean(acc) >= 0.90, acc
