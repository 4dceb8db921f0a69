"""Receptive fields learned without labels by STDP (Diehl & Cook 2015) on the digits.

Full mode: 400 excitatory neurons, the default settings of
:func:`neurolab_snn.training.stdp_learning.train_stdp` (minutes); quick mode:
20 neurons on 100 images.
"""
from __future__ import annotations

from pathlib import Path

from neurolab_snn.files import save_figure, write_json
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.plotting.receptive_fields import plot_receptive_fields
from neurolab_snn.training.stdp_learning import train_stdp

PANEL = {
    "title": "Unsupervised STDP (Diehl & Cook 2015): learned 8x8 receptive fields with labels",
    "source": "Diehl & Cook (2015) Front Comput Neurosci 9:99, Fig. 2; scikit-learn digits",
    "issue": "issue 12: training beyond BPTT - STDP with adaptive thresholds and "
             "lateral inhibition",
}
NAME = "stdp_receptive_fields"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Train (seed 0), then draw up to 100 neurons' input weights sorted by their label."""
    out_dir = Path(out_dir)
    res = train_stdp(seed=0, quick=quick)
    cfg = res["config"]
    title = (f"Diehl & Cook STDP: {cfg['n_exc']} neurons, {cfg['n_train']} images x "
             f"{cfg['epochs']} epoch(s), test accuracy {100 * res['test_accuracy']:.1f} %\n"
             f"input weights of {min(100, cfg['n_exc'])} neurons (8 x 8 pixels); "
             "blue: label (class of the highest mean response); weights in [0, 1]")
    fig = plot_receptive_fields(res["receptive_fields"], res["labels"], res["image_shape"],
                                title=title)
    save_figure(fig, out_dir / f"{NAME}.png")
    numbers = {"test_accuracy": res["test_accuracy"], "val_accuracy": res["val_accuracy"],
               "train_accuracy": res["train_accuracy"], "n_exc": cfg["n_exc"],
               "wall_s": res["wall_s"], "train_samples_per_s": res["train_samples_per_s"],
               "neurons_per_class": res["neurons_per_class"].tolist()}
    write_json(out_dir / f"{NAME}.json",
               {"panel": NAME, **PANEL, "numbers": numbers, "config": cfg,
                "data": {"receptive_fields": res["receptive_fields"], "labels": res["labels"],
                         "theta_V": res["theta"], "image_shape": res["image_shape"]},
                "units": {"receptive_fields": "1 (w / w_max)", "theta_V": "V"}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
