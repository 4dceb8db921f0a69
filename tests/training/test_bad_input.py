"""Bad input, each handled clearly: silent batches, missing thresholds, zero slopes, noise."""
import numpy as np
import pytest

from neurolab_snn.models import GIF, LIF, NeuronModel
from neurolab_snn.training.adjoint import backward
from neurolab_snn.training.brian import BrianForward
from neurolab_snn.training.discrete import DiscreteModel
from neurolab_snn.training.losses import CECount
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.surrogates import FastSigmoid
from neurolab_snn.units import mV, ms


def test_silent_batch_still_has_finite_surrogate_gradients():
    lif = LIF(t_ref=0 * ms)
    net = TrainableNetwork(NetworkSpec(8, (Layer("hid", lif, 6, trainable=("tau_m", "V_th"),
                                                 scale=20 * mV),
                                           Layer("out", lif, 3, scale=20 * mV))))
    rng = np.random.default_rng(0)
    params = net.init_params(rng, gain=0.05)          # far too weak to reach threshold
    x = (rng.random((4, 20, 8)) < 0.5).astype(float)
    trace = BrianForward(net, 4, 20, backend="numpy").run(params, x)
    assert trace.spikes["hid"].sum() == 0 and trace.spikes["out"].sum() == 0
    value, g = CECount().value_and_grad(trace.spikes["out"], np.array([0, 1, 2, 0]))
    assert value == pytest.approx(np.log(3))
    grads = backward(net, params, trace, grad_spikes={"out": g})
    for key, grad in grads.items():
        assert np.all(np.isfinite(grad)), key
    for key in ("hid.W", "hid.V_th", "hid.tau_m"):
        assert np.max(np.abs(grads[key])) > 0, key     # the surrogate lets gradients through
    assert np.all(grads["out.W"] == 0)                 # no hidden spikes: nothing to weight


def test_model_without_threshold_cannot_spike():
    li = NeuronModel(name="LI", equations="dv/dt = (E_L - v)/tau : volt\n", threshold=None,
                     parameters={"E_L": -70 * mV, "tau": 10 * ms}, initial_values={"v": "E_L"})
    with pytest.raises(ValueError, match="has no threshold, so it cannot spike"):
        Layer("hid", li, 4)
    assert Layer("out", li, 2, spiking=False).spiking is False
    assert DiscreteModel(li, 1 * ms).spiking is False


def test_zero_slope_is_a_clear_error():
    with pytest.raises(ValueError, match="slope=0"):
        NetworkSpec(2, (Layer("hid", LIF(t_ref=0 * ms), 2),), surrogate=FastSigmoid(slope=0))


def test_stochastic_threshold_is_rejected():
    with pytest.raises(ValueError, match="deterministic model .*escape=False"):
        DiscreteModel(GIF(escape=True), 1 * ms)


def test_unsupported_threshold_and_target():
    odd = LIF(t_ref=0 * ms)
    import dataclasses
    both = dataclasses.replace(odd, threshold="int(v > V_th) == 1")
    with pytest.raises(ValueError, match="single comparison"):
        DiscreteModel(both, 1 * ms)
    with pytest.raises(ValueError, match="target='I_syn' is not a state variable"):
        DiscreteModel(odd, 1 * ms, target="I_syn")


def test_bad_specs():
    lif = LIF(t_ref=0 * ms)
    with pytest.raises(ValueError, match="not a parameter"):
        Layer("hid", lif, 3, trainable=("tau_x",))
    with pytest.raises(ValueError, match="t_ref cannot be trained"):
        Layer("hid", lif, 3, trainable=("t_ref",))
    with pytest.raises(ValueError, match="unique names"):
        NetworkSpec(2, (Layer("a", lif, 2), Layer("a", lif, 2)))
    with pytest.raises(ValueError, match="dt=.*time constant"):
        NetworkSpec(2, (Layer("a", LIF(t_ref=0 * ms, tau_m=0.5 * ms), 2),))
    net = TrainableNetwork(NetworkSpec(2, (Layer("a", lif, 2),)))
    with pytest.raises(ValueError, match="inputs have shape"):
        net.simulate(net.init_params(0), np.zeros((1, 5, 3)))
    with pytest.raises(ValueError, match="smooth=True needs t_ref = 0"):
        TrainableNetwork(NetworkSpec(2, (Layer("a", LIF(t_ref=3 * ms), 2),))).simulate(
            net.init_params(0), np.zeros((1, 5, 2)), smooth=True)
