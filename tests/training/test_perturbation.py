"""Weight / node perturbation: the estimates converge to the finite-difference gradient of a
smooth loss (cosine similarity grows with the number of perturbations); bad input."""
import numpy as np
import pytest

from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.perturbation import (PerturbedForward, estimate_gradient,
                                                train_perturbation)
from neurolab_snn.training.recipes import leaky_readout
from neurolab_snn.units import mV, ms

N_IN, N_OUT, T, M = 4, 3, 10, 3


def _smooth_setup():
    """4 inputs -> 3 leaky integrators (no threshold): the loss, the squared distance of the
    time-averaged potentials to a target, is quadratic in the weights."""
    spec = NetworkSpec(N_IN, (Layer("out", leaky_readout(5 * ms), N_OUT, spiking=False,
                                    scale=1 * mV),), dt=1 * ms)
    net = TrainableNetwork(spec)
    rng = np.random.default_rng(0)
    params = {"out.W": rng.normal(0, 2e-3, (N_IN, N_OUT))}
    x = (rng.random((M, T, N_IN)) < 0.4).astype(float)
    y = np.arange(M) % N_OUT

    def loss(trace, labels):
        v = (trace.states["out"]["v"][:, 1:] + 70e-3).mean(axis=1) * 1e3       # mV
        target = 1.0 * np.eye(N_OUT)[labels]
        return ((v - target) ** 2).sum(axis=1)
    return net, params, x, y, loss


def _fd_gradient(net, params, x, y, loss, h=1e-6):
    grad = np.zeros_like(params["out.W"])
    for idx in np.ndindex(grad.shape):
        vals = []
        for sign in (1, -1):
            w = params["out.W"].copy()
            w[idx] += sign * h
            vals.append(loss(net.simulate({"out.W": w}, x), y).mean())
        grad[idx] = (vals[0] - vals[1]) / (2 * h)
    return grad


@pytest.mark.parametrize("rule, sigma", [("weight", 2e-4), ("node", 2e-4)])
def test_estimate_converges_to_finite_difference_gradient(rule, sigma):
    """Perturbed copies in one Brian2 run (numpy target).  Expected cosine for P random
    directions in a d-dimensional problem ~ sqrt(P / (P + d)) (d = 12 weights for WP,
    T * 3 = 30 node-steps per sample for NP): measured > 0.9 with 512 perturbations per
    sample; it must grow from 8 to 512 perturbations."""
    net, params, x, y, loss = _smooth_setup()
    true = _fd_gradient(net, params, x, y, loss)
    p_max = 512
    pf = PerturbedForward(net, M, p_max, T, backend="numpy")
    rng = np.random.default_rng(1)
    # one run of 512 perturbations per sample, then the estimate of the first P of them
    captured = {}

    def capture(trace, labels):
        captured["trace"] = trace
        return loss(trace, labels)
    grads, info = estimate_gradient(pf, params, x, y, rule=rule, sigma={"out": sigma},
                                    rng=rng, loss=capture)
    pf.close()
    # the clean copies reproduce the reference numpy forward pass
    clean = info["losses"][:, 0]
    np.testing.assert_allclose(clean, loss(net.simulate(params, x), y), rtol=1e-9)
    cos = []
    for p in (8, 32, 128, 512):
        g = _partial_estimate(rule, info, captured["trace"], x, sigma, p, p_max, pf)
        cos.append(float(np.sum(g * true) / np.linalg.norm(g) / np.linalg.norm(true)))
    np.testing.assert_allclose(_partial_estimate(rule, info, captured["trace"], x, sigma,
                                                 p_max, p_max, pf), grads["out.W"], rtol=1e-9)
    assert cos[-1] > 0.9, cos
    assert cos[-1] > cos[0] + 0.1, cos


def _partial_estimate(rule, info, trace, x, sigma, p, p_max, pf):
    """The estimator on the first *p* perturbations, recomputed from the recorded noise."""
    losses = info["losses"]
    adv = (losses[:, 1:p + 1] - losses[:, :1]) / (M * p)
    noise = info["noise"]["out"][:, :p]
    if rule == "weight":
        return np.einsum("mp,mpij->ij", adv, noise) / sigma
    pre = trace.inputs.reshape(M, p_max + 1, T, N_IN)[:, 1:p + 1]
    return np.einsum("mp,mpti,mptj->ij", adv, pre, noise) / sigma


def test_accept_reject_keeps_only_improvements():
    """The accepted step is the best of 8 shared candidates and lowers the minibatch loss
    (checked on the numpy reference forward pass); a rejected one leaves W unchanged."""
    net, params, x, y, loss = _smooth_setup()
    pf = PerturbedForward(net, M, 8, T, backend="numpy")
    before = loss(net.simulate(params, x), y).mean()
    accepted = 0
    for seed in range(4):
        _, info = estimate_gradient(pf, params, x, y, rule="accept_reject",
                                    sigma={"out": 5e-4}, rng=seed, loss=loss)
        after = loss(net.simulate({"out.W": params["out.W"] + info["step"]["out.W"]}, x),
                     y).mean()
        if info["accepted"]:
            accepted += 1
            assert after < before
            assert after == pytest.approx(info["losses"].mean(axis=0)[1:].min(), rel=1e-9)
        else:
            assert after == pytest.approx(before, rel=1e-12)
    pf.close()
    assert accepted >= 1


def test_bad_options_raise():
    with pytest.raises(ValueError, match="rule='hebb'"):
        train_perturbation(rule="hebb", quick=True)
    with pytest.raises(ValueError, match="backend='cpp_standalone'"):
        train_perturbation(backend="cpp_standalone", quick=True)
    with pytest.raises(ValueError, match="encoding='latency'"):
        train_perturbation(encoding="latency", quick=True)
    with pytest.raises(ValueError, match="unknown option"):
        train_perturbation(feedback="random", quick=True)
