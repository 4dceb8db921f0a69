"""Learned input weights of a layer drawn as a grid of small images (layer L5)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_receptive_fields"]


def plot_receptive_fields(weights, labels, image_shape, *, n_show: int = 100,
                          title: str = "", w_max: float | None = None):
    """Grid of the input weights of up to *n_show* neurons, sorted by label.

    Parameters
    ----------
    weights : ndarray, shape (n_neurons, n_inputs)
        Dimensionless weights in ``[0, w_max]``.
    labels : ndarray of int, shape (n_neurons,)
        Class of each neuron (-1: none), written in the corner of its image.
    image_shape : (rows, cols)
        Shape of one input image; ``rows * cols == n_inputs``.
    n_show : int
        Neurons shown: evenly spaced over the label-sorted neurons, 10 per row.
    w_max : float, optional
        Top of the colour scale (default: the largest weight shown).

    Returns
    -------
    matplotlib.figure.Figure
    """
    weights = np.asarray(weights, dtype=np.float64)
    labels = np.asarray(labels)
    rows, cols = (int(v) for v in image_shape)
    if weights.ndim != 2 or weights.shape[1] != rows * cols or len(labels) != len(weights):
        raise ValueError(f"weights {weights.shape}, labels {labels.shape} and image_shape "
                         f"{tuple(image_shape)}: expected (n, rows*cols), (n,) and (rows, cols)")
    order = np.argsort(np.where(labels < 0, labels.max() + 1, labels), kind="stable")
    pick = order[np.unique(np.linspace(0, len(order) - 1, min(n_show, len(order))).astype(int))]
    ncols = min(10, len(pick))
    nrows = int(np.ceil(len(pick) / ncols))
    vmax = w_max if w_max is not None else max(float(weights[pick].max()), 1e-12)
    fig, axes = plt.subplots(nrows, ncols, figsize=(0.7 * ncols + 1.6, 0.7 * nrows + 1.0),
                             squeeze=False)
    image = None
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, k in zip(axes.ravel(), pick):
        image = ax.imshow(weights[k].reshape(rows, cols), cmap="hot_r", vmin=0, vmax=vmax,
                          interpolation="nearest")
        ax.text(0.04, 0.96, "-" if labels[k] < 0 else str(labels[k]), transform=ax.transAxes,
                ha="left", va="top", fontsize=7, color="tab:blue", fontweight="bold",
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85))
    fig.subplots_adjust(left=0.02, right=0.82, bottom=0.03, top=1 - 0.75 / (0.7 * nrows + 1.0),
                        wspace=0.08, hspace=0.08)
    if image is not None:
        cax = fig.add_axes([0.85, 0.15, 0.025, 0.6])
        fig.colorbar(image, cax=cax, label="weight w")
    fig.suptitle(title, fontsize=8)
    return fig
