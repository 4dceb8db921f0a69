"""Accuracy targets of the issue (slow: minutes per run; not for CI).

Digits, one hidden LIF layer, held-out test split, mean over 3 seeds:
rate code + spike-count loss >= 97 %; latency code + first-spike loss >= 95 %.
DMS (80 E + 20 I GIF neurons with adaptation currents, Dale's law): held-out test
accuracy >= 90 %, mean over 3 seeds, and the same network of plain LIF neurons
(no adaptation) does clearly worse.  Trainable adaptation: on DMS, a GIF network
whose adaptation current starts too short-lived (tau_eta = 1 s) does better when
it learns tau_eta and the adaptation strength than with them fixed (3 seeds).
"""
import numpy as np
import pytest

from neurolab_snn.training.recipes import train_digits, train_dms
from neurolab_snn.units import ms


@pytest.mark.slow
def test_digits_rate_target():
    acc = [train_digits("rate", seed=s)["test_accuracy"] for s in range(3)]
    assert np.mean(acc) >= 0.97, acc


@pytest.mark.slow
def test_digits_latency_target():
    # measured 95.8 +- 0.6 % (ON/OFF latency code, tau_m 40 ms, 60 epochs)
    acc = [train_digits("latency", seed=s)["test_accuracy"] for s in range(3)]
    assert np.mean(acc) >= 0.95, acc


@pytest.mark.slow
def test_dms_gif_target_and_beats_lif():
    gif = [train_dms("GIF", seed=s)["test_accuracy"] for s in range(3)]
    lif = [train_dms("LIF", seed=s)["test_accuracy"] for s in range(3)]
    assert np.mean(gif) >= 0.90, gif
    assert np.mean(gif) > np.mean(lif) + 0.2, (gif, lif)


@pytest.mark.slow
def test_trainable_adaptation_helps():
    """Measured (seeds 0-2): fixed 77.5 +- 2.1 %, learnt 88.6 +- 0.4 %; tau_eta 1 -> 1.42-1.45 s,
    a_eta 60 -> 69-70 pA."""
    runs = {label: [train_dms("GIF", seed=s, adaptation_tau=1000 * ms, trainable=trainable)
                    for s in range(3)]
            for label, trainable in (("fixed", ()), ("learnt", ("tau_eta_0", "a_eta_0")))}
    acc = {k: [r["test_accuracy"] for r in v] for k, v in runs.items()}
    assert np.mean(acc["learnt"]) > np.mean(acc["fixed"]) + 0.03, acc
    assert all(r["params"]["rec.tau_eta_0"].mean() > 1.1 for r in runs["learnt"])
