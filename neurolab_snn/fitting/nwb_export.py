"""A GIF fit as a Neurodata Without Borders file (layer L4).

:func:`gif_fit_to_nwb` stores what a fit was made from and what it predicts:
the first training window as a current-clamp sweep (recorded voltage after
AEC, ``train_V``, with the injected current ``train_I``), the fitted model's
voltage on it (spikes forced at the recorded times) as ``TimeSeries``
``train_V_model`` in the processing module ``model``, and on the test window
the recorded and the simulated spike trains in the ``Units`` table
(populations ``recorded_test`` and ``model_test``).  The file's metadata
(``notes``, JSON) hold the fitted model's equations and parameters, the kernels,
the scores, the seed and the sources.
"""
from __future__ import annotations

from pathlib import Path

from .. import nwb
from .pipeline import GIFFitResult, model_file_data

__all__ = ["gif_fit_to_nwb"]


def gif_fit_to_nwb(result: GIFFitResult, path) -> Path:
    """Write *result* (stimulus, recorded and model responses, metadata) to *path* atomically."""
    meta = {"kind": "gif_fit", "model": nwb.model_metadata(result.model),
            "fitted_gif": model_file_data(result), "seed": result.seed, "backend": "runtime",
            "md_star": result.md_star, "variance_explained_v": result.variance_explained_v}
    nwbfile = nwb.new_nwbfile("GIF fit (Pozzorini et al. 2015) by neurolab_snn", meta)
    rate = 1.0 / result.dt
    nwb.add_current_clamp(nwbfile, "train", result.train_voltage, result.train_current, rate,
                          electrode="cell", description="first training window (after AEC)")
    nwb.add_timeseries(nwbfile, "train_V_model", result.train_model_voltage, "V", rate,
                       description="fitted GIF voltage on the training window, spikes forced",
                       processing="model")
    if result.prediction is not None:
        p = result.prediction
        nwb.add_units(nwbfile, p.data_trains, population="recorded_test")
        nwb.add_units(nwbfile, p.model_trains, population="model_test")
    return nwb.write_nwbfile(nwbfile, path)
