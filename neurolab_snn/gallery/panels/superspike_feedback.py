"""Panel: SuperSpike with symmetric, random, direct and uniform feedback on digits.

The digits network (64 rate-coded inputs, a hidden layer of 16 LIF neurons - a
bottleneck, so that a fixed random hidden layer is not enough - and 10 LIF
outputs) trained by eligibility traces times a fed-back output error
(:mod:`neurolab_snn.training.eligibility`).  Left: validation accuracy per
epoch; right: the angle between each rule's hidden-layer update and the BPTT
gradient on a fixed batch (Lillicrap et al. 2016, Fig. 2).  Uniform feedback
gives every hidden neuron the sum of the output errors, zero under the
cross-entropy: its hidden layer never learns (angle 90 degrees).  Full mode:
seed 0, the method's defaults but for the hidden layer; quick mode: 2 epochs on
300 digits, numpy code generation.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from neurolab_snn.files import save_figure, write_json
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.training.eligibility import FEEDBACK
from neurolab_snn.training.methods import get_method

PANEL = {"title": "SuperSpike on digits: symmetric, random (FA), direct (DFA) and uniform "
                  "feedback",
         "source": "Zenke & Ganguli 2018; Lillicrap et al. 2016 Fig. 2; Nøkland 2016",
         "issue": "issue 12: learning beyond surrogate-gradient BPTT (SuperSpike row)"}
NAME = "superspike_feedback"
N_HIDDEN = 16
_STYLE = {"symmetric": "C0", "random": "C1", "direct": "C2", "uniform": "C3"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """Train once per feedback mode (seed 0) and plot accuracy and alignment per epoch."""
    out_dir = Path(out_dir)
    train = get_method("superspike")
    runs = {fb: train(feedback=fb, seed=0, quick=quick, backend="numpy" if quick else "runtime",
                      epochs=2 if quick else None, n_hidden=N_HIDDEN) for fb in FEEDBACK}
    fig, (ax_acc, ax_ang) = plt.subplots(1, 2, figsize=(9, 3.6))
    numbers, data = {}, {}
    for fb, r in runs.items():
        epochs = [h["epoch"] for h in r["history"]]
        val = [100 * h["val_accuracy"] for h in r["history"]]
        angle = [h["alignment_deg"]["hidden.W"] for h in r["history"]]
        ax_acc.plot(epochs, val, "-o", ms=3, color=_STYLE[fb],
                    label=f"{fb}: test {100 * r['test_accuracy']:.1f} %")
        ax_ang.plot(epochs, angle, "-o", ms=3, color=_STYLE[fb], label=fb)
        numbers[f"{fb}_test_accuracy"] = r["test_accuracy"]
        numbers[f"{fb}_hidden_angle_final_deg"] = angle[-1]
        data[fb] = {"epoch": epochs, "val_accuracy_percent": val, "hidden_angle_deg": angle,
                    "weight_change": r["weight_change"], "wall_s": r["wall_s"]}
    ax_acc.axhline(10, color="0.6", ls=":", lw=0.8)
    ax_acc.text(epochs[-1], 9, "chance", color="0.5", fontsize=7, ha="right", va="top")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy (%)", ylim=(0, 100),
               title=f"digits, rate code, {N_HIDDEN} hidden LIF neurons")
    ax_acc.legend(frameon=False, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 0.13))
    ax_ang.axhline(90, color="0.6", ls=":", lw=0.8)
    ax_ang.text(epochs[-1], 93, "90 deg: orthogonal, no learning", color="0.5", fontsize=7,
                ha="right", va="bottom")
    ax_ang.set(xlabel="epoch", ylabel="angle to BPTT gradient (deg)", ylim=(0, 180),
               yticks=[0, 45, 90, 135, 180], title="hidden-layer update vs BPTT (fixed batch)")
    ax_ang.legend(frameon=False, fontsize=7, loc="upper right")
    for ax in (ax_acc, ax_ang):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    save_figure(fig, out_dir / f"{NAME}.png")
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers,
                                          "units": {"angle": "degree", "accuracy": "percent"},
                                          "data": data})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
