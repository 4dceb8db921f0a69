"""Input, hidden and output spike rasters of one test digit before and after training.

Before training the output neurons fire indiscriminately; after training the
neuron of the digit's class fires most (rate code, spike-count loss).
"""
from __future__ import annotations

from pathlib import Path

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment.training_protocols import train_digits_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.training import plot_digit_rasters

PANEL = {
    "title": "Spike rasters (input, hidden, output) of a test digit before and after training",
    "source": "Neftci, Mostafa & Zenke (2019) Fig. 4 (rasters before/after surrogate-gradient "
              "training); snnTorch tutorial 5",
    "issue": "training: exported spikes of the Brian2 forward pass before and after learning",
}
NAME = "training_rasters"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Train the rate-coded digits network and plot one test sample before and after."""
    out_dir = Path(out_dir)
    result = train_digits_protocol(backend="numpy" if quick else "runtime", quick=quick,
                                   encoding="rate", seed=0)
    save_figure(plot_digit_rasters(result), out_dir / f"{NAME}.png")
    numbers = {"test_accuracy": result.numbers["test_accuracy"]}
    for when in ("before", "after"):
        d = result.data[when]
        counts = [int((d["output"]["index"] == c).sum()) for c in range(10)]
        numbers[f"{when}_label"] = d["label"]
        numbers[f"{when}_output_counts"] = counts
        numbers[f"{when}_hidden_spikes"] = int(len(d["hidden"]["step"]))
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
