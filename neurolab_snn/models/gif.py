"""Generalized integrate-and-fire neuron with escape noise (Mensi et al. 2012;
Pozzorini et al. 2015 PLOS Comput Biol 11:e1004275)::

    C dV/dt = -g_L (V - E_L) + I_ext + I_syn - sum_k eta_k
    deta_k/dt = -eta_k/tau_eta_k          (spike-triggered current)
    dgamma_j/dt = -gamma_j/tau_gamma_j    (moving threshold)
    V_T = V_T_star + sum_j gamma_j
    lambda(t) = lambda_0 exp((V - V_T)/DeltaV)

A spike is emitted in a step of length dt with probability 1 - exp(-lambda dt).
At a spike eta_k += a_eta_k and gamma_j += a_gamma_j, so that
eta(t) = sum_k a_eta_k exp(-t/tau_eta_k) and gamma(t) = sum_j a_gamma_j exp(-t/tau_gamma_j)
follow an isolated spike; V is reset to V_reset and held for t_ref.  With
``escape=False`` the threshold is deterministic (V > V_T).

The kernels are sums of exponentials with configurable time constants and
amplitudes (Pozzorini et al. fit them on fixed, log-spaced time constants).
Integration: exponential Euler, exact for each linear equation given the others.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..units import Hz, mV, ms, nS, pA, pF, check_quantity, second, volt, amp
from .base import NeuronModel, Preset, check_time_constants, refractoriness, resolve_parameters

_BASE = dict(C=200 * pF, g_L=10 * nS, E_L=-70 * mV, V_reset=-55 * mV, t_ref=4 * ms,
             V_T_star=-50 * mV, DeltaV=1.0 * mV, lambda_0=1 * Hz)

PRESETS = {
    "pozzorini2015_l5pyr": Preset(
        "pozzorini2015_l5pyr",
        "Representative layer-5 pyramidal cell values in the range fitted by Pozzorini et al. "
        "(2015) PLOS Comput Biol 11:e1004275 (Fig. 3-4): C = 200 pF, g_L = 10 nS, E_L = -70 mV, "
        "V_T* = -50 mV, DeltaV = 1 mV, lambda_0 = 1 Hz, t_ref = 4 ms; eta: depolarising then "
        "hyperpolarising over ~1 s; gamma: +15 mV decaying over tens of ms to s",
        _BASE),
    "mensi2012_fs": Preset(
        "mensi2012_fs",
        "Mensi et al. (2012) J Neurophysiol 107:1756, fast-spiking interneuron (order of "
        "magnitude): C = 80 pF, g_L = 8 nS, E_L = -68 mV, V_T* = -48 mV, DeltaV = 0.8 mV, "
        "t_ref = 2 ms, weak adaptation",
        {**_BASE, "C": 80 * pF, "g_L": 8 * nS, "E_L": -68 * mV, "V_reset": -55 * mV,
         "V_T_star": -48 * mV, "DeltaV": 0.8 * mV, "t_ref": 2 * ms}),
}

#: Default kernels: (time constants, amplitudes) per preset.
KERNELS = {
    "pozzorini2015_l5pyr": dict(eta_taus=(10 * ms, 50 * ms, 250 * ms),
                                eta_amplitudes=(150 * pA, 30 * pA, 10 * pA),
                                gamma_taus=(5 * ms, 50 * ms, 250 * ms),
                                gamma_amplitudes=(10 * mV, 5 * mV, 2 * mV)),
    "mensi2012_fs": dict(eta_taus=(10 * ms, 50 * ms), eta_amplitudes=(40 * pA, 5 * pA),
                         gamma_taus=(5 * ms, 50 * ms), gamma_amplitudes=(4 * mV, 1 * mV)),
}


def _kernel(name: str, taus: Sequence, amplitudes: Sequence, unit) -> tuple[tuple, tuple]:
    taus, amplitudes = tuple(taus), tuple(amplitudes)
    if len(taus) != len(amplitudes):
        raise ValueError(f"GIF: {name}_taus has {len(taus)} entries but {name}_amplitudes has "
                         f"{len(amplitudes)}; expected one amplitude per time constant")
    for k, (tau, amp_k) in enumerate(zip(taus, amplitudes)):
        check_quantity(f"{name}_taus[{k}]", tau, second, positive=True)
        check_quantity(f"{name}_amplitudes[{k}]", amp_k, unit)
    return taus, amplitudes


def gif_equations(n_eta: int, n_gamma: int) -> str:
    """The GIF equation string for *n_eta* eta and *n_gamma* gamma exponentials."""
    eta_sum = " + ".join(f"eta_{k}" for k in range(n_eta)) or "0*amp"
    gamma_sum = " + ".join(f"gamma_{j}" for j in range(n_gamma)) or "0*volt"
    lines = ["dv/dt = (-g_L*(v - E_L) + I_ext + I_syn - I_eta)/C : volt (unless refractory)",
             f"I_eta = {eta_sum} : amp",
             f"V_T = V_T_star + {gamma_sum} : volt",
             "lambda_esc = lambda_0*exp((v - V_T)/DeltaV) : Hz",
             "I_syn : amp", "I_ext : amp"]
    lines += [f"deta_{k}/dt = -eta_{k}/tau_eta_{k} : amp" for k in range(n_eta)]
    lines += [f"dgamma_{j}/dt = -gamma_{j}/tau_gamma_{j} : volt" for j in range(n_gamma)]
    return "\n".join(lines) + "\n"


def GIF(preset: str = "pozzorini2015_l5pyr", *, escape: bool = True,
        eta_taus: Sequence | None = None, eta_amplitudes: Sequence | None = None,
        gamma_taus: Sequence | None = None, gamma_amplitudes: Sequence | None = None,
        **parameters) -> NeuronModel:
    """GIF model from a cited preset, with sum-of-exponential kernels.

    Parameters
    ----------
    preset : str
        ``'pozzorini2015_l5pyr'`` (default) or ``'mensi2012_fs'``.
    escape : bool
        Escape-noise (stochastic) threshold if True, else deterministic ``v > V_T``.
    eta_taus, eta_amplitudes : sequences of Quantity (s, A)
        Spike-triggered current eta(t) = sum_k a_k exp(-t/tau_k); empty for none.
    gamma_taus, gamma_amplitudes : sequences of Quantity (s, V)
        Moving threshold gamma(t) = sum_j a_j exp(-t/tau_j); empty for none.
    **parameters : Quantity
        Overrides of ``C`` (F), ``g_L`` (S), ``E_L``, ``V_reset``, ``V_T_star``, ``DeltaV`` (V),
        ``t_ref`` (s), ``lambda_0`` (Hz).
    """
    values = resolve_parameters("GIF", PRESETS, preset, parameters)
    for key in ("C", "g_L", "DeltaV", "lambda_0"):
        check_quantity(key, values[key], values[key], positive=True)
    kernels = KERNELS[preset]
    eta_taus = kernels["eta_taus"] if eta_taus is None else eta_taus
    eta_amplitudes = kernels["eta_amplitudes"] if eta_amplitudes is None else eta_amplitudes
    gamma_taus = kernels["gamma_taus"] if gamma_taus is None else gamma_taus
    gamma_amplitudes = (kernels["gamma_amplitudes"] if gamma_amplitudes is None
                        else gamma_amplitudes)
    eta_taus, eta_amplitudes = _kernel("eta", eta_taus, eta_amplitudes, amp)
    gamma_taus, gamma_amplitudes = _kernel("gamma", gamma_taus, gamma_amplitudes, volt)
    for k, (tau, a) in enumerate(zip(eta_taus, eta_amplitudes)):
        values[f"tau_eta_{k}"], values[f"a_eta_{k}"] = tau, a
    for j, (tau, a) in enumerate(zip(gamma_taus, gamma_amplitudes)):
        values[f"tau_gamma_{j}"], values[f"a_gamma_{j}"] = tau, a
    check_time_constants("GIF", values, [k for k in values if k.startswith("tau_")])
    # the membrane time constant C/g_L is derived; keep it visible to dt checks
    reset = ["v = V_reset"]
    reset += [f"eta_{k} += a_eta_{k}" for k in range(len(eta_taus))]
    reset += [f"gamma_{j} += a_gamma_{j}" for j in range(len(gamma_taus))]
    initial = {"v": "E_L"}
    initial.update({f"eta_{k}": 0 * pA for k in range(len(eta_taus))})
    initial.update({f"gamma_{j}": 0 * mV for j in range(len(gamma_taus))})
    if escape:
        threshold = "rand() < 1 - exp(-lambda_esc*dt)"
    else:
        threshold = "v > V_T"
        values.pop("lambda_0")
        values.pop("DeltaV")
    eqs = gif_equations(len(eta_taus), len(gamma_taus))
    if not escape:
        eqs = "\n".join(ln for ln in eqs.splitlines() if not ln.startswith("lambda_esc")) + "\n"
    eqs, refractory, values = refractoriness("GIF", eqs, values)
    return NeuronModel(name="GIF", equations=eqs, threshold=threshold, reset="\n".join(reset),
                       refractory=refractory, method="exponential_euler", parameters=values,
                       initial_values=initial, reference=PRESETS[preset].reference,
                       presets=PRESETS, options={"preset": preset, "escape": escape,
                                                 "n_eta": len(eta_taus),
                                                 "n_gamma": len(gamma_taus)})
