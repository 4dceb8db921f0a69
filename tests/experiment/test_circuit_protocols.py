"""Circuit-motif protocols in quick mode (numpy backend: no compilation): measured signatures."""
import json

import numpy as np
import pytest

from neurolab_snn.analysis.network import (detection_snr, integration_window, michelson_contrast,
                                           oscillation_frequency, synchrony_index, window_counts)
from neurolab_snn.experiment import protocols, run_protocol
from neurolab_snn.plotting.report import write_protocol_outputs

pytestmark = pytest.mark.figures


@pytest.fixture(scope="module")
def results():
    return {name: run_protocol(name, backend="numpy", quick=True, seed=0)
            for name in ("ff-excitation", "ff-inhibition", "fb-inhibition", "lateral-inhibition")}


def test_registered():
    assert {"ff-excitation", "ff-inhibition", "fb-inhibition", "lateral-inhibition"} <= set(
        protocols())


def test_ff_excitation_snr_grows_with_converging_inputs(results):
    nb = results["ff-excitation"].numbers
    snr = np.asarray(nb["snr_output"])
    assert nb["fan_in"] == [1, 2, 4, 8, 16]
    assert snr[-1] > 1.8 * snr[0]                       # grows with N ...
    assert snr[-1] < 1.2 * np.sqrt(16) * snr[0]          # ... not faster than sqrt(N)
    assert 0.35 < nb["exponent_pooled_input"] < 0.65     # independent noise: sqrt(N)
    assert 0.15 < nb["exponent_output"] < 0.65


def test_ff_inhibition_window_narrows_monotonically(results):
    nb = results["ff-inhibition"].numbers
    w = np.asarray(nb["window_ms"])
    assert nb["monotone_nonincreasing"] and np.all(np.diff(w) <= 0)
    assert w[0] == pytest.approx(9.5) and w[-1] == pytest.approx(2.0)   # 0.5 ms grid
    assert nb["interneuron_spikes_per_trial"] == pytest.approx(2.0)


def test_fb_inhibition_goes_synchronous_with_gamma(results):
    nb = results["fb-inhibition"].numbers
    chi = np.asarray(nb["synchrony_chi"])
    assert chi[0] < 0.15 and chi[-1] > 0.45
    assert np.all(np.diff(chi) > 0)
    assert 30 <= nb["frequency_strongest_Hz"] <= 80 and nb["gamma_band_30_80Hz"]
    assert nb["rate_I_Hz"][0] == 0 and nb["rate_I_Hz"][-1] > 20


def test_lateral_inhibition_contrast_and_wta(results):
    nb = results["lateral-inhibition"].numbers
    assert nb["contrast_ratio_lateral"] > 1.5
    assert nb["contrast_ratio_lateral"] > 1.3 * nb["contrast_ratio_control"]
    assert nb["wta_correct"] and nb["wta_winner_spike_share"] == 1.0
    assert nb["wta_active_neurons"] == 1 and nb["control_active_neurons"] == 10


def test_outputs_written_with_labelled_axes(results, tmp_path):
    from neurolab_snn.plotting.circuits import PLOTS
    for name, result in results.items():
        figs = PLOTS[name](result)
        for fig in figs.values():
            for ax in fig.axes:
                if ax.axison:
                    assert ax.get_xlabel() and ax.get_ylabel(), (name, ax.get_title())
        paths = write_protocol_outputs(result, tmp_path)
        assert all(p.exists() for p in paths)
        data = json.loads((tmp_path / f"{name.replace('-', '_')}.json").read_text())
        assert data["protocol"] == name and data["numbers"]


def test_protocol_script_runs(tmp_path):
    import runpy
    from pathlib import Path
    script = Path(__file__).resolve().parents[2] / "protocols" / "ff_inhibition.py"
    out = runpy.run_path(str(script))["main"](["--backend", "numpy", "--quick", "--out", str(tmp_path)])
    assert out["numbers"]["strictly_narrower"]
    assert (tmp_path / "ff_inhibition_window.png").exists()


# -- analysis functions on known inputs ----------------------------------------------------
def test_analysis_on_synthetic_trains():
    # identical periodic trains: chi = 1; independent Poisson: chi ~ 1/sqrt(N)
    n, T = 50, 2.0
    t = np.tile(np.arange(0.01, T, 0.025), n)
    idx = np.repeat(np.arange(n), len(t) // n)
    assert synchrony_index(idx, t, n, 0, T) == pytest.approx(1.0, abs=1e-9)
    assert oscillation_frequency(t, n, 0, T)["frequency"] == pytest.approx(40.0, abs=0.6)
    rng = np.random.default_rng(0)
    tp = rng.uniform(0, T, 40 * n)
    ip = rng.integers(0, n, 40 * n)
    assert synchrony_index(ip, tp, n, 0, T) < 2.5 / np.sqrt(n)
    c = window_counts(np.array([0, 1, 0]), np.array([0.05, 0.15, 0.25]), 2, [0.0, 0.1, 0.2], 0.1)
    assert c.tolist() == [[1, 0], [0, 1], [1, 0]]
    assert detection_snr([2, 4], [0, 2]) == pytest.approx(2 / np.sqrt(2))
    assert michelson_contrast([3, 1]) == pytest.approx(0.5)
    assert integration_window([0, 1, 2, 3], [True, True, False, True]) == 1.0
    with pytest.raises(ValueError, match="michelson_contrast: expected a non-empty"):
        michelson_contrast([-1, 1])
    with pytest.raises(ValueError, match="width=0"):
        window_counts([0], [0.1], 1, [0], 0)
