"""``neurolab train`` (add_train_arguments + train_command) writes metrics JSON and PNG panels."""
import argparse
import json

import pytest

from neurolab_snn.plotting.training import add_train_arguments, train_command


@pytest.mark.figures
def test_train_digits_quick(tmp_path, capsys):
    parser = add_train_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["digits", "--quick", "--backend", "numpy", "--epochs", "2",
                              "--out", str(tmp_path), "--seed", "3"])
    assert train_command(args) == 0
    result = json.loads((tmp_path / "train_digits.json").read_text())
    assert 0.0 <= result["numbers"]["test_accuracy"] <= 1.0
    assert result["numbers"]["epochs_run"] == 2
    assert result["settings"]["seed"] == 3 and result["settings"]["encoding"] == "rate"
    metrics = json.loads((tmp_path / "train_digits_run" / "metrics.json").read_text())
    assert len(metrics["epochs"]) == 2 and "test_accuracy" in metrics
    for suffix in ("curves", "rasters"):
        assert (tmp_path / f"train_digits_{suffix}.png").stat().st_size > 5_000
    assert "test_accuracy" in capsys.readouterr().out


def test_train_arguments():
    parser = add_train_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["dms", "--model", "LIF", "--backend", "cpp_standalone"])
    assert (args.task, args.model, args.backend, args.encoding) == ("dms", "LIF",
                                                                    "cpp_standalone", None)
    with pytest.raises(SystemExit):
        parser.parse_args(["mnist"])
