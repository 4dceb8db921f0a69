"""``neurolab sweep``: a serial run writes the table and manifest; bad input exits 2 in one line."""
import json

import pytest

from neurolab_snn.cli import main
from neurolab_snn.sweep import comparable, read_table


def test_cli_sweep_writes_table_and_manifest(tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["sweep", "fi-curve", "--grid", "tau_m=10ms:20ms:2", "--grid", "model=LIF",
            "--grid", "backend=numpy", "--grid", "quick=true", "--seeds", "0-1", "--serial",
            "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert "4 rows: 4 ok, 0 failed" in capsys.readouterr().out
    table = read_table(out)
    assert list(table["seed"]) == [0, 1, 0, 1]
    assert [round(t * 1e3, 12) for t in table["tau_m"]] == [10.0, 10.0, 20.0, 20.0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scheduler"] == "serial" and manifest["n_ok"] == 4
    assert manifest["points"][2]["parameters"]["tau_m"] == [0.02, "s"]
    # the same command again: nothing left to run, same table
    assert main(argv) == 0
    assert json.loads((out / "manifest.json").read_text())["run_now"] == 0
    assert comparable(read_table(out)).equals(comparable(table))


@pytest.mark.parametrize("extra, message", [
    (["--grid", "tau_x=10ms"], "unknown parameter 'tau_x'"),
    (["--grid", "tau_m=10mV"], "parameter 'tau_m'"),
    (["--grid", "tau_m=10ms:20ms"], "START:STOP:N"),
    ([], "--grid: none given"),
    (["--grid", "tau_m=10ms", "--seeds", "3-1"], "runs backwards"),
])
def test_cli_sweep_bad_input_exits_2(extra, message, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["sweep", "fi-curve", *extra, "--serial", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_cli_sweep_unreachable_scheduler_exits_2(tmp_path, capsys):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["sweep", "fi-curve", "--grid", "tau_m=10ms", "--scheduler",
                     "tcp://127.0.0.1:9", "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no Dask scheduler answered" in err and len(err.splitlines()) == 1
