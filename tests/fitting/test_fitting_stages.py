"""Reset, subthreshold regression and threshold likelihood on data from the discrete GIF."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from neurolab_snn.fitting.basis import FitTrace, exp_filtered_spikes, simulate_forced_spikes
from neurolab_snn.fitting.settings import GIFFitSettings
from neurolab_snn.fitting.subthreshold import fit_reset, fit_subthreshold
from neurolab_snn.fitting.threshold import (_mu_terms, fit_threshold, log_likelihood,
                                            maximize_likelihood)
from neurolab_snn.units import ms, second

DT = 1e-4
TRUE = dict(C=180e-12, g_L=9e-9, E_L=-0.068, V_reset=-0.05)
ETA_TAUS = (2e-3, 10e-3, 50e-3, 250e-3)
ETA_AMPS = np.array([50e-12, 120e-12, 30e-12, 8e-12])


def _trace(seed, n=60_000):
    """Forced-spike GIF voltage with random spikes (ISI >= 8 ms), spikes drawn at +30 mV."""
    rng = np.random.default_rng(seed)
    isi = 80 + rng.geometric(1 / 600, size=n // 80)
    spikes = np.cumsum(isi)
    spikes = spikes[spikes < n - 10]
    a = np.exp(-DT / 3e-3)
    current = 0.3e-9 + 0.1e-9 * lfilter([1.0], [1.0, -a], np.sqrt(1 - a * a)
                                        * rng.standard_normal(n))
    eta = exp_filtered_spikes(spikes, n, ETA_TAUS, DT) @ ETA_AMPS
    V = simulate_forced_spikes(current, eta, spikes, TRUE["E_L"], DT, TRUE["C"], TRUE["g_L"],
                               TRUE["E_L"], TRUE["V_reset"], 40)
    V[spikes] = 0.03
    return FitTrace(v=V, i=current, dt=DT, spikes=spikes, start=0, stop=n, source=f"t{seed}")


SETTINGS = GIFFitSettings(eta_taus=tuple(t * second for t in ETA_TAUS), t_ref=4 * ms)


def test_reset_and_subthreshold_are_recovered_exactly():
    traces = [_trace(1), _trace(2)]
    reset = fit_reset(traces, SETTINGS)
    assert reset.V_reset == pytest.approx(TRUE["V_reset"], rel=1e-12)
    sub = fit_subthreshold(traces, SETTINGS)
    # the data follow the regression model exactly: recovery to rounding
    assert sub.C == pytest.approx(TRUE["C"], rel=1e-7)
    assert sub.g_L == pytest.approx(TRUE["g_L"], rel=1e-7)
    assert sub.E_L == pytest.approx(TRUE["E_L"], rel=1e-7)
    np.testing.assert_allclose(sub.eta_amplitudes, ETA_AMPS, rtol=1e-5)
    assert sub.variance_explained_dvdt == pytest.approx(1.0, abs=1e-9)


def test_subthreshold_refuses_swapped_channels():
    tr = _trace(3)
    swapped = FitTrace(v=tr.i * 1e8, i=tr.v * 1e-8, dt=DT, spikes=tr.spikes, start=0,
                       stop=tr.stop)
    with pytest.raises(ValueError, match="swapped or mis-scaled"):
        fit_subthreshold([swapped], SETTINGS)


def test_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.standard_normal(5000), np.ones(5000), rng.random(5000)])
    beta = np.array([0.8, 2.0, -0.5])
    spike = rng.random(5000) < 0.05
    c = 1e-2
    ll, g, H = log_likelihood(beta, X, spike, c)
    eps = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = eps
        lp, gp, _ = log_likelihood(beta + e, X, spike, c)
        lm, gm, _ = log_likelihood(beta - e, X, spike, c)
        assert g[j] == pytest.approx((lp - lm) / (2 * eps), rel=1e-6, abs=1e-6)
        np.testing.assert_allclose(H[:, j], (gp - gm) / (2 * eps), rtol=1e-5, atol=1e-5)
    assert np.all(np.linalg.eigvalsh(H) < 0)          # strictly concave here
    # small-mu branch of the spike terms agrees with the direct formula
    u = np.log(np.array([1e-7, 2e-5, 0.5])) - np.log(c)
    _, r, w = _mu_terms(u.copy(), np.arange(3), c)
    mu = c * np.exp(u)
    np.testing.assert_allclose(r, mu / np.expm1(mu), rtol=1e-9)
    np.testing.assert_allclose(w, mu * (mu * np.exp(mu) - np.expm1(mu)) / np.expm1(mu) ** 2,
                               rtol=1e-4)


def test_newton_recovers_bernoulli_escape_parameters():
    rng = np.random.default_rng(1)
    n = 400_000
    X = np.column_stack([rng.standard_normal(n), np.ones(n), np.exp(-rng.random(n) * 5)])
    beta_true = np.array([1.5, 3.0, -2.0])
    c = 1e-4
    p = -np.expm1(-c * np.exp(X @ beta_true))
    spike = rng.random(n) < p
    beta, ll, iterations, converged = maximize_likelihood(X, spike, c, np.zeros(3) + [0, 1, 0])
    assert converged and iterations < 40
    _, _, H = log_likelihood(beta, X, spike, c)
    se = np.sqrt(np.diag(np.linalg.inv(-H)))
    assert np.all(np.abs(beta - beta_true) < 5 * se)
    # the optimum does not depend on the start (concave problem)
    beta2, _, _, _ = maximize_likelihood(X, spike, c, np.array([0.0, 5.0, 1.0]))
    np.testing.assert_allclose(beta2, beta, rtol=1e-6, atol=1e-8)


def test_threshold_needs_spikes():
    tr = _trace(4)
    sub = fit_subthreshold([tr], SETTINGS)
    silent = FitTrace(v=tr.v, i=tr.i, dt=DT, spikes=np.zeros(0, np.int64), start=0,
                      stop=tr.stop)
    with pytest.raises(ValueError, match="no spikes in the training data"):
        fit_threshold([silent], sub, TRUE["V_reset"], SETTINGS)


def test_settings_validation():
    with pytest.raises(TypeError, match="GIFFitSettings.t_ref"):
        GIFFitSettings(t_ref=4.0)
    with pytest.raises(ValueError, match="distinct"):
        GIFFitSettings(eta_taus=(5 * ms, 5 * ms))
    with pytest.raises(ValueError, match="n_repetitions"):
        GIFFitSettings(n_repetitions=0)
