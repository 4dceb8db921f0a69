"""Action-potential shape features through eFEL (layer L4).

`eFEL <https://github.com/openbraininstitute/eFEL>`_ (the Blue Brain Project's
electrophysiology feature extraction library; Van Geit et al. 2016) measures
the spike shapes; this module only converts units, chooses the features, and
says which ones a sweep's sampling rate cannot support.

======================  =======================  =====  ===================
feature                 eFEL feature             unit   minimum sample rate
======================  =======================  =====  ===================
``ap_threshold``        ``AP_begin_voltage``     V      10 kHz
``ap_amplitude``        ``AP_amplitude``         V      5 kHz
``ap_half_width``       ``AP_duration_half_width``  s   10 kHz
``ap_peak``             ``peak_voltage``         V      5 kHz
``ahp_depth``           ``AHP_depth_abs``        V      2 kHz
======================  =======================  =====  ===================

Each value is the mean over the spikes in the step.  The minimum rates are the
package's rule: a cortical action potential is about 1 ms wide at half height,
so its half-width and the dV/dt threshold (eFEL's ``DerivativeThreshold``,
10 V/s) need a sample at least every 0.1 ms; the peak and amplitude need one
every 0.2 ms; the slower afterhyperpolarisation one every 0.5 ms.  Below the
rate, a feature is NaN and a note says why (a warning, not an error: the other
features of the protocol are still valid).

eFEL keeps its settings in a module-level object; :func:`spike_shape_features`
sets what it needs (spike threshold, no interpolation below the sampling
interval) for the duration of the call and restores the previous settings.
"""
from __future__ import annotations

import contextlib

import numpy as np

__all__ = ["SPIKE_SHAPE_FEATURES", "spike_shape_features"]

#: name -> (eFEL feature, SI unit, scale from eFEL's unit to SI, minimum sampling rate in Hz)
SPIKE_SHAPE_FEATURES = {
    "ap_threshold": ("AP_begin_voltage", "V", 1e-3, 10e3),
    "ap_amplitude": ("AP_amplitude", "V", 1e-3, 5e3),
    "ap_half_width": ("AP_duration_half_width", "s", 1e-3, 10e3),
    "ap_peak": ("peak_voltage", "V", 1e-3, 5e3),
    "ahp_depth": ("AHP_depth_abs", "V", 1e-3, 2e3),
}


@contextlib.contextmanager
def _efel_settings(**settings):
    import efel

    saved = dict(vars(efel.get_settings()))
    try:
        for key, value in settings.items():
            efel.set_setting(key, value)
        yield efel
    finally:
        for key, value in saved.items():
            efel.set_setting(key, value)


def spike_shape_features(v: np.ndarray, dt: float, onset: float, offset: float, *,
                         threshold: float = -0.020) -> tuple[dict, list, dict]:
    """Mean spike-shape features of the spikes of one sweep in [onset, offset) (s).

    Parameters
    ----------
    v : ndarray
        Voltage (V), sampled every *dt* (s) from t = 0.
    onset, offset : float
        The current step (s from the first sample).
    threshold : float
        Spike detection threshold (V), eFEL's ``Threshold``.

    Returns
    -------
    values : dict of str to float
        The features of :data:`SPIKE_SHAPE_FEATURES` in SI units (NaN when skipped).
    notes : list of str
        One line per skipped feature, saying why.
    units : dict of str to str
        SI unit string of each feature.
    """
    rate = 1.0 / dt
    values = {name: float("nan") for name in SPIKE_SHAPE_FEATURES}
    units = {name: spec[1] for name, spec in SPIKE_SHAPE_FEATURES.items()}
    notes = []
    wanted = {}
    for name, (efel_name, _, _, min_rate) in SPIKE_SHAPE_FEATURES.items():
        if rate < min_rate:
            notes.append(f"{name} skipped: sampling rate {rate:.6g} Hz is below the "
                         f"{min_rate:.6g} Hz it needs")
        else:
            wanted[name] = efel_name
    if not wanted:
        return values, notes, units
    try:
        import efel
    except ImportError:
        notes.append("spike shape features skipped: eFEL is not installed (pip install efel)")
        return values, notes, units
    t_ms = np.arange(np.asarray(v).size) * dt * 1e3
    trace = {"T": t_ms, "V": np.asarray(v, dtype=np.float64) * 1e3,
             "stim_start": [onset * 1e3], "stim_end": [offset * 1e3]}
    with _efel_settings(Threshold=threshold * 1e3, interp_step=dt * 1e3,
                        strict_stiminterval=True):
        result = efel.get_feature_values([trace], sorted(set(wanted.values())),
                                         raise_warnings=False)[0]
    for name, efel_name in wanted.items():
        found = result.get(efel_name)
        found = np.asarray([] if found is None else found, dtype=np.float64)
        found = found[np.isfinite(found)]
        if found.size:
            values[name] = float(np.mean(found)) * SPIKE_SHAPE_FEATURES[name][2]
        else:
            notes.append(f"{name}: eFEL found no value ({efel_name})")
    return values, notes, units
