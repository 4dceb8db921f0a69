"""The compiled adjoint kernel equals the numpy recursion (1e-12 relative), layer by layer.

Feed-forward networks (no recurrent weights, detached reset) of every model
kind - including user-written QIF/EIF models - and every built-in surrogate,
with trainable neuron parameters, an arbitrary gradient on the output spikes
and on the hidden states: ``backward(..., compiled=True)`` must give the
gradients of the numpy recursion.  Each kernel is compiled once (a few
seconds, cached on disk by Brian2's Cython extension manager).
"""
import numpy as np
import pytest

from neurolab_snn.models import GIF, LIF, AdaptiveLIF
from neurolab_snn.training import surrogates as S
from neurolab_snn.training.adjoint import backward
from neurolab_snn.training.kernels import covers, prepare
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.units import mV, ms, pA

from .conftest import eif_model, qif_model

HIDDEN = {
    "LIF": (LIF(t_ref=0 * ms), ("tau_m", "V_th")),
    "ALIF_threshold": (AdaptiveLIF(t_ref=0 * ms, tau_a=50 * ms, Delta_th=4 * mV),
                       ("tau_m", "V_th", "Delta_th", "tau_a")),
    "ALIF_current": (AdaptiveLIF(adaptation="current", t_ref=0 * ms, tau_a=40 * ms,
                                 b_w=60 * pA), ("tau_m", "b_w", "tau_a")),
    "GIF": (GIF(escape=False, t_ref=0 * ms, eta_taus=(15 * ms,), eta_amplitudes=(80 * pA,),
                gamma_taus=(30 * ms,), gamma_amplitudes=(4 * mV,)),
            ("C", "V_T_star", "a_eta_0", "a_gamma_0", "tau_eta_0")),
    "QIF_user": (qif_model(), ("tau_m", "V_c", "V_peak")),
    "EIF_user": (eif_model(), ("tau_m", "V_T", "Delta_T")),
}


def _gradients(model, trainable, surrogate, seed=0):
    spec = NetworkSpec(6, (Layer("hid", model, 7, trainable=trainable, scale=4 * mV),
                           Layer("out", LIF(t_ref=0 * ms), 3, trainable=("tau_m", "V_th"),
                                 scale=4 * mV)),
                       surrogate=surrogate, detach_reset=True)
    net = TrainableNetwork(spec)
    rng = np.random.default_rng(seed)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 15.0})
    x = (rng.random((5, 50, 6)) < 0.3).astype(float)
    trace = net.simulate(params, x)
    assert trace.spikes["hid"].sum() > 20 and trace.spikes["out"].sum() > 5
    g_spikes = {"out": rng.normal(size=trace.spikes["out"].shape)}
    g_states = {"hid": {var: rng.normal(size=(5, 50, 7)) for var in net.discrete[0].states}}
    assert all(covers(layer, dm, recurrent=False, n_ref=0, detach=True, surrogate=surrogate)
               for layer, dm in zip(spec.layers, net.discrete))
    return [backward(net, params, trace, grad_spikes=g_spikes, grad_states=g_states,
                     compiled=compiled) for compiled in (False, True)]


def _assert_same(ref, got):
    for key, value in ref.items():
        assert np.max(np.abs(value)) > 0, key
        err = np.max(np.abs(got[key] - value)) / np.max(np.abs(value))
        assert err < 1e-12, (key, err)


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_compiled_kernel_matches_numpy_recursion(name):
    model, trainable = HIDDEN[name]
    _assert_same(*_gradients(model, trainable, S.FastSigmoid(slope=2.0)))


@pytest.mark.parametrize("surrogate", [S.Sigmoid(slope=1.5), S.ATan(slope=1.0),
                                       S.Triangle(slope=0.3), S.StraightThrough(slope=0.2)],
                         ids=lambda s: s.name)
def test_every_builtin_surrogate_has_the_same_compiled_derivative(surrogate):
    _assert_same(*_gradients(LIF(t_ref=0 * ms), ("tau_m",), surrogate, seed=1))


def test_layers_the_kernel_does_not_cover():
    model, custom = LIF(t_ref=2 * ms), S.Custom(function=np.tanh, derivative=np.cos)
    net = TrainableNetwork(NetworkSpec(2, (Layer("a", model, 2),)))
    layer, dm = net.spec.layers[0], net.discrete[0]
    kw = dict(detach=True, surrogate=S.FastSigmoid())
    assert covers(layer, dm, recurrent=False, n_ref=1, **kw)
    assert not covers(layer, dm, recurrent=True, n_ref=1, **kw)
    assert not covers(layer, dm, recurrent=False, n_ref=2, **kw)          # refractory period
    assert not covers(layer, dm, recurrent=False, n_ref=1, detach=False,
                      surrogate=S.FastSigmoid())
    assert not covers(layer, dm, recurrent=False, n_ref=1, detach=True, surrogate=custom)


def test_prepare_compiles_the_covered_layers_only():
    spec = NetworkSpec(3, (Layer("rec", LIF(t_ref=0 * ms), 4, recurrent=True),
                           Layer("ff", LIF(t_ref=0 * ms), 2)), surrogate=S.FastSigmoid())
    assert prepare(TrainableNetwork(spec)) == 1
