"""Smooth forward pass (the surrogate's step as the spike): adjoint = central finite differences.

For every parameter kind - input, recurrent and output weights; time constants
(tau_m, tau_a, tau_eta, C); thresholds (V_th, V_T_star, V_peak); adaptation
strengths (Delta_th, b_w); GIF kernel amplitudes (a_eta, a_gamma); and the
parameters of user-written QIF/EIF models - the relative error
max|g_adjoint - g_FD| / max|g_FD| must be below 1e-6 (4-point stencil, float64).
"""
import numpy as np
import pytest

from neurolab_snn.models import GIF, LIF, AdaptiveLIF, NeuronModel
from neurolab_snn.training.adjoint import backward
from neurolab_snn.training.losses import CECount, CERate
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.surrogates import ATan, Sigmoid
from neurolab_snn.units import mV, ms, pA

from .conftest import eif_model, qif_model

LI = NeuronModel(name="LI", equations="dv/dt = (E_L - v)/tau_m : volt\n", threshold=None,
                 parameters={"E_L": -70 * mV, "tau_m": 20 * ms}, initial_values={"v": "E_L"},
                 method="exact", reference="leaky integrator read-out")

CASES = {
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


def _fd(loss_fn, params, key, rel=1e-5):
    p0 = params[key]
    h = rel * float(np.max(np.abs(p0)))
    out = np.zeros_like(p0)
    for idx in np.ndindex(p0.shape):
        f = []
        for m in (2, 1, -1, -2):
            trial = dict(params)
            a = p0.copy()
            a[idx] += m * h
            trial[key] = a
            f.append(loss_fn(trial))
        out[idx] = (8 * (f[1] - f[2]) - (f[0] - f[3])) / (12 * h)
    return out


def _check(net, params, x, loss_fn, grads):
    errors = {}
    for key in params:
        ref = _fd(loss_fn, params, key)
        assert np.max(np.abs(ref)) > 0, key
        errors[key] = float(np.max(np.abs(grads[key] - ref)) / np.max(np.abs(ref)))
    assert max(errors.values()) < 1e-6, errors
    return errors


@pytest.mark.parametrize("name", sorted(CASES))
def test_spike_count_loss_gradients(name):
    model, trainable = CASES[name]
    spec = NetworkSpec(5, (Layer("hid", model, 4, recurrent=True, trainable=trainable,
                                 scale=5 * mV),
                           Layer("out", LIF(t_ref=0 * ms), 3, trainable=("tau_m", "V_th"),
                                 scale=5 * mV)),
                       surrogate=Sigmoid(slope=1.0), detach_reset=False)
    net = TrainableNetwork(spec)
    rng = np.random.default_rng(11)
    params = net.init_params(rng, gain=10.0, weight_scale={"out": 6.0})
    params["hid.R"] = rng.normal(0, 3e-3, (4, 4))          # include the diagonal
    x = (rng.random((2, 30, 5)) < 0.4).astype(float)
    y = np.array([0, 2])

    def loss_fn(p):
        return CECount().value_and_grad(net.simulate(p, x, smooth=True).spikes["out"], y)[0]

    trace = net.simulate(params, x, smooth=True)
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    grads = backward(net, params, trace, grad_spikes={"out": g}, smooth=True)
    _check(net, params, x, loss_fn, grads)


@pytest.mark.parametrize("compiled", [False, True])
def test_membrane_readout_loss_gradients(compiled):
    """Loss on the state of a non-spiking read-out (grad_states path), ATan surrogate;
    ``compiled``: the read-out's recursion runs as the compiled kernel."""
    spec = NetworkSpec(4, (Layer("hid", LIF(t_ref=0 * ms), 5, recurrent=True,
                                 trainable=("tau_m", "V_th"), scale=4 * mV),
                           Layer("out", LI, 2, spiking=False, trainable=("tau_m",))),
                       surrogate=ATan(slope=0.7), detach_reset=False)
    net = TrainableNetwork(spec)
    rng = np.random.default_rng(2)
    params = net.init_params(rng, gain=12.0, weight_scale={"out": 3.0})
    x = (rng.random((3, 25, 4)) < 0.4).astype(float)
    y = np.array([1, 0, 1])

    def logits(trace):
        v = trace.states["out"]["v"]
        return (v[:, 1:] - v[:, :1]) / 1e-3

    def loss_fn(p):
        return CERate().value_and_grad(logits(net.simulate(p, x, smooth=True)), y)[0]

    trace = net.simulate(params, x, smooth=True)
    _, g = CERate().value_and_grad(logits(trace), y)
    grads = backward(net, params, trace, grad_states={"out": {"v": g / 1e-3}}, smooth=True,
                     compiled=compiled)
    _check(net, params, x, loss_fn, grads)
