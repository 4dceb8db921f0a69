"""Panel: every registered training method on digits - test accuracy and training time over
seeds - and the accuracy-latency curve of ANN -> SNN conversion."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.files import save_figure, write_json
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.plotting.training_methods import plot_accuracy_vs_T
from neurolab_snn.training.methods import get_method, method_names
from neurolab_snn.training.tasks import Dataset, load_digits_split

PANEL = {"title": "Training methods side by side: accuracy and training time on digits; "
                  "conversion accuracy vs simulation length",
         "source": "Rueckauer et al. 2017 Fig. 4 (accuracy vs latency); issue 12 comparison",
         "issue": "issue 12: training methods beyond BPTT"}


def _quick_data():
    """A small digits split for quick mode (smoke test of every method)."""
    train, val, test = load_digits_split()
    return (Dataset(train.x[:200], train.y[:200]), Dataset(val.x[:60], val.y[:60]),
            Dataset(test.x[:120], test.y[:120]))


def run_methods(names, seeds, quick: bool) -> dict:
    """``{method: [result of each seed]}`` with each method's defaults (or quick settings)."""
    data = _quick_data() if quick else None
    runs = {}
    for name in names:
        train = get_method(name)
        runs[name] = [train(seed=s, quick=quick, data=data)
                      for s in seeds]
    return runs


def make_panel(out_dir, quick: bool = False) -> dict:
    """Methods x seeds (quick: seed 0 only, quick settings on a small split: a smoke test)."""
    out_dir = Path(out_dir)
    seeds = (0,) if quick else (0, 1, 2)
    names = method_names()
    runs = run_methods(names, seeds, quick)
    acc = {n: [100 * r["test_accuracy"] for r in runs[n]] for n in names}
    wall = {n: [r["wall_s"] for r in runs[n]] for n in names}
    conv = runs.get("conversion")
    fig, axes = plt.subplots(1, 3 if conv else 2, figsize=(13 if conv else 9, 3.8))
    pos = np.arange(len(names))
    for ax, values, label in ((axes[0], acc, "held-out test accuracy (%)"),
                              (axes[1], wall, "wall time per run, with evaluation (s)")):
        mean = [np.mean(values[n]) for n in names]
        sd = [np.std(values[n]) for n in names]
        bars = ax.bar(pos, mean, yerr=sd if len(seeds) > 1 else None, capsize=4,
                      color=[f"C{k}" for k in range(len(names))])
        ax.bar_label(bars, labels=[f"{m:.1f}" for m in mean], label_type="center",
                     fontsize=8, color="white")
        for k, n in enumerate(names):
            ax.plot(np.full(len(values[n]), k), values[n], "k.", ms=4)
        ax.set_xticks(pos, names, rotation=20)
        ax.set(ylabel=label, xlabel="method")
    axes[0].set_ylim(0, 100)
    axes[0].set_title(f"digits, mean +- sd over seeds {list(seeds)}", fontsize=9)
    axes[1].set_yscale("log")
    axes[1].set_title("one CPU process (shared machine)", fontsize=9)
    numbers = {n: {"test_accuracy_pct": acc[n], "wall_s": wall[n],
                   "train_samples_per_s": [r["train_samples_per_s"] for r in runs[n]],
                   "mean_test_accuracy_pct": float(np.mean(acc[n]))} for n in names}
    data = {}
    if conv:
        plot_accuracy_vs_T(axes[2], [r["accuracy_vs_T"] for r in conv],
                           ann=[r["ann_test_accuracy"] for r in conv])
        numbers["conversion"]["ann_test_accuracy_pct"] = [100 * r["ann_test_accuracy"]
                                                          for r in conv]
        data["accuracy_vs_T"] = [r["accuracy_vs_T"] for r in conv]
    if quick:
        fig.suptitle("quick mode: each method's quick settings on 200 training digits "
                     "(smoke test, not the targets)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, out_dir / "training_methods.png")
    write_json(out_dir / "training_methods.json",
               {"numbers": numbers, "units": {"test_accuracy_pct": "%", "wall_s": "s",
                                              "accuracy_vs_T": "T in steps of 1 ms"},
                "settings": {"seeds": list(seeds), "quick": quick, "methods": names},
                "data": data})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
