"""Every registered training method: the calling convention, the ``neurolab train digits
--method`` command line, and the MNIST IDX path (tiny IDX files written by the test)."""
import inspect
import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

from neurolab_snn.cli import main
from neurolab_snn.training import write_idx
from neurolab_snn.training.methods import get_method, method_names
from neurolab_snn.training.tasks import load_mnist_split

N_TRAIN, N_TEST = 200, 60


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """MNIST-format files (8x8 images: scikit-learn digits as uint8) with the MNIST names."""
    d = tmp_path_factory.mktemp("mnist")
    digits = load_digits()
    images = np.clip(digits.images * 16, 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    write_idx(d / "train-images-idx3-ubyte", images[:N_TRAIN])
    write_idx(d / "train-labels-idx1-ubyte", labels[:N_TRAIN])
    write_idx(d / "t10k-images-idx3-ubyte.gz", images[-N_TEST:])
    write_idx(d / "t10k-labels-idx1-ubyte.gz", labels[-N_TEST:])
    return d


def test_every_method_follows_the_calling_convention():
    assert {"bptt", "conversion", "perturbation"} <= set(method_names())
    for name in method_names():
        sig = inspect.signature(get_method(name))
        for key in ("encoding", "model", "seed", "backend", "epochs", "quick", "out_dir",
                    "progress", "data"):
            assert key in sig.parameters, (name, key)
    with pytest.raises(KeyError, match="method='sgd' is unknown"):
        get_method("sgd")


def test_load_mnist_split(mnist_dir):
    train, val, test = load_mnist_split(mnist_dir, val_fraction=0.1, seed=0)
    assert (len(train), len(val), len(test)) == (180, 20, N_TEST)
    assert train.x.shape[1] == 64 and 0.0 <= train.x.min() and train.x.max() <= 1.0
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist_split(mnist_dir.parent)


@pytest.mark.figures
@pytest.mark.parametrize("name", method_names())
def test_mnist_idx_trains_every_method(name, mnist_dir, tmp_path):
    """Quick mode on the IDX files through ``neurolab train digits --method NAME --mnist``."""
    rc = main(["train", "digits", "--method", name, "--quick", "--mnist", str(mnist_dir),
               "--out", str(tmp_path), "--seed", "1"])
    assert rc == 0
    out = json.loads((tmp_path / f"train_mnist_{name}.json").read_text())
    assert out["method"] == name and out["seed"] == 1 and out["dataset"] == "mnist"
    # scored on the 60 images of the t10k file: a multiple of 1/60
    assert 0.0 <= out["test_accuracy"] <= 1.0
    assert abs(out["test_accuracy"] * N_TEST - round(out["test_accuracy"] * N_TEST)) < 1e-9
    assert out["wall_s"] > 0 and out["train_samples_per_s"] > 0
    assert (tmp_path / f"train_mnist_{name}_curves.png").stat().st_size > 5_000


@pytest.mark.parametrize("argv, match", [
    (["--method", "conversion", "--feedback", "random"], "unknown option"),
    (["--method", "perturbation", "--set", "rule=hebb"], "rule='hebb'"),
    (["--method", "conversion", "--encoding", "latency"], "encoding='latency'"),
    (["--method", "conversion", "--mnist", "/nonexistent/mnist"], "does not exist"),
])
def test_bad_method_options_exit_2(argv, match, tmp_path, capsys):
    assert main(["train", "digits", "--quick", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1
