"""Md* (Naud et al. 2011) against the toolbox's FFT definition, and variance explained."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from neurolab_snn.fitting.basis import FitTrace, forced_spike_voltages, simulate_forced_spikes
from neurolab_snn.fitting.evaluation import (_binned, coincidence_product, md_star,
                                             variance_explained_v)

DT = 1e-4


def _toolbox_md(data, model, T, delta=4e-3):
    """Md* as SpikeTrainComparator.computeMD_Kistler: rect of 2*int(delta/dt) bins, 'same'."""
    n = int(round(T / DT))
    rect = np.ones(2 * int(delta / DT + 1e-9))

    def dot(a, b):
        return np.sum(fftconvolve(a, rect, mode="same") * b)
    d, m = _binned(data, n, DT), _binned(model, n, DT)
    singles = [_binned([t], n, DT) for t in data]
    pairs = [dot(singles[i], singles[j]) for i in range(len(data))
             for j in range(i + 1, len(data))]
    return 2 * dot(d, m) / (np.mean(pairs) + dot(m, m))


def test_md_star_matches_the_toolbox_definition():
    rng = np.random.default_rng(2)
    base = np.sort(rng.uniform(0, 2.0, 30))
    data = [np.clip(base + rng.normal(0, 2e-3, base.size), 0, 1.9999) for _ in range(6)]
    model = [np.sort(rng.uniform(0, 2.0, 25)) if k % 3 == 0 else
             np.clip(base + rng.normal(0, 3e-3, base.size), 0, 1.9999) for k in range(40)]
    ours = md_star(data, model, 2.0)
    assert ours == pytest.approx(_toolbox_md(data, model, 2.0), rel=1e-9)
    assert 0.3 < ours < 1.0


def test_md_star_limits():
    train = np.array([0.1, 0.35, 0.7, 1.2])
    assert md_star([train] * 5, [train] * 50, 1.5) == pytest.approx(1.0, rel=1e-12)
    far = train + 0.02  # 20 ms away: no coincidence within +-4 ms
    assert md_star([train] * 5, [far] * 50, 1.5) == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        md_star([train], [train], 1.5)


def test_coincidence_window_is_the_toolbox_rectangle():
    x = np.zeros(200)
    x[100] = 1.0
    hits = [coincidence_product(x, np.eye(200)[k], 40) for k in range(200)]
    # y at n sees x[j] for j in [n - 40, n + 39]
    assert np.flatnonzero(hits).tolist() == list(range(61, 141))


def test_variance_explained_is_one_for_the_model_itself():
    rng = np.random.default_rng(0)
    n = 20_000
    current = 0.3e-9 + 0.05e-9 * rng.standard_normal(n)
    spikes = np.array([3000, 9000, 15000])
    V = simulate_forced_spikes(current, np.zeros(n), spikes, -0.07, DT, 2e-10, 1e-8, -0.07,
                               -0.055, 40)
    tr = FitTrace(v=V, i=current, dt=DT, spikes=spikes, start=0, stop=n)
    models = forced_spike_voltages([tr], 2e-10, 1e-8, -0.07, -0.055, (), (), 40)
    frac = variance_explained_v([tr], models, 40)
    assert frac == pytest.approx(1.0, abs=1e-12)
    noisy = FitTrace(v=V + 1e-3 * rng.standard_normal(n), i=current, dt=DT, spikes=spikes,
                     start=0, stop=n)
    frac2 = variance_explained_v([noisy], models, 40)
    expected = 1 - 1e-6 / (np.var(V) + 1e-6)
    assert frac2 == pytest.approx(expected, abs=0.02)
