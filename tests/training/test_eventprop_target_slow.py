"""Accuracy target of issue 12 for exact spike-time gradients (slow: minutes per run).

Digits, ON/OFF latency code, 128 -> 256 -> 10 LIF neurons with exponential synapses,
EventProp and SpikeProp, held-out test split, mean over seeds 0, 1, 2: >= 95 %.
"""
import numpy as np
import pytest

from neurolab_snn.training.methods import get_method


@pytest.mark.slow
def test_eventprop_digits_latency_target():
    train = get_method("eventprop")
    acc = [train(seed=s)["test_accuracy"] for s in range(3)]
    assert np.mean(acc) >= 0.95, acc


@pytest.mark.slow
def test_spikeprop_digits_latency_target():
    train = get_method("eventprop")
    acc = [train(seed=s, rule="spikeprop")["test_accuracy"] for s in range(3)]
    assert np.mean(acc) >= 0.95, acc
