"""Active electrode compensation on a synthetic electrode + membrane (no Brian2 needed)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from neurolab_snn.fitting.aec import (AECSettings, _basis_matrix, _bin_edges, _normal_equations,
                                      compensate, fit_electrode_kernel)
from neurolab_snn.fitting.io import Sweep
from neurolab_snn.units import ms

DT = 1e-4


def _ou(n, tau, rng):
    a = np.exp(-DT / tau)
    return lfilter([1.0], [1.0, -a], np.sqrt(1 - a * a) * rng.standard_normal(n))


def _recording(n=60_000, r_e=30e6, tau_e=0.3e-3, C=200e-12, g_L=10e-9, E_L=-0.07, seed=1,
               spike=False):
    """V_rec = membrane (exponential Euler, zero-order hold) + electrode; both exact."""
    rng = np.random.default_rng(seed)
    current = 40e-12 * _ou(n, 3e-3, rng)
    a = np.exp(-DT * g_L / C)
    v = np.empty(n)
    v[0] = E_L
    v[1:] = E_L + lfilter([0.0, (1 - a) / g_L], [1.0, -a], current)[1:]
    lags = np.arange(int(20 * tau_e / DT))
    k_e = r_e * (1 - np.exp(-DT / tau_e)) * np.exp(-lags * DT / tau_e) / DT
    v_rec = v + lfilter(k_e * DT, [1.0], current)
    if spike:
        v_rec[30_000:30_010] = 0.02
    return Sweep(v=v_rec, i=current, dt=DT, source="synthetic calibration"), v, k_e


def test_normal_equations_match_direct_product():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(8000), rng.standard_normal(8000)
    edges = _bin_edges(DT, AECSettings())
    r0 = int(edges[-1])
    X = _basis_matrix(x, edges, DT, r0, 7999)
    xtx, xty = _normal_equations(x, y, edges, DT, r0, 7999)
    np.testing.assert_allclose(xtx, X.T @ X, rtol=1e-9, atol=1e-12 * np.abs(xtx).max())
    np.testing.assert_allclose(xty, X.T @ y[r0:7999], rtol=1e-9,
                               atol=1e-12 * np.abs(xty).max())


def test_recovers_electrode_resistance_and_compensates():
    sweep, v_true, k_e = _recording()
    kernel = fit_electrode_kernel(sweep)
    assert kernel.resistance == pytest.approx(30e6, rel=0.01)
    assert kernel.membrane_tau == pytest.approx(0.02, rel=0.01)       # C/g_L
    n = kernel.kernel.size
    np.testing.assert_allclose(kernel.kernel[:5], k_e[:5], rtol=0.05)
    corrected = compensate(sweep, kernel)
    residual = corrected.v - v_true
    # the electrode's voltage (std ~1 mV) is removed to a few microvolts
    assert np.std(sweep.v - v_true) > 5e-4
    assert np.std(residual[n:]) < 0.02 * np.std(sweep.v - v_true)


def test_calibration_with_spikes_is_refused():
    sweep, _, _ = _recording(spike=True)
    with pytest.raises(ValueError, match=r"calibration sweep 'synthetic calibration': 1 "
                                         r"spike\(s\).*expected a subthreshold sweep"):
        fit_electrode_kernel(sweep)


def test_calibration_too_short_or_nan():
    sweep, _, _ = _recording(n=2000)
    with pytest.raises(ValueError, match="expected at least twice the filter length"):
        fit_electrode_kernel(sweep)
    sweep, _, _ = _recording()
    v = sweep.v.copy()
    v[100] = np.nan
    with pytest.raises(ValueError, match="calibration sweep .*NaN samples"):
        fit_electrode_kernel(Sweep(v=v, i=sweep.i, dt=DT, source="cal"))


def test_settings_are_checked():
    with pytest.raises(ValueError, match="exp_fit_range"):
        AECSettings(exp_fit_range=(3 * ms, 200 * ms))   # beyond the 150 ms filter
    with pytest.raises(TypeError, match="AECSettings.length"):
        AECSettings(length=150.0)
