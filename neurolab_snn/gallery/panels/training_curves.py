"""Training curves of the digits network: loss and accuracy per epoch, held-out test accuracy.

Brian2 runs the forward pass of B network copies per minibatch; the discrete
adjoint derived from the LIF equations computes the gradients.  Full mode:
rate code and latency code; quick mode: 3 epochs on 300 digits (numpy code
generation, no compiler wait).
"""
from __future__ import annotations

from pathlib import Path

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment.training_protocols import train_digits_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.training import plot_training_curves

PANEL = {
    "title": "Surrogate-gradient training on digits: loss and accuracy per epoch",
    "source": "snnTorch tutorial 5 (Eshraghian et al. 2023, Proc. IEEE) training curves; "
              "scikit-learn load_digits",
    "issue": "training: Brian2 forward, adjoint backward, Adam, cosine schedule, held-out test",
}
NAME = "training_curves"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Train the digits network (rate code; and latency code in full mode) and plot its curves."""
    out_dir = Path(out_dir)
    numbers = {}
    for encoding in (("rate",) if quick else ("rate", "latency")):
        result = train_digits_protocol(backend="numpy" if quick else "runtime", quick=quick,
                                       encoding=encoding, seed=0)
        suffix = "" if encoding == "rate" else f"_{encoding}"
        save_figure(plot_training_curves(result), out_dir / f"{NAME}{suffix}.png")
        numbers[f"{encoding}_test_accuracy"] = result.numbers["test_accuracy"]
        numbers[f"{encoding}_epochs"] = result.numbers["epochs_run"]
        numbers[f"{encoding}_train_samples_per_s"] = result.numbers["train_samples_per_s"]
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
