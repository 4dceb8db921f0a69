"""Latency coding of pixel intensities: RC charging curves, spike times, and a digit raster.

An intensity ``x`` charges ``v(t) = x (1 - exp(-t / tau))``; the pixel fires
when ``v`` reaches ``theta``, at ``t = tau ln(x / (x - theta))``; pixels at or
below ``theta`` never fire (``clip=True``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.coding import first_spike_times, latency, latency_times
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.units import ms

PANEL = {
    "title": "Latency coding: RC charging to threshold, first-spike time vs intensity, digit "
             "raster",
    "source": "snnTorch tutorial 1 (Eshraghian et al. 2023, Proc. IEEE, latency coding: RC "
              "circuit and spike times of MNIST pixels); scikit-learn load_digits",
    "issue": "coding: latency encoder t = tau ln(x/(x - theta)) (snnTorch spikegen.latency)",
}
NAME = "latency_coding"


def make_panel(out_dir, quick: bool = False) -> dict:
    """Plot RC charging curves, t(x), and the latency raster of a digit."""
    from sklearn.datasets import load_digits

    out_dir = Path(out_dir)
    tau, theta, dt = 10 * ms, 0.2, 0.1 * ms if not quick else 0.5 * ms
    window = 40 * ms
    num_steps = int(round(float(window / dt)))
    tau_ms = float(tau / ms)

    fig = Figure(figsize=(12, 3.8))
    ax_rc, ax_tx, ax_r = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1.4]})

    # (a) RC charging curves and their threshold crossings
    t = np.linspace(0, float(window / ms), 400)
    xs = np.array([1.0, 0.6, 0.35, 0.25, 0.22, 0.1])
    colors = [f"C{i}" for i in range(len(xs))]
    for x, c in zip(xs, colors):
        ax_rc.plot(t, x * (1 - np.exp(-t / tau_ms)), color=c, label=f"x = {x:g}")
    crossings = np.asarray(latency_times(xs, tau=tau, threshold=theta, clip=True) / ms)
    for x, c, tc in zip(xs, colors, crossings):
        if np.isfinite(tc):
            ax_rc.plot(tc, theta, "o", color=c)
            ax_rc.axvline(tc, color=c, lw=0.6, ls=":")
    ax_rc.axhline(theta, color="k", lw=1, ls="--", label=r"threshold $\theta$")
    ax_rc.set_xlabel("time (ms)")
    ax_rc.set_ylabel("membrane v (input units, dimensionless)")
    ax_rc.set_title(r"RC charging $v = x(1 - e^{-t/\tau})$, $\tau$ = %g ms" % tau_ms)
    ax_rc.set_xlim(0, float(window / ms))
    ax_rc.set_ylim(0, 1.3)
    ax_rc.set_yticks(np.arange(0, 1.01, 0.2))
    ax_rc.legend(fontsize=7, loc="upper center", ncol=4, columnspacing=0.8)

    # (b) closed form t(x) and the spike steps of the raster
    digits = load_digits()
    image = digits.images[0] / 16.0                                   # a "0"
    spikes = latency(image.ravel(), num_steps, dt=dt, tau=tau, threshold=theta, clip=True)
    measured = np.asarray(first_spike_times(spikes, dt) / ms)
    closed = np.asarray(latency_times(image.ravel(), tau=tau, threshold=theta, clip=True) / ms)
    fired = np.isfinite(measured)
    xx = np.linspace(theta + 1e-3, 1, 400)
    ax_tx.plot(xx, tau_ms * np.log(xx / (xx - theta)), "k-",
               label=r"$t = \tau\ln\frac{x}{x-\theta}$")
    ax_tx.plot(image.ravel()[fired], measured[fired], "o", mfc="none", color="C3",
               label=f"raster spikes (dt = {float(dt / ms):g} ms)")
    ax_tx.axvline(theta, color="k", lw=1, ls="--")
    ax_tx.set_ylim(0, float(window / ms))
    ax_tx.set_xlabel("pixel intensity x (normalised, 0-1)")
    ax_tx.set_ylabel("first-spike time (ms)")
    ax_tx.set_title("spike time vs intensity")
    ax_tx.legend(fontsize=8)

    # (c) raster of the digit's latency code
    steps, pixels = np.nonzero(spikes)
    sc = ax_r.scatter(steps * float(dt / ms), pixels, c=image.ravel()[pixels], cmap="viridis",
                      vmin=0, vmax=1, s=60, marker="|", linewidths=2)
    fig.colorbar(sc, ax=ax_r, fraction=0.046, label="pixel intensity (normalised)")
    ax_r.set_xlim(0, float(window / ms))
    ax_r.set_ylim(-0.5, 63.5)
    ax_r.invert_yaxis()
    ax_r.set_xlabel("time (ms)")
    ax_r.set_ylabel("pixel index (row-major)")
    ax_r.set_title(f"digit {digits.target[0]}: one spike per pixel above threshold")
    inset = ax_r.inset_axes([0.72, 0.05, 0.26, 0.26])
    inset.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    inset.set_xticks([])
    inset.set_yticks([])
    fig.tight_layout()

    err = np.abs(measured[fired] - closed[fired])
    numbers = {
        "tau_ms": tau_ms, "threshold": theta, "dt_ms": float(dt / ms), "num_steps": num_steps,
        "pixels_firing": int(fired.sum()),
        "pixels_at_or_below_threshold": int((image.ravel() < theta).sum()),
        "max_abs_error_raster_vs_closed_form_ms": float(err.max()),
        "earliest_spike_ms": float(measured[fired].min()),
        "latest_spike_ms": float(measured[fired].max()),
    }
    save_figure(fig, out_dir / f"{NAME}.png")
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
