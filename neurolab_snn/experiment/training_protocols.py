"""Training protocols: digits classification and delayed match-to-sample (layer L4).

``train-digits`` and ``train-dms`` wrap :func:`neurolab_snn.training.recipes.train_digits`
and :func:`~neurolab_snn.training.recipes.train_dms` into
:class:`~neurolab_snn.experiment.result.ProtocolResult` s: key numbers (test accuracy,
throughput, forward/backward shares, compilations), learning curves, and the
spike rasters behind the figure panels.  Quick mode is a smoke test (< ~1 min).
"""
from __future__ import annotations

import numpy as np

from .result import ProtocolResult

__all__ = ["train_digits_protocol", "train_dms_protocol", "PROTOCOLS"]


def _raster(spikes: np.ndarray) -> dict:
    steps, idx = np.nonzero(np.asarray(spikes) > 0)
    return {"step": steps, "index": idx, "n": int(np.shape(spikes)[1])}


def _curves(history) -> dict:
    keys = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "samples_per_s")
    return {k: np.array([h[k] for h in history]) for k in keys}


def _numbers(out: dict) -> dict:
    return {"test_accuracy": out["test_accuracy"], "test_loss": out["test_loss"],
            "epochs_run": out["epochs_run"], "best_epoch": out["best_epoch"],
            "train_samples_per_s": out["train_samples_per_s"],
            "forward_share": out["forward_share"], "backward_share": out["backward_share"],
            "compilations": out["compilations"], "forward_runs": out["forward_runs"],
            "wall_s": out["wall_s"]}


def train_digits_protocol(model=None, *, backend: str = "runtime", seed: int = 0,
                          quick: bool = False, encoding: str = "rate", epochs=None,
                          out_dir=None, progress: bool = False, **options) -> ProtocolResult:
    """Surrogate-gradient training on scikit-learn digits (Brian2 forward, adjoint backward)."""
    from ..training.recipes import train_digits

    model = model or "LIF"
    out = train_digits(encoding, model=model, seed=seed, backend=backend, epochs=epochs,
                       quick=quick, out_dir=out_dir, progress=progress, **options)
    data = {"curves": _curves(out["history"])}
    for when in ("before", "after"):
        snap = out[when]
        data[when] = {"input": _raster(snap["input"]), "hidden": _raster(snap["hidden"]),
                      "output": _raster(snap["output"]), "label": snap["label"],
                      "output_v": snap["output_v"]}
    return ProtocolResult(
        protocol="train-digits", numbers=_numbers(out), data=data,
        units={"curves": "1", "before": "steps, V", "after": "steps, V"},
        settings={"task": out["task"], "encoding": encoding, "model": model, "seed": seed,
                  "backend": backend, "quick": quick, **out["config"],
                  "metrics_path": out["metrics_path"]})


def train_dms_protocol(model=None, *, backend: str = "runtime", seed: int = 0,
                       quick: bool = False, epochs=None, out_dir=None, progress: bool = False,
                       **options) -> ProtocolResult:
    """Delayed match-to-sample with recurrent E/I GIF neurons (Dale's law) and a 2-way read-out."""
    from ..training.recipes import train_dms

    model = model or "GIF"
    out = train_dms(model, seed=seed, backend=backend, epochs=epochs, quick=quick,
                    out_dir=out_dir, progress=progress, **options)
    ex = out["examples"]
    data = {"curves": _curves(out["history"]),
            "examples": {"input": [_raster(s) for s in ex["input"]],
                         "rec": [_raster(s) for s in ex["rec"]],
                         "readout_v": ex["readout_v"], "trials": ex["trials"],
                         "labels": ex["labels"], "pred": ex["pred"], "periods": ex["periods"],
                         "dt": ex["dt"]}}
    return ProtocolResult(protocol="train-dms", numbers=_numbers(out), data=data,
                          units={"curves": "1", "examples": "steps, V"},
                          settings={"model": model, "seed": seed, "backend": backend,
                                    "quick": quick, **out["config"],
                                    "metrics_path": out["metrics_path"]})


PROTOCOLS = {"train-digits": train_digits_protocol, "train-dms": train_dms_protocol}
