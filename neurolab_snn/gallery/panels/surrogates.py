"""Surrogate spike functions: smooth steps S(x) and their derivatives S'(x).

The forward pass of a trained network emits Heaviside spikes; the adjoint
replaces the Dirac derivative by the derivative of a smooth step of
steepness ``slope`` (sigmoid, fast sigmoid / SuperSpike, arctan, triangle,
straight-through, user-defined).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.training import plot_surrogates
from neurolab_snn.training.surrogates import (ATan, FastSigmoid, Sigmoid,
                                              StraightThrough, Triangle)

PANEL = {
    "title": "Surrogate gradients: smooth steps and their derivatives",
    "source": "Neftci, Mostafa & Zenke (2019) IEEE Signal Process. Mag. 36:51, Fig. 3; "
              "Zenke & Ganguli (2018) SuperSpike; snnTorch surrogate module",
    "issue": "training: surrogates are objects with a slope (sigmoid, fast sigmoid, arctan, "
             "triangle, straight-through, user-defined)",
}
NAME = "surrogates"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Plot every surrogate's step and derivative; check that each derivative has area 1."""
    out_dir = Path(out_dir)
    fig = plot_surrogates()
    x = np.linspace(-200, 200, 400_001 if not quick else 40_001)
    numbers = {}
    for sur in (Sigmoid(4.0), FastSigmoid(4.0), ATan(2.0), Triangle(1.0), StraightThrough(0.5)):
        numbers[f"{sur.name}_peak_derivative"] = float(sur.grad(0.0))
        numbers[f"{sur.name}_area"] = float(np.trapezoid(sur.grad(x), x))
    save_figure(fig, out_dir / f"{NAME}.png")
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
