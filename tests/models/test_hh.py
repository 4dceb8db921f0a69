"""HH: convergence order against a solve_ivp reference; literature values of the squid model."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from neurolab_snn.analysis import action_potential_features, steady_rates
from neurolab_snn.models import HH
from neurolab_snn.models.symbolic import rhs_function
from neurolab_snn.sim import simulate
from neurolab_snn.units import amp, ms, second, to_si

AREA_CM2 = 20000e-8  # the preset's 20000 um^2 in cm^2


def density_to_current(uA_per_cm2):
    return np.asarray(uA_per_cm2) * 1e-6 * AREA_CM2 * amp


def test_exponential_euler_error_falls_at_first_order():
    """Max |v - v_ref| over an action potential halves with dt (exponential Euler is order 1).

    The reference is solve_ivp (LSODA, rtol 1e-10) on the right-hand side derived
    symbolically from the same Brian2 equation strings.
    """
    model = HH()
    current = density_to_current(10.0)
    names, f = rhs_function(model, {"I_ext": to_si(current), "I_syn": 0.0})
    duration, errors, dts = 0.012, [], [0.04, 0.02, 0.01]
    sol = None
    for dt in dts:
        rec = simulate(model, duration * second, I_ext=current, record=tuple(names), dt=dt * ms)
        if sol is None:
            y0 = [rec.main.traces[n][0, 0] for n in names]
            sol = solve_ivp(f, (0, duration), y0, method="LSODA", rtol=1e-10, atol=1e-12,
                            dense_output=True)
        v_ref = sol.sol(rec.trace_times)[names.index("v")]
        errors.append(np.max(np.abs(rec.main.traces["v"][0] - v_ref)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all((orders > 0.8) & (orders < 1.3)), orders
    assert errors[-1] < 0.015  # 15 mV at dt = 0.01 ms, dominated by the AP time shift


def test_action_potential_threshold_and_peak():
    """Squid AP from rest (-65 mV): threshold about 10 mV above rest, peak near +40 mV.

    Hodgkin & Huxley (1952), Fig. 12: the computed membrane AP rises ~100 mV above
    rest, bounded by E_Na = +50 mV; Dayan & Abbott (2001) Fig. 5.11 shows the
    peak near +40 mV and a threshold near -55 mV.
    """
    rec = simulate(HH(), 20 * ms, I_ext=density_to_current(10.0), record=("v",), dt=0.01 * ms)
    threshold, peak, _ = action_potential_features(rec.main.traces["v"][0], rec.trace_times)
    assert -0.060 < threshold < -0.050
    assert 0.030 < peak < 0.050


def test_repetitive_firing_onset_matches_rinzel_miller():
    """Onset of repetitive firing at 6.26 uA/cm^2 with ~50-70 Hz (Rinzel & Miller 1980).

    Steps from rest; the onset is the smallest density with sustained firing
    in the second half of a 600 ms step, measured on a 0.1 uA/cm^2 grid.
    """
    densities = np.round(np.arange(5.8, 7.01, 0.1), 2)
    rec = simulate(HH(), 600 * ms, n=len(densities), I_ext=density_to_current(densities),
                   record=(), dt=0.01 * ms)
    late = steady_rates(rec.main.spike_trains(), 0.3, 0.6)
    onset = densities[np.flatnonzero(late > 0)[0]]
    assert abs(onset - 6.26) <= 0.3
    assert 45 < late[np.flatnonzero(late > 0)[0]] < 75


def test_traub_miles_variant_fires_and_rests():
    """COBAHH kinetics: the spike count grows with the injected current; APs peak below E_Na."""
    model = HH(variant="traub_miles")
    rec = simulate(model, 200 * ms, n=3, I_ext=[0, 0.3e-9, 1e-9] * amp, record=("v",))
    counts = rec.main.spike_counts()
    assert counts[0] < counts[1] < counts[2]
    assert np.all(rec.main.traces["v"].max(axis=1) < 0.050)


def test_preset_of_other_variant_is_rejected():
    with pytest.raises(ValueError, match="cobahh"):
        HH("cobahh", variant="hh1952")
