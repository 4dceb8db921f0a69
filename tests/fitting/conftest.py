"""Shared fixtures of the GIF-fitting tests: synthetic recordings and the example data."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def synthetic_l5():
    """9 repetitions x 12 s of a frozen current and a 10 s calibration sweep, 20 MOhm electrode,
    made by the package's GIF in Brian2 (the ground truth of the recovery tests)."""
    from neurolab_snn.experiment.gif_fit_protocol import synthetic_truth
    from neurolab_snn.fitting.synthetic import synthetic_recording
    from neurolab_snn.units import Mohm, pA, second

    return synthetic_recording(synthetic_truth(), n_sweeps=9, duration=12 * second,
                               mean=350 * pA, electrode_resistance=20 * Mohm, seed=3)


@pytest.fixture(scope="session")
def synthetic_fit(synthetic_l5):
    """The fit of :func:`synthetic_l5` (no Md* evaluation)."""
    from neurolab_snn.fitting import GIFFitSettings, fit_gif

    rec = synthetic_l5
    settings = GIFFitSettings(t_ref=rec.model.parameters["t_ref"])   # the truth's t_ref
    return fit_gif(rec.calibration, rec.sweeps, settings=settings, evaluate=False)


@pytest.fixture(scope="session")
def evaluated_fit(synthetic_l5):
    """A fit of :func:`synthetic_l5` on 0-8 s, with Md* on 8-12 s (100 model repetitions)."""
    from neurolab_snn.fitting import GIFFitSettings, fit_gif
    from neurolab_snn.units import ms, second

    rec = synthetic_l5
    return fit_gif(rec.calibration, rec.sweeps, rec.sweeps, train_window=(0 * second, 8 * second),
                   test_window=(8 * second, 12 * second),
                   settings=GIFFitSettings(t_ref=4 * ms, n_repetitions=100), seed=1)
