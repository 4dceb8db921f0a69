"""Tasks: digits split, MNIST IDX round trip on files written here, DMS trial structure and loss."""
import gzip
from types import SimpleNamespace

import numpy as np
import pytest

from neurolab_snn.training.adjoint import first_spike_times, first_spike_vjp
from neurolab_snn.training.recipes import digits_network
from neurolab_snn.training.tasks import (DigitsTask, DMSTask, load_digits_split, load_mnist_idx,
                                         write_idx)
from neurolab_snn.units import ms


def test_digits_split_is_disjoint_and_seeded():
    train, val, test = load_digits_split(seed=0)
    assert len(train) + len(val) + len(test) == 1797
    assert len(test) == 449 and len(val) == 180
    assert train.x.shape[1] == 64 and 0 <= train.x.min() and train.x.max() <= 1
    a = {tuple(r) for r in np.round(test.x * 16).astype(int)}
    again = load_digits_split(seed=0)[2]
    np.testing.assert_array_equal(again.y, test.y)
    assert not np.array_equal(load_digits_split(seed=1)[2].y, test.y)
    assert len(a) > 400


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_mnist_idx_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 7).astype(np.uint8)
    write_idx(tmp_path / f"img-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"lab-idx1-ubyte{suffix}", labels)
    data = load_mnist_idx(tmp_path / f"img-idx3-ubyte{suffix}",
                          tmp_path / f"lab-idx1-ubyte{suffix}")
    assert data.x.shape == (7, 784)
    np.testing.assert_allclose(data.x, images.reshape(7, -1) / 255.0)
    np.testing.assert_array_equal(data.y, labels)
    raw = (tmp_path / f"img-idx3-ubyte{suffix}").read_bytes()
    if suffix:
        raw = gzip.decompress(raw)
    assert raw[:4] == bytes([0, 0, 8, 3]) and int.from_bytes(raw[4:8], "big") == 7


def test_mnist_idx_bad_files(tmp_path):
    (tmp_path / "junk").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        load_mnist_idx(tmp_path / "junk", tmp_path / "junk")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist_idx(tmp_path / "missing", tmp_path / "junk")
    write_idx(tmp_path / "img", np.zeros((3, 2, 2), np.uint8))
    data = (tmp_path / "img").read_bytes()
    (tmp_path / "short").write_bytes(data[:-2])
    with pytest.raises(ValueError, match="header promises"):
        load_mnist_idx(tmp_path / "short", tmp_path / "img")


def test_digit_encodings():
    task = DigitsTask(encoding="latency", n_steps=20)
    spikes = task.encode(task.train.x[:5], rng=0)
    assert spikes.shape == (5, 20, 64)
    assert spikes.sum(axis=1).max() == 1                         # one spike per pixel at most
    bright = task.train.x[:5] > 0.9
    first = np.argmax(spikes, axis=1)
    assert first[bright].max() < first[(task.train.x[:5] > 0.05) & ~bright].mean()
    rate = DigitsTask(encoding="rate", n_steps=200, gain=0.5)
    s = rate.encode(rate.train.x[:3], rng=np.random.default_rng(0))
    np.testing.assert_allclose(s.mean(axis=1), 0.5 * rate.train.x[:3], atol=0.12)
    with pytest.raises(ValueError, match="encoding"):
        DigitsTask(encoding="phase")


def test_latency_on_off_channels():
    on = DigitsTask(encoding="latency", n_steps=25)
    both = DigitsTask(encoding="latency", n_steps=25, on_off=True)
    x = both.train.x[:4]
    s = both.encode(x, rng=None)
    assert both.n_inputs == 128 and s.shape == (4, 25, 128)
    np.testing.assert_array_equal(s[..., :64], on.encode(x, rng=None))   # ON = plain code
    off_first = np.argmax(s[..., 64:], axis=1)
    assert (off_first[x == 0] == 0).all()                   # background fires first in OFF
    assert s[..., 64:].sum(axis=1)[x == 1].max() == 0       # full-intensity pixels: no OFF spike
    spec = digits_network(n_inputs=both.n_inputs)
    assert spec.n_inputs == 128
    with pytest.raises(ValueError, match="on_off"):
        DigitsTask(encoding="rate", on_off=True)


def test_first_spike_time_and_its_gradient():
    s = np.zeros((1, 6, 3))
    s[0, 2, 0] = s[0, 4, 0] = 1          # first spike at step 2, another at 4
    s[0, 5, 1] = 1                       # only at the last step; neuron 2 silent
    t = first_spike_times(s, 1e-3)
    np.testing.assert_allclose(t, [[2e-3, 5e-3, 6e-3]])
    g = first_spike_vjp(s, 1e-3, np.ones((1, 3)))
    # firing earlier at step k moves the first spike to t_k; after it nothing changes
    np.testing.assert_allclose(g[0, :, 0], [-2e-3, -1e-3, -2e-3, 0, 0, 0])
    np.testing.assert_allclose(g[0, :, 2], [-6e-3, -5e-3, -4e-3, -3e-3, -2e-3, -1e-3])
    # the product form is differentiable: check against finite differences at 0/1 spikes
    fd = np.zeros(6)
    for k in range(6):
        up, down = s.copy(), s.copy()
        up[0, k, 0] += 1e-6
        down[0, k, 0] -= 1e-6
        alive_up = np.cumprod(np.concatenate([[1.0], 1 - up[0, :, 0]]))
        alive_dn = np.cumprod(np.concatenate([[1.0], 1 - down[0, :, 0]]))
        tt = np.arange(6) * 1e-3
        f_up = (tt * up[0, :, 0] * alive_up[:-1]).sum() + 6e-3 * alive_up[-1]
        f_dn = (tt * down[0, :, 0] * alive_dn[:-1]).sum() + 6e-3 * alive_dn[-1]
        fd[k] = (f_up - f_dn) / 2e-6
    np.testing.assert_allclose(g[0, :, 0], fd, atol=1e-9)


def test_dms_trials():
    task = DMSTask(n_train=64, n_val=8, n_test=32, dt=2 * ms)
    assert task.n_steps == 1250
    assert task.periods["sample"] == 250 and task.periods["test"] == 1000
    x, y = task.train.x, task.train.y
    np.testing.assert_array_equal(y, (x[:, 0] == x[:, 1]).astype(int))
    assert 0.3 < y.mean() < 0.7
    r = task.rates(x[:2])
    assert r.shape == (2, 1250, 100)
    assert r[:, :250].max() == pytest.approx(2.0)                    # fixation: baseline only
    assert r[:, 250:500].max() == pytest.approx(42.0)                # tuned peak + baseline
    peak = np.argmax(r[0, 300])
    assert abs(peak - x[0, 0] * 100 / 8) <= 1
    spikes = task.encode(x[:4], rng=np.random.default_rng(0))
    assert spikes.shape == (4, 1250, 100) and set(np.unique(spikes)) <= {0.0, 1.0}


@pytest.mark.parametrize("mode", ["mean", "step"])
def test_dms_loss_gradient_matches_finite_differences(mode):
    task = DMSTask(n_train=4, n_val=2, n_test=2, dt=50 * ms, loss_mode=mode)
    rng = np.random.default_rng(3)
    b, t = 3, task.n_steps
    v = -70e-3 + 2e-3 * rng.standard_normal((b, t + 1, 2))
    y = np.array([0, 1, 1])
    trace = SimpleNamespace(states={"out": {"v": v}})
    value, _, g = task.loss(trace, y, "out")
    g = g["out"]["v"]
    assert g.shape == (b, t, 2) and not g[:, :task.periods["test"]].any()
    for (i, k, c) in [(0, t - 1, 0), (1, task.periods["test"], 1), (2, t - 3, 1)]:
        up, dn = v.copy(), v.copy()
        up[i, k + 1, c] += 1e-7
        dn[i, k + 1, c] -= 1e-7
        fd = (task.loss(SimpleNamespace(states={"out": {"v": up}}), y, "out")[0]
              - task.loss(SimpleNamespace(states={"out": {"v": dn}}), y, "out")[0]) / 2e-7
        assert g[i, k, c] == pytest.approx(fd, rel=1e-5, abs=1e-9)
    with pytest.raises(ValueError, match="loss_mode"):
        DMSTask(n_train=4, n_val=2, n_test=2, loss_mode="last")
