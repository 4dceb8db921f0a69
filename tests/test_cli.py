"""The neurolab command line: listing, running, and one-line errors with exit status 2."""
import json

import pytest

from neurolab_snn.cli import main


def test_models_lists_equations_and_presets(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for text in ("LIF", "AdaptiveLIF", "GIF", "HH", "dv/dt", "gerstner2014", "hh1952", "cobahh"):
        assert text in out


def test_protocol_list(capsys):
    assert main(["protocol", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("fi-curve", "step-response", "frozen-noise"):
        assert name in out


def test_protocol_run_writes_json_and_png(tmp_path, capsys):
    assert main(["protocol", "run", "fi-curve", "--model", "GIF", "--seed", "3", "--quick",
                 "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "fi_curve.json").read_text())
    assert data["settings"]["seed"] == 3 and data["settings"]["model"] == "GIF"
    assert data["units"]["current"] == "A" and len(data["data"]["steady_rate"]) == 12
    assert (tmp_path / "fi_curve_rates.png").stat().st_size > 10_000


@pytest.mark.parametrize("argv, message", [
    (["protocol", "run", "nope"], "unknown protocol 'nope'"),
    (["protocol", "run", "fi-curve", "--model", "Izhikevich", "--quick"], "unknown model"),
    (["protocol", "run", "fi-curve", "--preset", "foo", "--quick"], "unknown preset 'foo'"),
])
def test_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_unknown_backend_rejected_by_argparse(capsys):
    with pytest.raises(SystemExit) as info:
        main(["protocol", "run", "fi-curve", "--backend", "gpu"])
    assert info.value.code == 2
    assert "invalid choice: 'gpu'" in capsys.readouterr().err
