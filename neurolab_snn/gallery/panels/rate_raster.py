"""Rate-coded raster of a digit image (snnTorch tutorial 1 style, on scikit-learn's digits).

Each of the 64 pixels of an 8x8 digit fires Bernoulli spikes with probability
``p = intensity / 16`` per 1 ms step; the spike counts read the image back.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.coding import firing_rate, rate, rate_decode, spike_count
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.units import Hz, ms, second

PANEL = {
    "title": "Rate-coded raster of a digit image: Bernoulli spikes per step, counts read it back",
    "source": "snnTorch tutorial 1 (Eshraghian et al. 2023, Proc. IEEE, Fig. 'rate coding' of "
              "an MNIST digit); scikit-learn load_digits stands in for MNIST",
    "issue": "coding: rate encoder (snnTorch spikegen.rate semantics) and count decoder",
}
NAME = "rate_raster"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Rate-code a digit from load_digits and plot image, raster and read-out."""
    from sklearn.datasets import load_digits

    out_dir = Path(out_dir)
    digits = load_digits()
    index = 3  # a "3"
    image = digits.images[index]                         # 8x8, intensities 0..16
    dt = 1 * ms
    num_steps = 50 if quick else 200
    rng = np.random.default_rng(2023)
    spikes = rate(image.ravel(), num_steps, rng=rng, data_range=(0, 16))  # (T, 64)

    p = image.ravel() / 16
    counts = spike_count(spikes)
    decoded = rate_decode(spikes, data_range=(0, 16)).reshape(8, 8)
    rates = np.asarray(firing_rate(spikes, dt) / Hz)
    # total count vs Binomial: z-score of the sum of independent pixel counts
    mean, var = num_steps * p.sum(), num_steps * (p * (1 - p)).sum()
    z_total = (counts.sum() - mean) / np.sqrt(var)
    corr = float(np.corrcoef(decoded.ravel(), image.ravel())[0, 1])

    fig = Figure(figsize=(11, 4))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 2.4, 1]})
    im = axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=16)
    axes[0].set_title(f"digit {digits.target[index]} (load_digits #{index})")
    axes[0].set_xlabel("column (pixel)")
    axes[0].set_ylabel("row (pixel)")
    fig.colorbar(im, ax=axes[0], fraction=0.046, label="intensity (0-16)")

    steps, pixels = np.nonzero(spikes)
    axes[1].scatter(steps * float(dt / ms), pixels, s=3, marker="|", c="k", linewidths=0.8)
    axes[1].set_xlim(0, num_steps * float(dt / ms))
    axes[1].set_ylim(-0.5, 63.5)
    axes[1].invert_yaxis()
    axes[1].set_xlabel("time (ms)")
    axes[1].set_ylabel("pixel index (row-major)")
    axes[1].set_title(f"rate code: p = intensity/16 per {float(dt / ms):g} ms step")

    max_rate = 1 / float(dt / second)                      # one spike per step
    im2 = axes[2].imshow(rates.reshape(8, 8), cmap="gray_r", vmin=0, vmax=max_rate)
    axes[2].set_title(f"read-out: spike count / T ({num_steps} steps)")
    axes[2].set_xlabel("column (pixel)")
    axes[2].set_ylabel("row (pixel)")
    fig.colorbar(im2, ax=axes[2], fraction=0.046, label="firing rate (Hz)")
    fig.tight_layout()

    numbers = {
        "num_steps": num_steps,
        "dt_ms": float(dt / ms),
        "total_spikes": int(counts.sum()),
        "expected_total_spikes": float(mean),
        "total_count_z_score": float(z_total),
        "max_abs_decoding_error_intensity": float(np.max(np.abs(decoded - image))),
        "correlation_decoded_vs_image": corr,
    }
    save_figure(fig, out_dir / f"{NAME}.png")
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
