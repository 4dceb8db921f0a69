"""Circuit motif C - lateral inhibition, as simulated rasters.

A layer with Gaussian within-layer inhibition sharpens a spatial input bump
(output/input contrast > 1, dips beside the bump); with global inhibition the
neuron with the strongest input wins and silences the rest
(``lateral-inhibition``).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.circuits import (draw_contrast, draw_lateral_raster,
                                            draw_motif, draw_wta)

PANEL = {
    "title": "Circuit motif C: lateral inhibition - contrast enhancement and winner-take-all "
             "as rasters",
    "source": "seed circuit diagram, motif C; Hartline & Ratliff (1957) J Gen Physiol 40:357; "
              "Coultrip, Granger & Lynch (1992) Neural Netw 5:47",
    "issue": "circuits: lateral inhibition motif (distance-dependent, winner-take-all), "
             "lateral-inhibition protocol",
}
NAME = "circuit_motifs_c"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Diagram, rasters with/without inhibition, rate profiles and WTA counts."""
    out_dir = Path(out_dir)
    result = run_protocol("lateral-inhibition", backend="numpy" if quick else "runtime",
                          quick=quick)
    nb = result.numbers
    fig = Figure(figsize=(15, 4.2))
    ax0, ax1, ax2, ax3 = fig.subplots(1, 4, gridspec_kw={"width_ratios": [0.7, 1.1, 1.1, 1]})
    draw_motif(ax0, {"x-1": (0.0, 0.5, "tab:blue"), "x": (0.5, 0.5, "tab:blue"),
                     "x+1": (1.0, 0.5, "tab:blue")},
               [("x", "x-1", "inh"), ("x", "x+1", "inh"), ("x-1", "x", "inh"),
                ("x+1", "x", "inh")], "C  lateral inhibition\nwithin-layer, Gaussian in distance")
    draw_lateral_raster(ax1, result)
    ax1.set_title("simulated rasters, last 300 ms", fontsize=9)
    draw_contrast(ax2, result)
    ax2.set_title(f"contrast out/in: {nb['contrast_ratio_lateral']:.2f} "
                  f"(control {nb['contrast_ratio_control']:.2f})", fontsize=9)
    draw_wta(ax3, result)
    ax3.set_title(f"winner-take-all: strongest input wins = {nb['wta_correct']}", fontsize=9)
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {k: nb[k] for k in ("input_contrast", "output_contrast_lateral",
                                  "contrast_ratio_lateral", "contrast_ratio_control",
                                  "wta_correct", "wta_winner_spike_share")}
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "settings": result.to_json()["settings"]})
    return numbers


def main(argv=None) -> dict:
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
