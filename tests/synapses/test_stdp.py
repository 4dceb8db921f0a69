"""STDP rules: validation, presets, analytic windows, and Brian2 against the numpy twin."""
import numpy as np
import pytest

from neurolab_snn.analysis.plasticity import pair_window_sum, replay_stdp
from neurolab_snn.circuits import Circuit, OneToOne, Projection, SpikeSource
from neurolab_snn.sim import simulate
from neurolab_snn.synapses import TRIPLET_TABLE4, PairSTDP, TripletSTDP
from neurolab_snn.units import ms, second


def test_song2000_window_values():
    rule = PairSTDP.song2000()
    assert rule.A_minus / rule.A_plus == pytest.approx(1.05, rel=1e-12)
    w = rule.window(np.array([-20.0, 0.0, 20.0]) * ms)
    np.testing.assert_allclose(w, [-0.00525 * np.exp(-1), 0.005, 0.005 * np.exp(-1)],
                               rtol=1e-14)


def test_weight_dependences_and_code():
    """f_-(w) = w/w_max (van Rossum), (w/w_max)^mu (Gütig); nearest pairing resets traces."""
    assert PairSTDP.van_rossum2000().f_minus(0.25) == pytest.approx(0.25)
    g = PairSTDP.gutig2003(mu=0.5)
    assert g.f_plus(0.75) == pytest.approx(0.5) and g.f_minus(0.25) == pytest.approx(0.5)
    code = PairSTDP.song2000(pairing="nearest").code()
    assert "r1 = 1" in code.on_pre and "o1 = 1" in code.on_post
    assert "(event-driven)" in code.model and code.traces == ("r1", "o1")
    trip = TripletSTDP.visual_cortex().code()
    assert trip.on_pre.index("w_syn") < trip.on_pre.index("r2 +=")  # r2 used before update


def test_pfister_table4_presets():
    vc = TripletSTDP.visual_cortex()
    assert (vc.A2_plus, vc.A3_plus, vc.A2_minus, vc.A3_minus) == (5e-10, 6.2e-3, 7e-3, 2.3e-4)
    assert float(vc.tau_x / ms) == pytest.approx(101) and float(vc.tau_y / ms) == pytest.approx(125)
    hc = TripletSTDP.hippocampal()
    assert (hc.A2_plus, hc.A3_plus, hc.A2_minus, hc.A3_minus) == (6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3)
    assert float(hc.tau_plus / ms) == pytest.approx(16.8)
    assert float(hc.tau_minus / ms) == pytest.approx(33.7)
    assert len(TRIPLET_TABLE4) == 6
    with pytest.raises(ValueError, match="no parameter set for data='retina'"):
        TripletSTDP.pfister2006("retina")


