"""SuperSpike / feedback alignment / e-prop: eligibility traces against BPTT, feedback modes.

The eligibility traces follow each neuron's own chain with the reset's
dependence on the spike detached (Bellec et al. 2020), so on a single layer
the rule equals back-propagation through time with ``detach_reset=True``
(:func:`~neurolab_snn.training.adjoint.backward`) to rounding: both evaluate
the same sum of products of the same derived Jacobians, one forward and one
backward in time.  Tolerance: 1e-12 relative (float64, T <= 30 steps).
"""
import numpy as np
import pytest

from neurolab_snn.models import LIF, AdaptiveLIF
from neurolab_snn.training.adjoint import backward
from neurolab_snn.training.brian import BrianForward
from neurolab_snn.training.eligibility import (FEEDBACK, check_feedback, eligibility_gradients,
                                               feedback_matrices, learning_signals)
from neurolab_snn.training.losses import CECount, MSECount
from neurolab_snn.training.methods import get_method
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.surrogates import FastSigmoid, StraightThrough
from neurolab_snn.units import mV, ms

from .conftest import eif_model, qif_model

RTOL = 1e-12

SINGLE = {
    "LIF": (LIF(t_ref=0 * ms), ("tau_m", "V_th")),
    "LIF_refractory": (LIF(t_ref=3 * ms), ()),
    "ALIF": (AdaptiveLIF(t_ref=0 * ms, tau_a=50 * ms, Delta_th=4 * mV),
             ("tau_m", "V_th", "Delta_th", "tau_a")),
    "QIF_user": (qif_model(), ("tau_m", "V_c", "V_peak")),
    "EIF_user": (eif_model(t_ref=2 * ms), ("tau_m", "V_T")),
}


def _rel(a, b) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _single_layer(model, trainable, detach=True, recurrent=False, n_in=12, n=5):
    spec = NetworkSpec(n_in, (Layer("out", model, n, trainable=trainable, scale=20 * mV,
                                    recurrent=recurrent),),
                       dt=1 * ms, surrogate=StraightThrough(slope=0.3), detach_reset=detach)
    return TrainableNetwork(spec)


def _data(rng, b=4, t=30, n_in=12, n_out=5):
    x = (rng.random((b, t, n_in)) < 0.3).astype(float)
    return x, rng.integers(0, n_out, b)


@pytest.mark.parametrize("case", sorted(SINGLE))
def test_single_layer_symmetric_superspike_equals_bptt(case, rng):
    """Brian2 forward, straight-through surrogate: eligibility gradient == BPTT gradient."""
    model, trainable = SINGLE[case]
    net = _single_layer(model, trainable)
    params = net.init_params(rng, gain=6.0)
    x, y = _data(rng)
    trace = BrianForward(net, 4, 30, backend="numpy").run(params, x)
    assert trace.spikes["out"].sum() > 10                 # the resets are exercised
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    ref = backward(net, params, trace, grad_spikes={"out": g})
    for online in (True, False):
        got = eligibility_gradients(net, params, trace, grad_spikes={"out": g}, online=online)
        assert set(got) == set(ref)
        for key in ref:
            assert np.max(np.abs(ref[key])) > 0, key
            assert _rel(got[key], ref[key]) < RTOL, (case, online, key)


def test_attached_reset_is_what_the_traces_truncate(rng):
    """BPTT through the reset's spike dependence differs: the traces drop exactly that path."""
    model, trainable = SINGLE["LIF"]
    net, net_att = _single_layer(model, trainable), _single_layer(model, trainable, detach=False)
    params = net.init_params(rng, gain=6.0)
    x, y = _data(rng)
    trace = net.simulate(params, x)
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    got = eligibility_gradients(net, params, trace, grad_spikes={"out": g})
    attached = backward(net_att, params, trace, grad_spikes={"out": g})
    assert _rel(got["out.W"], attached["out.W"]) > 1e-3


def test_eprop_recurrent_layer(rng):
    """e-prop drops the recurrent Jacobian: equal to BPTT at R = 0, different otherwise; the
    forward traces of W and R equal the backward accumulation."""
    net = _single_layer(LIF(t_ref=0 * ms), ("tau_m",), recurrent=True)
    params = net.init_params(rng, gain=6.0, recurrent_gain=3.0)
    x, y = _data(rng)
    zero = dict(params, **{"out.R": np.zeros_like(params["out.R"])})
    for p, same in ((zero, True), (params, False)):
        trace = net.simulate(p, x)
        _, g = CECount().value_and_grad(trace.spikes["out"], y)
        ref = backward(net, p, trace, grad_spikes={"out": g})
        online = eligibility_gradients(net, p, trace, grad_spikes={"out": g}, online=True)
        offline = eligibility_gradients(net, p, trace, grad_spikes={"out": g})
        for key in ref:
            assert _rel(online[key], offline[key]) < RTOL, key
        if same:
            assert max(_rel(online[k], ref[k]) for k in ref) < RTOL
        else:
            assert _rel(online["out.R"], ref["out.R"]) > 1e-3


