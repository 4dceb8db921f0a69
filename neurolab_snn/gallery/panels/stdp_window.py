"""The STDP window of every rule: 60 pairs at 1 Hz, Delta t from -100 to +100 ms.

Pair-based additive (Song et al. 2000, all-to-all and nearest-neighbour),
multiplicative (van Rossum et al. 2000), Gütig et al. (2003) and the triplet
rule (Pfister & Gerstner 2006, visual-cortex and hippocampal sets); the dots
are the analytic window ``A_+- exp(-|Delta t|/tau_+-)`` of the additive rule,
met to float64 precision (``stdp-pairing`` protocol).
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.experiment import run_protocol
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.plotting.plasticity import draw_stdp_window

PANEL = {
    "title": "STDP window of every rule (60 pairs at 1 Hz), additive rule = analytic window",
    "source": "Bi & Poo (1998) J Neurosci 18:10464 (Fig. 7 shape); Song, Miller & Abbott (2000) "
              "Nat Neurosci 3:919, Fig. 1",
    "issue": "synapses: STDP rules; stdp-pairing protocol",
}
NAME = "stdp_window"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Weight change per pair vs Delta t for every rule."""
    out_dir = Path(out_dir)
    result = run_protocol("stdp-pairing", backend="numpy" if quick else "runtime", quick=quick)
    nb = result.numbers
    fig = Figure(figsize=(7.5, 4.5))
    ax = fig.subplots()
    draw_stdp_window(ax, result)
    ax.set_title(f"STDP window, {nb['n_pairs']} pairs at {nb['frequency_Hz']:g} Hz; additive "
                 f"rule vs analytic: max error {nb['additive_max_abs_error']:.1e}", fontsize=9)
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {k: nb[k] for k in ("additive_max_abs_error", "additive_max_rel_error",
                                  "replay_max_abs_error", "ltp_peak", "ltd_peak")}
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "settings": result.to_json()["settings"]})
    return numbers


def main(argv=None) -> dict:
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
