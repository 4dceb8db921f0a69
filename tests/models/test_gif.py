"""GIF: reduction to LIF, escape-noise statistics, eta and gamma kernels after a spike."""
import numpy as np
import pytest

from neurolab_snn.models import GIF, LIF
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.stimuli import ou_current, step_current
from neurolab_snn.units import Hz, Mohm, mV, ms, nA, nS, pA, pF, second, to_si


def _matching_lif_and_gif(escape, DeltaV=1 * mV):
    gif = GIF(escape=escape, eta_taus=(), eta_amplitudes=(), gamma_taus=(), gamma_amplitudes=(),
              C=200 * pF, g_L=10 * nS, E_L=-70 * mV, V_reset=-65 * mV, t_ref=3 * ms,
              V_T_star=-50 * mV, DeltaV=DeltaV, lambda_0=1 * Hz)
    lif = LIF(tau_m=20 * ms, R_m=100 * Mohm, E_L=-70 * mV, V_th=-50 * mV, V_reset=-65 * mV,
              t_ref=3 * ms)
    return gif, lif


def _ou_input(seed=1):
    rng = np.random.default_rng(seed)
    dt = 0.1 * ms
    current = ou_current(0.25 * nA, 0.15 * nA, 5 * ms, 1 * second, dt, rng)
    return CurrentInput(current, dt)


def test_deterministic_gif_without_kernels_is_the_lif():
    """eta = gamma = 0 and a hard threshold: identical spike times to the LIF."""
    gif, lif = _matching_lif_and_gif(escape=False)
    stim = _ou_input()
    a = simulate(gif, 1 * second, I_ext=stim, record=())
    b = simulate(lif, 1 * second, I_ext=stim, record=())
    assert a.spike_times.size > 10
    np.testing.assert_array_equal(a.spike_times, b.spike_times)


def test_escape_noise_with_vanishing_deltav_is_the_lif():
    """DeltaV -> 0 (1e-4 mV): the escape probability becomes a step at V_T; same spikes as LIF."""
    gif, lif = _matching_lif_and_gif(escape=True, DeltaV=1e-4 * mV)
    stim = _ou_input(2)
    a = simulate(gif, 1 * second, I_ext=stim, record=(), seed=3)
    b = simulate(lif, 1 * second, I_ext=stim, record=())
    assert a.spike_times.size > 10
    np.testing.assert_array_equal(a.spike_times, b.spike_times)


@pytest.mark.parametrize("offset_mV", [-2.0, 0.0, 1.5])
def test_escape_counts_under_clamped_voltage_match_poisson_rate(offset_mV):
    """V held at V_T + offset: counts match lambda_0 exp(offset/DeltaV) within 3 standard errors.

    V is clamped by E_L = V_reset = V_T* + offset with no input (dV/dt = 0) and
    t_ref = 0; each step spikes with p = 1 - exp(-lambda dt), so the count of
    each neuron is Binomial(n_steps, p), compared with the Poisson rate lambda.
    """
    v_clamp = (-50 + offset_mV) * mV
    gif = GIF(eta_taus=(), eta_amplitudes=(), gamma_taus=(), gamma_amplitudes=(),
              E_L=v_clamp, V_reset=v_clamp, t_ref=0 * ms, V_T_star=-50 * mV, DeltaV=1 * mV,
              lambda_0=20 * Hz)
    n, T, dt = 400, 2.0, 1e-4
    rec = simulate(gif, T * second, n=n, record=(), seed=11)
    lam = 20.0 * np.exp(offset_mV / 1.0)
    p = 1 - np.exp(-lam * dt)
    n_steps = round(T / dt)
    total = rec.main.spike_counts().sum()
    mean_b, se_b = n * n_steps * p, np.sqrt(n * n_steps * p * (1 - p))
    assert abs(total - mean_b) < 3 * se_b
    # Poisson rate lambda itself differs from the Bernoulli mean by O(lambda dt) < 0.3 %
    assert abs(total / (n * T) - lam) < 3 * se_b / (n * T) + lam * lam * dt


def test_eta_and_gamma_follow_their_sums_of_exponentials_after_a_spike():
    """After one spike: eta(t) = sum a_k exp(-(t-t_s')/tau_k), gamma likewise (rtol 1e-12).

    t_s' = t_s + dt: the reset increments the kernels at the end of the step labelled t_s.
    """
    taus_eta, amps_eta = (5 * ms, 40 * ms), (100 * pA, -20 * pA)
    taus_gamma, amps_gamma = (8 * ms, 80 * ms), (6 * mV, 2 * mV)
    gif = GIF(escape=False, eta_taus=taus_eta, eta_amplitudes=amps_eta, gamma_taus=taus_gamma,
              gamma_amplitudes=amps_gamma)
    dt = 0.1 * ms
    pulse = step_current([3.0] * nA, 200 * ms, dt, 5 * ms, 7 * ms)
    rec = simulate(gif, 200 * ms, I_ext=CurrentInput(pulse, dt), dt=dt,
                   record=("I_eta", "V_T"))
    assert rec.main.spike_counts()[0] == 1
    t_s = rec.main.spike_times[0] + to_si(dt)
    t = rec.trace_times
    after = t >= t_s - 1e-12
    s = t[after] - t_s
    eta = sum(to_si(a) * np.exp(-s / to_si(tau)) for a, tau in zip(amps_eta, taus_eta))
    gamma = sum(to_si(a) * np.exp(-s / to_si(tau)) for a, tau in zip(amps_gamma, taus_gamma))
    # the sum crosses zero: absolute tolerance 1e-12 of the largest amplitude (100 pA)
    np.testing.assert_allclose(rec.main.traces["I_eta"][0, after], eta, rtol=1e-12, atol=1e-22)
    v_t = rec.main.traces["V_T"][0, after] - to_si(gif.parameters["V_T_star"])
    np.testing.assert_allclose(v_t, gamma, rtol=1e-9)


def test_kernel_lengths_must_match():
    with pytest.raises(ValueError, match="eta_amplitudes has 1"):
        GIF(eta_taus=(5 * ms, 10 * ms), eta_amplitudes=(10 * pA,))


def test_kernel_amplitude_units_are_checked():
    with pytest.raises(TypeError, match=r"gamma_amplitudes\[0\]"):
        GIF(gamma_taus=(5 * ms,), gamma_amplitudes=(10 * pA,))
