"""Delayed match-to-sample: example match and non-match trials of the trained E/I GIF network.

Fixation 500 ms, sample 500 ms, delay 1000 ms, test 500 ms; 100 direction-tuned
Poisson inputs over 8 directions; 80 excitatory + 20 inhibitory recurrent GIF
neurons with spike-triggered adaptation currents (Dale's law); two
leaky-integrator read-outs decide match / non-match during the test period.
Quick mode: all periods 10x shorter, 2 short epochs (untrained-level accuracy).
"""
from __future__ import annotations

from pathlib import Path

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment.training_protocols import train_dms_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.training import plot_dms_trials

PANEL = {
    "title": "Working memory: delayed match-to-sample trials of a trained E/I GIF network",
    "source": "Wang et al. (2024) BrainPy, ICLR, sec. 5.3 (DMS task); Masse et al. (2019) "
              "Nat. Neurosci. 22:1159",
    "issue": "training: recurrent GIF network with adaptation currents and Dale's law on DMS",
}
NAME = "dms_trials"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Train the DMS network and plot one match and one non-match held-out trial."""
    out_dir = Path(out_dir)
    result = train_dms_protocol("GIF", backend="numpy" if quick else "runtime", quick=quick,
                                seed=0)
    save_figure(plot_dms_trials(result), out_dir / f"{NAME}.png")
    numbers = {"test_accuracy": result.numbers["test_accuracy"],
               "epochs": result.numbers["epochs_run"],
               "example_labels": [int(v) for v in result.data["examples"]["labels"]],
               "example_predictions": [int(v) for v in result.data["examples"]["pred"]]}
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
