"""Heaviside forward: adjoint gradients equal an independent torch-autograd network (1e-6 rel).

The torch networks below are written by hand from the model equations (exact
integration for LIF/AdaptiveLIF, exponential Euler for GIF), in Brian2's
schedule order, with the same surrogate as a custom autograd function; they
share no code with the sympy-derived adjoint.
"""
import numpy as np
import pytest

from neurolab_snn.models import GIF, LIF, AdaptiveLIF
from neurolab_snn.training.adjoint import backward
from neurolab_snn.training.losses import CECount
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.surrogates import FastSigmoid
from neurolab_snn.units import mV, ms, pA

torch = pytest.importorskip("torch")
SLOPE, SCALE = 4.0, 2e-3


class Spike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid derivative k/2/(1 + k|x|)^2 backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 0.5 * SLOPE / (1 + SLOPE * x.abs()) ** 2


def _spike(h):
    return Spike.apply(h / SCALE)


def _torch_forward(kind, P, x, detach, gated, dt=1e-3):
    """The discrete network in torch: hidden (recurrent) layer of *kind*, LIF output.

    ``gated``: the models have Brian2's refractoriness (t_ref = dt, which holds no
    neuron beyond its spike step) and drop the input that arrives in a spike step;
    else (t_ref = 0: no refractoriness) the input is added and the reset overwrites it.
    """
    b, t_steps, _ = x.shape
    nh, no = P["hid.W"].shape[1], P["out.W"].shape[1]
    E_L, V_reset, out_th = -0.07, -0.07, -0.05
    v = torch.full((b, nh), E_L if kind != "GIF" else -0.07, dtype=torch.float64)
    a = torch.zeros((b, nh), dtype=torch.float64)      # theta (ALIF) or eta (GIF)
    g = torch.zeros((b, nh), dtype=torch.float64)      # gamma (GIF)
    vo = torch.full((b, no), E_L, dtype=torch.float64)
    outs = []
    for k in range(t_steps):
        # groups: state update
        if kind == "LIF":
            vp = E_L + (v - E_L) * torch.exp(-dt / P["hid.tau_m"])
            h = vp - P["hid.V_th"]
        elif kind == "ALIF":
            ap = a * torch.exp(-dt / P["hid.tau_a"])
            vp = E_L + (v - E_L) * torch.exp(-dt / P["hid.tau_m"])
            h = vp - P["hid.V_th"] - ap
        else:  # GIF, exponential Euler: v relaxes to E_L - eta/g_L with rate g_L/C
            g_L = 10e-9
            v_inf = -0.07 - a / g_L
            vp = v_inf + (v - v_inf) * torch.exp(-dt * g_L / P["hid.C"])
            ap = a * torch.exp(-dt / P["hid.tau_eta_0"])
            gp = g * np.exp(-dt / 0.03)
            h = vp - P["hid.V_T_star"] - gp
        vop = E_L + (vo - E_L) * torch.exp(-dt / P["out.tau_m"])
        # thresholds
        s = _spike(h)
        so = _spike(vop - out_th)
        sd, sod = (s.detach(), so.detach()) if detach else (s, so)
        # synapses (with refractoriness, writes to v are blocked for neurons that just spiked)
        u = x[:, k] @ P["hid.W"] + s @ P["hid.R"]
        vpp = vp + u * (1 - sd) if gated else vp + u
        vopp = vop + (s @ P["out.W"]) * (1 - sod) if gated else vop + s @ P["out.W"]
        # resets
        v = vpp + sd * (V_reset - vpp) if kind != "GIF" else vpp + sd * (-0.055 - vpp)
        if kind == "ALIF":
            a = ap + sd * P["hid.Delta_th"]
        elif kind == "GIF":
            a = ap + sd * P["hid.a_eta_0"]
            g = gp + sd * P["hid.a_gamma_0"]
        vo = vopp + sod * (V_reset - vopp)
        outs.append(so)
    return torch.stack(outs, dim=1)


MODELS = {
    "LIF": (lambda t_ref: LIF(t_ref=t_ref), ("tau_m", "V_th")),
    "ALIF": (lambda t_ref: AdaptiveLIF(t_ref=t_ref, tau_a=60 * ms, Delta_th=3 * mV),
             ("tau_m", "V_th", "Delta_th", "tau_a")),
    "GIF": (lambda t_ref: GIF(escape=False, t_ref=t_ref, eta_taus=(20 * ms,),
                              eta_amplitudes=(40 * pA,), gamma_taus=(30 * ms,),
                              gamma_amplitudes=(3 * mV,)),
            ("C", "V_T_star", "a_eta_0", "a_gamma_0", "tau_eta_0")),
}


@pytest.mark.parametrize("detach, gated, compiled", [
    (True, False, False), (False, False, False), (False, True, False), (True, True, False),
    (True, False, True), (True, True, True)])
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_adjoint_matches_torch_autograd(kind, detach, gated, compiled):
    """``gated``: t_ref = dt (Brian2's refractoriness), else t_ref = 0 (none);
    ``compiled``: the read-out layer's recursion runs as the compiled kernel."""
    factory, trainable = MODELS[kind]
    t_ref = 1 * ms if gated else 0 * ms
    spec = NetworkSpec(6, (Layer("hid", factory(t_ref), 8, recurrent=True, trainable=trainable,
                                 scale=SCALE * 1e3 * mV),
                           Layer("out", LIF(t_ref=t_ref), 3, trainable=("tau_m",),
                                 scale=SCALE * 1e3 * mV)),
                       surrogate=FastSigmoid(slope=SLOPE), detach_reset=detach)
    net = TrainableNetwork(spec)
    rng = np.random.default_rng(3)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 15.0})
    x = (rng.random((4, 40, 6)) < 0.3).astype(float)
    y = np.array([0, 1, 2, 1])
    trace = net.simulate(params, x)
    assert 0.02 < trace.spikes["hid"].mean() < 0.6 and trace.spikes["out"].sum() > 5
    _, g = CECount().value_and_grad(trace.spikes["out"], y)
    grads = backward(net, params, trace, grad_spikes={"out": g}, compiled=compiled)

    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    assert net.gated == [gated, gated]
    out = _torch_forward(kind, P, torch.tensor(x), detach, gated)
    np.testing.assert_array_equal(out.detach().numpy(), trace.spikes["out"])
    loss = torch.nn.functional.cross_entropy(out.sum(dim=1), torch.tensor(y))
    loss.backward()
    for key, value in P.items():
        ref = value.grad.numpy()
        err = np.max(np.abs(grads[key] - ref)) / np.max(np.abs(ref))
        assert np.max(np.abs(ref)) > 0, key
        assert err < 1e-6, (key, err)
