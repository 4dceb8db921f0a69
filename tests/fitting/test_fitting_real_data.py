"""Acceptance on the example recording of Pozzorini et al. (2015) (marker ``data``).

Split of the fitting issue: training = the first 12 s of each of the 9 frozen-noise
repetitions, test = their last 8 s; the model starts the test window at rest.
Skipped with a reason when ``data_path()/pozzorini2015_L5pyr`` is absent.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurolab_snn.units import second, to_si
from neurolab_snn.files import data_path

EXAMPLE = data_path() / "pozzorini2015_L5pyr"
needs_example = pytest.mark.skipif(
    not EXAMPLE.is_dir(),
    reason=f"example recording not found at {EXAMPLE} (set NEUROLAB_DATA or add "
           "pozzorini2015_L5pyr under ../shared/data)")


pytestmark = [pytest.mark.data, needs_example]


@pytest.fixture(scope="module")
def example():
    from neurolab_snn.experiment.gif_fit_protocol import read_example_recording
    return read_example_recording()


@pytest.fixture(scope="module")
def example_fit(example):
    from neurolab_snn.fitting import fit_gif
    calibration, reps = example
    return fit_gif(calibration, reps, reps, train_window=(0 * second, 12 * second),
                   test_window=(12 * second, 20 * second), seed=0)


def test_spike_counts_match_the_readme(example, example_fit):
    """README: 0 mV / 3 ms detection after AEC gives 220-236 spikes per repetition."""
    from neurolab_snn.fitting.aec import compensate
    from neurolab_snn.fitting.spikes import detect_spike_indices
    _, reps = example
    counts = [detect_spike_indices(compensate(s, example_fit.electrode).v, s.dt).size
              for s in reps]
    assert min(counts) >= 220 and max(counts) <= 236, counts
    assert sum(example_fit.train_spike_counts) + sum(example_fit.test_spike_counts) == \
        sum(counts)


def test_acceptance_md_star_and_variance(example_fit):
    """Targets: Md* >= 0.82 (toolbox: 0.818 +- 0.003), V variance explained >= 0.88."""
    assert example_fit.prediction.n_repetitions == 500
    assert example_fit.md_star >= 0.82
    assert example_fit.variance_explained_v >= 0.88
    assert example_fit.variance_explained_dvdt > 0.6
    p = example_fit.prediction
    assert p.rate_model == pytest.approx(p.rate_data, rel=0.15)


def test_fitted_parameters_are_physiological(example_fit):
    p = {k: to_si(v) for k, v in example_fit.parameters.items()}
    assert 50e-12 < p["C"] < 500e-12
    assert 2e-9 < p["g_L"] < 50e-9
    assert -0.08 < p["E_L"] < -0.04
    assert -0.06 < p["V_T_star"] < -0.03 and 0.2e-3 < p["DeltaV"] < 5e-3
    assert p["V_reset"] < 0 and 3e-3 <= p["t_ref"] <= 20e-3
    assert 1e6 < example_fit.electrode.resistance < 100e6
    assert example_fit.threshold.converged
    assert np.all(np.isfinite(example_fit.gamma_amplitudes))


def test_example_trips_no_diagnostic(example_fit):
    """The example L5 cell fires normally: no diagnostic trips, each is evaluated."""
    diagnostics = {d.name: d for d in example_fit.diagnostics}
    assert all(d.value is not None for d in diagnostics.values())
    assert example_fit.warnings == (), [d.line() for d in example_fit.warnings]
    assert diagnostics["depolarisation_block"].value > 0.9
    assert diagnostics["threshold_below_rest"].value > 5.0          # V_T* - E_L in mV
