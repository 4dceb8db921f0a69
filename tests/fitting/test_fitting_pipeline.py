"""fit_gif end to end on synthetic recordings made by the package's own GIF (Brian2)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neurolab_snn.experiment.gif_fit_protocol import recovery_errors
from neurolab_snn.fitting import (GIFFitSettings, Sweep, fit_gif, load_fitted_gif,
                                  save_fitted_gif)
from neurolab_snn.models.base import NeuronModel
from neurolab_snn.sim import simulate
from neurolab_snn.units import ms, nA, second, to_si


def test_parameter_recovery(synthetic_fit, synthetic_l5):
    """Issue acceptance: C, g_L, E_L, V_T*, DeltaV within 5 %; kernels within 10 % in L2."""
    err = recovery_errors(synthetic_fit, synthetic_l5.model)
    for key in ("C", "g_L", "E_L", "V_T_star", "DeltaV"):
        assert abs(err[f"{key}_rel_error"]) < 0.05, (key, err)
    assert err["eta_l2_error"] < 0.10, err
    assert err["gamma_l2_error"] < 0.10, err
    # the subthreshold part is exact up to rounding once the electrode is removed
    assert abs(err["C_rel_error"]) < 1e-3 and abs(err["g_L_rel_error"]) < 1e-3
    assert synthetic_fit.electrode.resistance == pytest.approx(20e6, rel=0.01)
    assert synthetic_fit.variance_explained_v > 0.99
    assert synthetic_fit.threshold.converged


def test_fitted_model_is_a_brian2_gif(synthetic_fit, tmp_path):
    model = synthetic_fit.model
    assert isinstance(model, NeuronModel) and model.name == "GIF"
    assert model.options["fitted"] and model.threshold.startswith("rand()")
    path = save_fitted_gif(synthetic_fit, tmp_path / "gif.json")
    loaded = load_fitted_gif(path)
    for key, value in model.parameters.items():
        assert to_si(loaded.parameters[key]) == pytest.approx(to_si(value), rel=1e-12), key
    rec = simulate(loaded, 0.5 * second, n=3, I_ext=0.4 * nA, record=(), seed=1)
    assert rec.spike_times.size > 0
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="bad.json.*expected 'neurolab_snn.fitted_gif/1'"):
        load_fitted_gif(tmp_path / "bad.json")


def test_prediction_md_star(synthetic_l5):
    rec = synthetic_l5
    settings = GIFFitSettings(t_ref=4 * ms, n_repetitions=200)
    fit = fit_gif(rec.calibration, rec.sweeps, rec.sweeps, train_window=(0 * second, 8 * second),
                  test_window=(8 * second, 12 * second), settings=settings, seed=2)
    p = fit.prediction
    assert p.n_repetitions == 200 and len(p.data_trains) == 9
    # the data are the model's own: Md* is near its ceiling and the rates agree
    assert p.md_star > 0.9
    assert p.rate_model == pytest.approx(p.rate_data, rel=0.1)
    assert fit.test_spike_counts == tuple(t.size for t in p.data_trains)


def _with(sweep: Sweep, **changes) -> Sweep:
    return dataclasses.replace(sweep, nan_segments=(), **changes)


def test_bad_inputs_name_the_problem(synthetic_l5):
    rec = synthetic_l5
    settings = GIFFitSettings(t_ref=4 * ms)
    spiky_cal = rec.sweeps[0].window(0.0, 4.0)
    with pytest.raises(ValueError, match="calibration sweep .* spike"):
        fit_gif(spiky_cal, rec.sweeps[:2], settings=settings, evaluate=False)
    v = rec.sweeps[1].v.copy()
    v[5000:5100] = np.nan
    with pytest.raises(ValueError, match="train sweep 'synthetic repetition 2'.*NaN samples"):
        fit_gif(rec.calibration, [rec.sweeps[0], _with(rec.sweeps[1], v=v)], settings=settings,
                evaluate=False)
    silent = _with(rec.sweeps[0], v=np.minimum(rec.sweeps[0].v, -0.04))
    with pytest.raises(ValueError, match="no spikes in the training data"):
        fit_gif(rec.calibration, [silent], settings=settings, evaluate=False)
    other_rate = Sweep(v=rec.sweeps[0].v[::2], i=rec.sweeps[0].i[::2], dt=2e-4, source="20kHz")
    with pytest.raises(ValueError, match="sampled at 5000 Hz .* expected one sampling rate"):
        fit_gif(None, [rec.sweeps[0], other_rate], settings=settings, evaluate=False)
    with pytest.raises(ValueError, match="expected at least 2 repetitions"):
        fit_gif(None, rec.sweeps[:1], rec.sweeps[:1], settings=settings)
    with pytest.raises(ValueError, match="train_window"):
        fit_gif(None, rec.sweeps[:1], train_window=(0 * second, 30 * second), settings=settings,
                evaluate=False)
