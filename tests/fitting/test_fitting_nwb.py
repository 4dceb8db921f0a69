"""A GIF fit exported to NWB: stimulus, recorded and model responses, spikes, metadata."""
from __future__ import annotations

import json

import numpy as np
import pytest

pynwb = pytest.importorskip("pynwb")


def test_gif_fit_to_nwb(evaluated_fit, tmp_path):
    from neurolab_snn.fitting.nwb_export import gif_fit_to_nwb

    fit = evaluated_fit
    path = gif_fit_to_nwb(fit, tmp_path / "fit.nwb")
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        np.testing.assert_array_equal(f.acquisition["train_V"].data[:], fit.train_voltage)
        np.testing.assert_array_equal(f.stimulus["train_I"].data[:], fit.train_current)
        model_v = f.processing["model"]["train_V_model"]
        np.testing.assert_array_equal(model_v.data[:], fit.train_model_voltage)
        assert model_v.unit == "V" and model_v.rate == pytest.approx(1 / fit.dt)
        units = f.units.to_dataframe()
        recorded = units[units["population"] == "recorded_test"]["spike_times"]
        simulated = units[units["population"] == "model_test"]["spike_times"]
        assert len(recorded) == len(fit.prediction.data_trains)
        assert len(simulated) == fit.prediction.n_repetitions
        np.testing.assert_array_equal(np.asarray(recorded.iloc[0]), fit.prediction.data_trains[0])
        meta = json.loads(f.notes)
    assert meta["md_star"] == pytest.approx(fit.md_star, rel=1e-12)
    assert meta["model"]["equations"] == fit.model.equations.strip()
    assert meta["fitted_gif"]["parameters"]["C"]["unit"] == "F"
    assert meta["seed"] == fit.seed