def _two_layers(rng, n_hidden=7):
    lif = LIF(t_ref=0 * ms)
    spec = NetworkSpec(10, (Layer("hid", lif, n_hidden, trainable=("V_th",), scale=20 * mV),
                            Layer("out", lif, 3, scale=20 * mV)),
                       surrogate=FastSigmoid(slope=5.0))
    net = TrainableNetwork(spec)
    params = net.init_params(rng, gain=5.0)
    x = (rng.random((3, 25, 10)) < 0.3).astype(float)
    return net, params, x, np.array([0, 1, 2])


@pytest.mark.parametrize("feedback", FEEDBACK)
def test_feedback_modes_online_equals_offline(feedback, rng):
    net, params, x, y = _two_layers(rng)
    trace = net.simulate(params, x)
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    mats = feedback_matrices(net, params, feedback, 7)
    kw = dict(feedback=feedback, matrices=mats, grad_spikes={"out": g})
    on, off = (eligibility_gradients(net, params, trace, online=o, **kw) for o in (True, False))
    ref = backward(net, params, trace, grad_spikes={"out": g})
    assert _rel(off["out.W"], ref["out.W"]) < RTOL       # the output layer is a single layer
    for key in on:
        if feedback == "uniform" and key.startswith("hid"):
            continue
        assert _rel(on[key], off[key]) < RTOL, key


def test_learning_signals_follow_the_feedback_matrix(rng):
    net, params, x, y = _two_layers(rng)
    trace = net.simulate(params, x)
    _, g = MSECount().value_and_grad(trace.spikes["out"], y)
    sym = learning_signals(net, params, "symmetric", {}, grad_spikes={"out": g})
    np.testing.assert_allclose(sym["hid"], g @ params["out.W"].T, rtol=1e-15)
    mats = feedback_matrices(net, params, "random", 3)
    assert mats["hid"].shape == (3, 7)
    np.testing.assert_array_equal(mats["hid"], feedback_matrices(net, params, "random", 3)["hid"])
    rnd = learning_signals(net, params, "random", mats, grad_spikes={"out": g})
    np.testing.assert_allclose(rnd["hid"], g @ mats["hid"], rtol=1e-15)
    uni = learning_signals(net, params, "uniform", feedback_matrices(net, params, "uniform", 0),
                           grad_spikes={"out": g})
    # every hidden neuron gets the same signal, the sum of the output errors
    np.testing.assert_allclose(uni["hid"], np.repeat(g.sum(axis=2, keepdims=True), 7, axis=2),
                               rtol=1e-15)


def test_uniform_feedback_gives_the_hidden_layer_nothing_under_cross_entropy(rng):
    """sum_c (softmax_c - onehot_c) = 0: the uniform learning signal vanishes identically."""
    net, params, x, y = _two_layers(rng)
    trace = net.simulate(params, x)
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    got = eligibility_gradients(net, params, trace, feedback="uniform",
                                matrices=feedback_matrices(net, params, "uniform", 0),
                                grad_spikes={"out": g})
    sym = eligibility_gradients(net, params, trace, grad_spikes={"out": g})
    for key in ("hid.W", "hid.V_th"):
        assert np.max(np.abs(sym[key])) > 0
        assert np.max(np.abs(got[key])) < 1e-12 * np.max(np.abs(sym[key])), key
    assert _rel(got["out.W"], sym["out.W"]) < RTOL


def test_unknown_feedback_is_a_clear_error(rng):
    with pytest.raises(ValueError, match=r"feedback='bogus' is unknown; expected one of"):
        check_feedback("bogus")
    train = get_method("superspike")
    with pytest.raises(ValueError, match=r"feedback='transpose' is unknown"):
        train(feedback="transpose", quick=True)
    with pytest.raises(ValueError, match=r"encoding='latency'.*supports only"):
        train(encoding="latency", quick=True)
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['n_hiden'\]"):
        train(n_hiden=10, quick=True)
    net, params, x, y = _two_layers(rng)
    trace = net.simulate(params, x)
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    with pytest.raises(ValueError, match="feedback='random' needs its fixed matrices"):
        eligibility_gradients(net, params, trace, feedback="random", grad_spikes={"out": g})
    with pytest.raises(ValueError, match="no loss gradient on the output layer 'out'"):
        eligibility_gradients(net, params, trace, grad_spikes={})


def _initial_weights(result, n_inputs=64):
    from neurolab_snn.training.recipes import digits_network
    cfg = result["config"]
    net = TrainableNetwork(digits_network("LIF", n_hidden=cfg["n_hidden"],
                                          tau_m=cfg["tau_m"] * ms, n_inputs=n_inputs))
    return net.init_params(np.random.default_rng([result["seed"], 0]), gain=cfg["weight_gain"])


