"""Plasticity protocols in quick mode: analytic STDP window, Song bimodality, triplet vs data."""
import numpy as np
import pytest

from neurolab_snn.analysis.plasticity import (SJOSTROM2001, normalized_error, pairing_trains,
                                              replay_stdp, weight_fractions)
from neurolab_snn.experiment import protocols, run_protocol
from neurolab_snn.synapses import PairSTDP, TripletSTDP
from neurolab_snn.units import ms

pytestmark = pytest.mark.figures


@pytest.fixture(scope="module")
def pairing():
    return run_protocol("stdp-pairing", backend="numpy", quick=True)


def test_registered():
    assert {"stdp-pairing", "song2000", "triplet-frequency"} <= set(protocols())


def test_additive_rule_equals_analytic_window_to_float_precision(pairing):
    """60 pairs at 1 Hz: per-pair dw = A+- exp(-|dt|/tau+-), rtol 1e-9 (measured ~1e-12)."""
    nb, d = pairing.numbers, pairing.data
    assert nb["n_pairs"] == 60 and nb["frequency_Hz"] == 1.0
    assert nb["additive_max_rel_error"] < 1e-9
    assert nb["additive_max_abs_error"] < 1e-15
    dts = np.asarray(d["delta_t"])
    assert dts[0] == pytest.approx(-0.1) and dts[-1] == pytest.approx(0.1)
    np.testing.assert_allclose(d["dw_0"], PairSTDP.song2000().window(dts * 1e3 * ms), rtol=1e-9)


def test_every_rule_matches_its_numpy_twin_and_bi_poo_shape(pairing):
    nb = pairing.numbers
    assert len(nb["replay_max_abs_error"]) == 6
    assert max(nb["replay_max_abs_error"].values()) < 1e-12
    assert all(nb["bi_poo_shape"].values())
    assert nb["ltp_peak"]["additive (Song 2000)"] == pytest.approx(0.005, rel=1e-12)


def test_triplet_frequency_reproduces_sjostrom():
    """Visual-cortex triplet rule: E = 0.34 (Pfister & Gerstner 2006 report 0.34 for this set)."""
    r = run_protocol("triplet-frequency", backend="numpy", quick=True)
    nb = r.numbers
    main = nb["rules"][nb["main_rule"]]
    assert nb["normalized_error"] == pytest.approx(0.3416, abs=2e-3)
    assert main["replay_max_abs_error"] < 1e-12
    np.testing.assert_allclose(main["dw_plus10"], [0.0, 0.1321, 0.247, 0.5337, 0.7409], atol=2e-4)
    np.testing.assert_allclose(main["dw_minus10"], [-0.3122, -0.3336, -0.3516, 0.1548, 0.7272],
                               atol=2e-4)
    pair = nb["rules"]["pair additive (Song 2000)"]
    assert pair["normalized_error"] > 5       # pair STDP misses the frequency dependence
    assert main["dw_minus10"][-1] > 0.5       # LTP at 50 Hz even for post-before-pre


def test_song2000_quick_weights_split_and_depend_on_ratio():
    r = run_protocol("song2000", backend="numpy", quick=True)
    nb = r.numbers
    near0, nearmax = np.asarray(nb["fraction_near_zero"]), np.asarray(nb["fraction_near_max"])
    assert nb["ratios"] == [1.05, 1.1, 1.2]
    assert nearmax[-1] < nearmax[0] - 0.02 and np.all(np.diff(near0) > 0)
    assert near0[-1] > near0[0] + 0.03
    assert np.all(np.diff(nb["mean_weight"]) < 0)
    assert np.all(near0 + nearmax > 0.2)   # 20 % of [0,1] holds > 20 % of the weights
    assert r.data["weights"].shape == (3, 1000)
    rates = np.asarray(nb["postsynaptic_rate_Hz"])
    assert np.all(np.diff(rates) < 0)       # more depression, lower rate


def test_analysis_helpers():
    pre, post = pairing_trains(0.01, 20.0, 3, start=0.0)
    np.testing.assert_allclose(pre, [0, 0.05, 0.1])
    np.testing.assert_allclose(post - pre, 0.01)
    assert weight_fractions([0.0, 0.05, 0.5, 0.95], 1.0) == {"near_zero": 0.5, "near_max": 0.25,
                                                             "middle": 0.25}
    assert normalized_error([1, 2], [0, 2], [0.5, 1]) == pytest.approx(2.0)
    assert len(SJOSTROM2001["frequency"]) == 5
    with pytest.raises(ValueError, match="positive SEMs"):
        normalized_error([1], [1], [0])
    with pytest.raises(TypeError, match="expected a PairSTDP or TripletSTDP"):
        replay_stdp("additive", [0.1], [0.2], 0.5)
    # nearest-spike triplet: traces saturate at 1
    rule = TripletSTDP.visual_cortex(pairing="nearest", w_max=10)
    w = replay_stdp(rule, [0.0, 0.001], [0.002], 1.0)
    assert w - 1.0 == pytest.approx(np.exp(-1 / 16.8) * rule.A2_plus, rel=1e-12)
