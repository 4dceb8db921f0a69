"""Frequency dependence of STDP: triplet rule vs Sjöström et al. (2001).

60 pairings at 0.1-50 Hz with Delta t = +10 and -10 ms; the triplet rule
with the visual-cortex parameters of Pfister & Gerstner (2006, Table 4)
reproduces the data (pair-based STDP cannot: it predicts less LTP at higher
frequencies) (``triplet-frequency`` protocol).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.plasticity import draw_triplet_frequency

PANEL = {
    "title": "Weight change vs pairing frequency at +-10 ms: triplet rule vs Sjöström 2001",
    "source": "Pfister & Gerstner (2006) J Neurosci 26:9673, Fig. 6; data of Sjöström, "
              "Turrigiano & Nelson (2001) Neuron 32:1149",
    "issue": "synapses: triplet STDP rule; triplet-frequency protocol",
}
NAME = "triplet_frequency"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Data with SEM and the model curves."""
    out_dir = Path(out_dir)
    result = run_protocol("triplet-frequency", backend="numpy" if quick else "runtime",
                          quick=quick)
    nb = result.numbers
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    draw_triplet_frequency(ax, result)
    ax.set_title(f"{nb['main_rule']}: E = {nb['normalized_error']:.2f}, "
                 f"RMS error = {nb['rms_error']:.2f}", fontsize=9)
    ax.legend(frameon=False, fontsize=6, ncol=2, loc="upper left")
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {k: nb[k] for k in ("frequencies_Hz", "data_dw_plus10", "data_dw_minus10",
                                  "normalized_error", "rms_error", "main_rule")}
    numbers["model_dw_plus10"] = nb["rules"][nb["main_rule"]]["dw_plus10"]
    numbers["model_dw_minus10"] = nb["rules"][nb["main_rule"]]["dw_minus10"]
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "settings": result.to_json()["settings"]})
    return numbers


def main(argv=None) -> dict:
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
