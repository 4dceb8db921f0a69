"""A network trained on the CPU runs inference on another backend with the same predictions.

Trained with the forward pass on Brian2's numpy runtime, the parameters are
scored on the held-out split by :func:`evaluate_on_backend` with the forward
pass compiled by cpp_standalone (everywhere) and by brian2cuda on an NVIDIA
GPU (``gpu``-marked; ``make cuda-test`` or the device check in
``docs/backends.md``).  Every prediction must agree with the CPU's, so the
accuracies are equal.
"""
import numpy as np
import pytest

from neurolab_snn.models import LIF
from neurolab_snn.sim.cuda import check_cuda
from neurolab_snn.sim.devices import BackendUnavailable
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.tasks import Dataset, DigitsTask, load_digits_split
from neurolab_snn.training.trainer import Trainer, TrainSettings, evaluate_on_backend
from neurolab_snn.units import mV, ms


def _cuda_skip():
    try:
        check_cuda(require_gpu=True)
    except BackendUnavailable as err:
        return str(err)
    return None


@pytest.fixture(scope="module")
def trained():
    """A 64-32-10 LIF network trained for 6 epochs on 480 digits (numpy runtime, CPU)."""
    train, val, test = load_digits_split(seed=0)
    pick = lambda d, n: Dataset(d.x[:n], d.y[:n])          # noqa: E731
    task = DigitsTask(encoding="rate", n_steps=12, gain=1.0,
                      data=(pick(train, 480), pick(val, 64), pick(test, 96)))
    lif = LIF(t_ref=0 * ms)
    net = TrainableNetwork(NetworkSpec(64, (Layer("hid", lif, 32, scale=20 * mV),
                                            Layer("out", lif, 10, scale=20 * mV))))
    settings = TrainSettings(epochs=6, batch_size=48, lr=0.02, weight_gain=3.0,
                             backend="numpy", progress=False, seed=2)
    result = Trainer(net, task, settings).fit(resume=False)
    cpu = evaluate_on_backend(net, task, result.params, backend="numpy", settings=settings)
    assert cpu["accuracy"] == pytest.approx(result.test_accuracy, abs=1e-12)
    assert cpu["accuracy"] > 0.4                      # chance: 0.1
    return net, task, settings, result.params, cpu


def _same_inference(trained, backend):
    net, task, settings, params, cpu = trained
    got = evaluate_on_backend(net, task, params, backend=backend, settings=settings)
    assert got["backend"] == backend and got["compilations"] == 1
    np.testing.assert_array_equal(got["predictions"], cpu["predictions"])
    assert got["accuracy"] == cpu["accuracy"]
    assert got["loss"] == pytest.approx(cpu["loss"], rel=1e-9)
    return got


@pytest.mark.standalone
def test_trained_network_same_predictions_on_cpp_standalone(trained):
    _same_inference(trained, "cpp_standalone")


@pytest.mark.gpu
@pytest.mark.standalone
@pytest.mark.slow
def test_trained_network_same_predictions_on_gpu(trained):
    reason = _cuda_skip()
    if reason is not None:
        pytest.skip(f"cuda on a GPU: {reason}")
    got = _same_inference(trained, "cuda")
    print(f"\ncuda inference: accuracy {got['accuracy']:.4f}, loss {got['loss']:.6f}, "
          f"{got['wall_s']:.1f} s")
