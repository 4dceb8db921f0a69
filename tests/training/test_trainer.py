"""Training loop: metrics JSON, checkpoints that resume identically, early stopping, divergence."""
import json

import numpy as np
import pytest

from neurolab_snn.models import LIF
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.tasks import Dataset, DigitsTask, load_digits_split
from neurolab_snn.training.trainer import Trainer, TrainingDiverged, TrainSettings
from neurolab_snn.units import mV, ms


def _small_task():
    train, val, test = load_digits_split(seed=0)
    pick = lambda d, n: Dataset(d.x[:n], d.y[:n])          # noqa: E731
    return DigitsTask(encoding="rate", n_steps=10, gain=1.0,
                      data=(pick(train, 96), pick(val, 32), pick(test, 32)))


def _net():
    lif = LIF(t_ref=0 * ms)
    return TrainableNetwork(NetworkSpec(64, (Layer("hid", lif, 24, scale=20 * mV),
                                             Layer("out", lif, 10, scale=20 * mV))))


def _settings(**kw):
    base = dict(epochs=3, batch_size=32, lr=0.02, weight_gain=3.0, backend="numpy",
                progress=False, seed=4)
    base.update(kw)
    return TrainSettings(**base)


def test_training_writes_metrics_and_learns(tmp_path):
    task = _small_task()
    trainer = Trainer(_net(), task, _settings(epochs=4), out_dir=tmp_path)
    result = trainer.fit()
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert len(data["epochs"]) == 4 and "test_accuracy" in data
    assert data["test_accuracy"] == result.test_accuracy
    assert {"train_loss", "val_accuracy", "samples_per_s", "forward_s", "backward_s"} \
        <= set(data["epochs"][0])
    losses = [e["train_loss"] for e in data["epochs"]]
    assert losses[-1] < 0.8 * losses[0]
    assert result.test_accuracy > 0.3                   # chance is 0.1
    assert data["forward_runs"] == 4 * (3 + 1) + 1      # 3 train + 1 val batch per epoch, test
    assert (tmp_path / "checkpoint.npz").exists()


def test_checkpoint_resume_is_identical(tmp_path):
    task = _small_task()
    straight = Trainer(_net(), task, _settings(epochs=3)).fit(resume=False)
    first = Trainer(_net(), task, _settings(epochs=2), out_dir=tmp_path)
    first.fit()
    resumed = Trainer(_net(), task, _settings(epochs=3), out_dir=tmp_path)
    result = resumed.fit(resume=True)
    assert resumed.epoch == 3 and len(result.history) == 3
    for key, value in straight.params.items():
        np.testing.assert_array_equal(result.params[key], value)
    assert [h["train_loss"] for h in result.history] == \
        [h["train_loss"] for h in straight.history]
    assert result.test_accuracy == straight.test_accuracy


def test_early_stopping_keeps_best(tmp_path):
    task = _small_task()
    result = Trainer(_net(), task, _settings(epochs=8, lr=1e-6, patience=2)).fit()
    assert result.stopped_early and len(result.history) == 3
    assert result.best_epoch == 1


def test_exploding_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    task = _small_task()
    Trainer(_net(), task, _settings(epochs=1), out_dir=tmp_path).fit()
    saved = np.load(tmp_path / "checkpoint.npz")["params/hid.W"].copy()
    trainer = Trainer(_net(), task, _settings(epochs=3, max_loss=1e-3), out_dir=tmp_path)
    with pytest.raises(TrainingDiverged, match=r"loss .* at epoch 2.*last good checkpoint.*"
                                               r"checkpoint.npz \(epoch 1\)"):
        trainer.fit()
    np.testing.assert_array_equal(np.load(tmp_path / "checkpoint.npz")["params/hid.W"], saved)
    np.testing.assert_array_equal(trainer.params["hid.W"], saved)   # rolled back


def test_sgd_and_dale_constraints_hold_during_training():
    lif = LIF(t_ref=0 * ms)
    net = TrainableNetwork(NetworkSpec(64, (Layer("hid", lif, 20, recurrent=True,
                                                  n_excitatory=15, scale=20 * mV),
                                            Layer("out", lif, 10, scale=20 * mV)),
                                       input_sign=1))
    trainer = Trainer(net, _small_task(), _settings(epochs=1, optimizer="sgd", lr=0.05))
    trainer.fit()
    p = trainer.params
    assert trainer.constraints.violations(p) == 0
    assert (p["hid.W"] >= 0).all() and (p["hid.R"][:15] >= 0).all()
    assert (p["hid.R"][15:] <= 0).all() and np.all(np.diag(p["hid.R"]) == 0)
    assert (p["out.W"][15:] <= 0).all()


@pytest.mark.standalone
def test_standalone_one_binary_serves_every_batch(tmp_path):
    task = _small_task()
    trainer = Trainer(_net(), task, _settings(epochs=2, backend="cpp_standalone"),
                      out_dir=tmp_path)
    result = trainer.fit()
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert result.compilations == 1 and data["compilations"] == 1
    assert data["forward_runs"] == 2 * 4 + 1
