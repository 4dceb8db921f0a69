"""Bimodal weight distribution under additive STDP (Song, Miller & Abbott 2000, Fig. 2).

1000 Poisson inputs onto a conductance-based LIF neuron; with A-/A+ slightly
above 1 the weights split towards 0 and w_max, more of them to 0 as the
ratio grows (``song2000`` protocol).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.plasticity import draw_weight_histograms

PANEL = {
    "title": "Bimodal final weights under additive STDP, for several A-/A+ ratios",
    "source": "Song, Miller & Abbott (2000) Nat Neurosci 3:919, Fig. 2; parameters of Brian2's "
              "example of that paper",
    "issue": "synapses: additive STDP with hard bounds; song2000 protocol",
}
NAME = "song2000_weights"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Histograms of the final weights for each A-/A+ ratio."""
    out_dir = Path(out_dir)
    result = run_protocol("song2000", backend="numpy" if quick else "cpp_standalone",
                          quick=quick)
    nb = result.numbers
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    draw_weight_histograms(ax, result)
    ax.set_title(f"Song et al. (2000): 1000 Poisson inputs, {nb['duration_s']:g} s, "
                 f"A+ = {nb['A_plus']:g} ({result.settings['backend']})", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {k: nb[k] for k in ("ratios", "fraction_near_zero", "fraction_near_max",
                                  "postsynaptic_rate_Hz", "wall_time_s")}
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "settings": result.to_json()["settings"]})
    return numbers


def main(argv=None) -> dict:
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