def test_quick_training_uniform_feedback_leaves_the_hidden_layer_untrained():
    """Brian2 forward, 1 epoch on 300 digits: with uniform feedback the hidden weights only
    shrink by the decoupled weight decay (one common factor), the rule's hidden update is at
    90 degrees to BPTT's; with symmetric feedback the hidden layer learns (angle < 90)."""
    train = get_method("superspike")
    runs = {fb: train(feedback=fb, quick=True, epochs=1, backend="numpy", seed=0)
            for fb in ("uniform", "symmetric")}
    w0 = _initial_weights(runs["uniform"])["hidden.W"]
    ratio = runs["uniform"]["params"]["hidden.W"] / w0
    assert 0.9 < ratio.mean() < 1.0
    assert ratio.std() < 1e-6 * ratio.mean()          # Adam's eps swallows rounding-level signals
    assert runs["uniform"]["history"][0]["alignment_deg"]["hidden.W"] == 90.0
    ratio_sym = runs["symmetric"]["params"]["hidden.W"] / w0
    assert ratio_sym.std() > 1e-3
    assert runs["symmetric"]["history"][0]["alignment_deg"]["hidden.W"] < 60.0
    for r in runs.values():
        assert r["method"] == "superspike" and 0.0 <= r["test_accuracy"] <= 1.0
        assert r["wall_s"] > 0 and r["train_samples_per_s"] > 0


def test_quick_training_online_traces_and_recurrent_eprop():
    """The forward-in-time traces train exactly like the backward accumulation (1 epoch on
    300 digits); a recurrent hidden layer learns R by e-prop and keeps no autapses."""
    train = get_method("superspike")
    kw = dict(feedback="random", quick=True, epochs=1, backend="numpy", seed=1)
    on, off = train(online=True, **kw), train(online=False, **kw)
    assert on["test_accuracy"] == off["test_accuracy"]
    for key in off["params"]:
        np.testing.assert_allclose(on["params"][key], off["params"][key], rtol=1e-9,
                                   atol=1e-12)
    rec = train(feedback="symmetric", quick=True, epochs=1, backend="numpy", seed=0,
                recurrent=True)
    assert rec["config"]["recurrent"] is True
    assert rec["weight_change"]["hidden.R"] > 1e-3
    assert np.all(np.diag(rec["params"]["hidden.R"]) == 0.0)
    assert 0.0 < rec["history"][0]["alignment_deg"]["hidden.R"] < 180.0


def test_non_spiking_readout_learns_from_its_state_loss(rng):
    """A leaky-integrator read-out (loss on its membrane, L = sum g v): its gradient equals BPTT's
    (a single layer); the hidden layer receives g W^T (symmetric) in both evaluations."""
    from neurolab_snn.training.recipes import leaky_readout
    lif = LIF(t_ref=0 * ms)
    net = TrainableNetwork(NetworkSpec(10, (Layer("hid", lif, 6, scale=20 * mV),
                                            Layer("out", leaky_readout(), 2, spiking=False,
                                                  trainable=("V_b",), scale=20 * mV))))
    params = net.init_params(rng, gain=5.0)
    x = (rng.random((3, 25, 10)) < 0.3).astype(float)
    trace = net.simulate(params, x)
    gv = {"out": {"v": rng.normal(size=(3, 25, 2))}}
    ref = backward(net, params, trace, grad_states=gv)
    on, off = (eligibility_gradients(net, params, trace, grad_states=gv, online=o)
               for o in (True, False))
    for key in ("out.W", "out.V_b"):
        assert _rel(off[key], ref[key]) < RTOL and _rel(on[key], ref[key]) < RTOL, key
    assert _rel(on["hid.W"], off["hid.W"]) < RTOL and np.max(np.abs(on["hid.W"])) > 0
    with pytest.raises(ValueError, match=r"expected grad_states\['out'\]\['v'\]"):
        eligibility_gradients(net, params, trace, grad_spikes={"out": gv["out"]["v"]})


def test_quick_training_on_mnist_idx_files(tmp_path):
    """Tiny MNIST-style IDX files (28x28 uint8 images): 784 inputs, trains and scores."""
    from neurolab_snn.training.tasks import load_mnist_idx, write_idx
    rng = np.random.default_rng(4)
    parts = []
    for name, n in (("train", 60), ("val", 20), ("test", 20)):
        y = rng.integers(0, 10, n).astype(np.uint8)
        img = np.zeros((n, 28, 28), dtype=np.uint8)
        for i, label in enumerate(y):              # a class-dependent bright row
            img[i, 2 + 2 * label] = 255
        write_idx(tmp_path / f"{name}-images.idx", img)
        write_idx(tmp_path / f"{name}-labels.idx", y)
        parts.append(load_mnist_idx(tmp_path / f"{name}-images.idx",
                                    tmp_path / f"{name}-labels.idx"))
    r = get_method("superspike")(feedback="direct", quick=True, epochs=1, backend="numpy",
                                 data=tuple(parts), n_hidden=16, batch_size=20)
    assert r["config"]["n_hidden"] == 16 and len(r["history"]) == 1
    assert 0.0 <= r["test_accuracy"] <= 1.0 and np.isfinite(r["history"][0]["train_loss"])
    assert r["params"]["hidden.W"].shape == (784, 16)