@pytest.mark.parametrize("make, match", [
    (lambda: PairSTDP(A_plus=-0.1), r"PairSTDP.A_plus=-0.1.*>= 0"),
    (lambda: PairSTDP(mu=1.5, weight_dependence="gutig"), r"PairSTDP.mu=1.5.*\[0, 1\]"),
    (lambda: PairSTDP(pairing="random"), "PairSTDP.pairing='random'"),
    (lambda: PairSTDP(weight_dependence="log"), "weight_dependence='log'"),
    (lambda: PairSTDP(tau_plus=20), "PairSTDP.tau_plus.*without units"),
    (lambda: PairSTDP(w_max=0), r"PairSTDP.w_max=0.*> 0"),
    (lambda: PairSTDP(A_plus=1 * ms), "PairSTDP.A_plus.*plain number"),
    (lambda: TripletSTDP(1e-3, 1e-3, 1e-3, np.nan), "A3_minus=nan"),
    (lambda: TripletSTDP(1e-3, 1e-3, 1e-3, 1e-3, tau_y=-1 * ms), "TripletSTDP.tau_y.*> 0"),
])
def test_bad_rules(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


def test_replay_matches_closed_form_for_random_trains():
    """The numpy twin equals the closed-form pair sums (additive, no bound reached)."""
    rng = np.random.default_rng(7)
    pre, post = np.sort(rng.uniform(0, 2, 30)), np.sort(rng.uniform(0, 2, 25))
    for pairing in ("all-to-all", "nearest"):
        rule = PairSTDP(A_plus=1e-3, A_minus=1.1e-3, w_max=10.0, pairing=pairing)
        w = replay_stdp(rule, pre, post, 5.0)
        assert w - 5.0 == pytest.approx(pair_window_sum(rule, pre, post), abs=1e-14)


def test_brian2_equals_numpy_twin_for_every_rule():
    """Random pre/post trains on the 1 ms grid: Brian2 weights = event-by-event numpy, 1e-12."""
    rng = np.random.default_rng(3)
    n, dt = 6, 1e-3
    trains = []
    for _ in range(n):
        pre = np.unique(np.round(rng.uniform(0.01, 1.0, 25) / dt)) * dt
        post = np.unique(np.round(rng.uniform(0.01, 1.0, 25) / dt)) * dt
        trains.append((pre, post))
    idx_pre = np.concatenate([np.full(len(p), k) for k, (p, _) in enumerate(trains)])
    idx_post = np.concatenate([np.full(len(q), k) for k, (_, q) in enumerate(trains)])
    src_pre = SpikeSource("pre", n, idx_pre, np.concatenate([p for p, _ in trains]) * second)
    src_post = SpikeSource("post", n, idx_post, np.concatenate([q for _, q in trains]) * second)
    rules = [PairSTDP.song2000(A_plus=0.02), PairSTDP.song2000(A_plus=0.02, pairing="nearest"),
             PairSTDP.van_rossum2000(A_plus=0.02, A_minus=0.04),
             PairSTDP.gutig2003(mu=0.3, A_plus=0.02), TripletSTDP.visual_cortex(),
             TripletSTDP.hippocampal(pairing="nearest"),
             TripletSTDP.diehl_cook2015(nu_pre=0.01, nu_post=0.05)]
    projs = [Projection("pre", "post", None, OneToOne(), plasticity=r, w_init=0.5,
                        name=f"rule{k}") for k, r in enumerate(rules)]
    circuit = Circuit([src_pre, src_post], projs)
    simulate(circuit, 1.05 * second, backend="numpy", dt=1 * ms)
    for k, rule in enumerate(rules):
        w = np.asarray(circuit.synapses[f"rule{k}"].w_syn[:])
        ref = [replay_stdp(rule, p, q, 0.5) for p, q in trains]
        np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-14)
        assert np.all((w >= 0) & (w <= rule.w_max))


def test_hard_bounds_clip():
    """Many potentiating pairs saturate at w_max exactly; many depressing ones at 0."""
    rule = PairSTDP.song2000(A_plus=0.3)
    pre = np.arange(20) * 0.1
    assert replay_stdp(rule, pre, pre + 0.001, 0.5) == 1.0
    assert replay_stdp(rule, pre, pre - 0.001, 0.5) == 0.0


def test_window_of_triplet_is_its_pair_part():
    vc = TripletSTDP.visual_cortex()
    np.testing.assert_allclose(vc.window(np.array([-33.7, 16.8]) * ms),
                               [-7e-3 * np.exp(-1), 5e-10 * np.exp(-1)], rtol=1e-12)


def test_diehl_cook2015_rule_on_a_spike_triplet():
    """pre at 10 ms, post at 15 and 20 ms: only the second post potentiates, by
    nu_post exp(-10/20) exp(-5/40) (nearest traces, o2 read before its reset); a pre at
    30 ms then depresses by nu_pre exp(-10/20)."""
    rule = TripletSTDP.diehl_cook2015()
    w = replay_stdp(rule, [0.010, 0.030], [0.015, 0.020], 0.5)
    expected = 0.5 + 1e-2 * np.exp(-0.5) * np.exp(-0.125) - 1e-4 * np.exp(-0.5)
    assert w == pytest.approx(expected, rel=1e-12)
    assert (rule.A2_plus, rule.A3_minus, rule.pairing) == (0.0, 0.0, "nearest")
