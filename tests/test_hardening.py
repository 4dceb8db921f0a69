"""Output folders, the folder lock, interruption by SIGINT/SIGTERM, resume, divergence, verbosity.

Every interrupted job must leave only complete files in ``--out`` (each JSON
parses, each PNG decodes, each checkpoint loads) and no temporary or lock files.
"""
from __future__ import annotations

import json
import os
import signal
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neurolab_snn.cli import main
from neurolab_snn.files import LOCK_NAME, check_out_dir, locked_out_dir
from neurolab_snn.interrupt import Interrupted

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- helpers
def _env() -> dict:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")


def _neurolab(*argv, cwd=None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neurolab_snn", *map(str, argv)],
                            env=_env(), cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def _wait_for(predicate, proc, timeout=240.0, what="") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the job ended (status {proc.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def assert_complete(folder: Path) -> list[str]:
    """Every file under *folder* is complete; none is temporary or a lock. Returns the names."""
    from PIL import Image

    names = []
    if not folder.exists():
        return names
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        assert not path.name.startswith("."), f"temporary or lock file left behind: {path}"
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".png":
            with Image.open(path) as image:
                image.load()                       # raises on a truncated file
        elif path.suffix == ".npz":
            with np.load(path) as data:
                assert data.files
        names.append(str(path.relative_to(folder)))
    return names


# ----------------------------------------------------------------------------- --out checks
_COMMANDS = {
    "protocol run": ["protocol", "run", "fi-curve", "--quick"],
    "figures": ["figures", "--quick", "--only", "surrogates"],
    "train": ["train", "digits", "--quick"],
    "fit-gif": ["fit-gif", "--calibration", "v.ibw", "i.ibw", "--train", "v.ibw", "i.ibw",
                "--test", "v.ibw", "i.ibw"],
}


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_out_that_is_a_file_is_refused(command, tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("keep me\n")
    assert main([*_COMMANDS[command], "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"neurolab: error: --out {target}: is a file; expected a folder (existing or new)"
    assert target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]


def test_out_below_a_file_is_refused(tmp_path):
    (tmp_path / "a").write_text("")
    with pytest.raises(ValueError, match=r"--out .*a/b: .*a is a file; expected a folder"):
        check_out_dir(tmp_path / "a" / "b")


_READ_ONLY_SCRIPT = """
import contextlib, io, json, sys
from neurolab_snn.cli import main
results = []
for out in sys.argv[1:]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["protocol", "run", "fi-curve", "--quick", "--out", out])
    results.append([status, err.getvalue()])
print(json.dumps(results))
"""


def _refusals(outs: list[Path], capsys) -> list[tuple[int, str]]:
    """(status, stderr) of ``neurolab protocol run ... --out OUT`` for each of *outs*.

    As root (who may write anywhere) in one subprocess without the capabilities that
    bypass file permissions (setpriv); otherwise in this process.
    """
    if os.geteuid() != 0:
        results = []
        for out in outs:
            status = main(["protocol", "run", "fi-curve", "--quick", "--out", str(out)])
            results.append((status, capsys.readouterr().err))
        return results
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    done = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner",
                           sys.executable, "-c", _READ_ONLY_SCRIPT, *map(str, outs)],
                          env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [tuple(r) for r in json.loads(done.stdout.strip().splitlines()[-1])]


def test_read_only_out_is_refused_and_nothing_written(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        outs = [ro, ro / "new"]
        for out, (status, err) in zip(outs, _refusals(outs, capsys)):
            err = err.strip()
            assert status == 2, err
            assert len(err.splitlines()) == 1
            assert err.startswith(f"neurolab: error: --out {out}: folder {ro} is not writable")
            assert "expected a writable folder" in err
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


# ----------------------------------------------------------------------------- the lock
def test_lock_is_exclusive_within_one_process(tmp_path):
    with locked_out_dir(tmp_path / "out") as out:
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(RuntimeError, match=rf"--out {out}: the folder is in use by another "
                                               rf"neurolab process \(pid {os.getpid()}\)"):
            with locked_out_dir(out):
                pass
    assert not (tmp_path / "out").exists()       # created here, left empty: removed again


def test_nested_output_folders_exclude_each_other(tmp_path):
    outer, inner = tmp_path / "results", tmp_path / "results" / "protocols"
    with locked_out_dir(outer):
        with pytest.raises(RuntimeError, match=rf"--out {inner}: the folder {outer} that "
                                               rf"contains it .* \(pid {os.getpid()}\)"):
            with locked_out_dir(inner):
                pass
        assert not inner.exists()
    with locked_out_dir(inner):
        with pytest.raises(RuntimeError, match=rf"--out {outer}: the folder {inner} .* in use"):
            with locked_out_dir(outer):
                pass
        assert sorted(p.name for p in outer.iterdir()) == ["protocols"]
    with locked_out_dir(outer), locked_out_dir(tmp_path / "elsewhere"):   # unrelated: fine
        pass


@pytest.mark.figures
def test_second_process_on_the_same_out_is_refused(tmp_path):
    out = tmp_path / "shared"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom neurolab_snn.files import locked_out_dir\n"
         "with locked_out_dir(sys.argv[1]):\n    print('locked', flush=True)\n"
         "    time.sleep(300)\n", str(out)],
        env=_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = _neurolab("figures", "--quick", "--only", "surrogates", "--out", out)
        _, err = second.communicate(timeout=300)
        assert second.returncode == 2
        assert err.strip() == (f"neurolab: error: --out {out}: the folder is in use by another "
                               f"neurolab process (pid {holder.pid}); wait for it to finish or "
                               "choose another folder")
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]      # nothing written
    finally:
        holder.kill()                 # SIGKILL: the lock file stays, the kernel drops the lock
        holder.wait()
    assert (out / LOCK_NAME).exists()
    assert main(["figures", "--quick", "--only", "surrogates", "--out", str(out)]) == 0
    assert "figures/surrogates.png" in assert_complete(out)              # a stale file is no lock


# ----------------------------------------------------------------------------- signals
def _interrupt(proc, signum) -> tuple[str, str]:
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 128 + signum, stderr
    name = signal.Signals(signum).name
    assert stderr.strip().splitlines()[-1] == \
        f"neurolab: interrupted ({name}); no partial files written"
    return stdout, stderr


def test_sigterm_during_training_leaves_complete_files(tmp_path):
    out = tmp_path / "train"
    proc = _neurolab("train", "digits", "--quick", "--backend", "numpy", "--epochs", "400",
                     "--out", out)
    metrics = out / "train_digits_run" / "metrics.json"
    _wait_for(metrics.exists, proc, what="the first epoch's metrics")
    _interrupt(proc, signal.SIGTERM)
    names = assert_complete(out)
    assert {"train_digits_run/checkpoint.npz", "train_digits_run/metrics.json"} <= set(names)
    epochs = json.loads(metrics.read_text())["epochs"]
    assert 1 <= len(epochs) < 400
    with np.load(out / "train_digits_run" / "checkpoint.npz") as ckpt:
        assert json.loads(str(ckpt["meta"]))["epoch"] >= len(epochs)


@pytest.mark.figures
def test_sigint_during_figures_leaves_complete_files(tmp_path):
    out = tmp_path / "figs"
    jobs = ["step_response", "fi_curve", "lif_rc", "adaptation", "fi_curves", "surrogates"]
    proc = _neurolab("figures", "--quick", "--only", *jobs, "--out", out)
    _wait_for(lambda: any((out / "protocols").glob("*.json")), proc, what="the first file")
    _interrupt(proc, signal.SIGINT)
    names = assert_complete(out)
    assert "protocols/fi_curve.json" in names      # the first job (SCRIPTS order)
    assert "summary.json" not in names            # the job did not finish


def _read_until(proc, text: str) -> None:
    """Read the job's standard output until a line contains *text*."""
    line = proc.stdout.readline()
    while line and text not in line:
        line = proc.stdout.readline()
    assert line, f"the job ended before printing {text!r}"


def test_sigterm_during_protocol_run_writes_nothing(tmp_path):
    out = tmp_path / "proto"
    proc = _neurolab("protocol", "run", "fi-curve", "--backend", "numpy", "--out", out)
    _read_until(proc, "protocol fi-curve: running")       # inside the simulation now
    _interrupt(proc, signal.SIGTERM)
    assert set(assert_complete(out)) <= {"fi_curve_rates.png", "fi_curve.json"}
    assert not (out / "fi_curve.json").exists()            # the result is written last


def test_sigint_during_fit_gif_leaves_complete_files(tmp_path):
    from tests.recording_files import write_recording

    files = write_recording(tmp_path / "rec", n_sweeps=3, duration=3.0)
    s = files["sweeps"]
    out = tmp_path / "fit"
    proc = _neurolab("fit-gif", "--calibration", *files["calibration"], "--train", *s[:4],
                     "--test", *s[2:], "--train-window", "0s", "2s", "--test-window", "2s", "3s",
                     "--out", out)
    _read_until(proc, "fit-gif: subthreshold done")
    _interrupt(proc, signal.SIGINT)
    assert assert_complete(out) == []             # outputs are written only at the end
    assert not out.exists()                       # created for this run, left empty: removed


# ----------------------------------------------------------------------------- resume
def _train_args(*extra):
    return ["train", "digits", "--quick", "--backend", "numpy", "--epochs", "3", "--seed", "5",
            *map(str, extra)]


def _final(out: Path) -> tuple[dict, dict, list]:
    with np.load(out / "train_digits_run" / "checkpoint.npz") as ckpt:
        arrays = {k: ckpt[k].copy() for k in ckpt.files if k != "meta"}
    numbers = json.loads((out / "train_digits.json").read_text())["numbers"]
    history = json.loads((out / "train_digits_run" / "metrics.json").read_text())["epochs"]
    timing = {"time_s", "samples_per_s", "forward_s", "backward_s"}
    return arrays, numbers, [{k: v for k, v in h.items() if k not in timing} for h in history]


@pytest.mark.figures
def test_resume_after_interruption_is_bit_identical(tmp_path, monkeypatch, capsys):
    from neurolab_snn.training.trainer import Trainer

    assert main(_train_args("--out", tmp_path / "straight")) == 0
    ref_arrays, ref_numbers, ref_history = _final(tmp_path / "straight")
    original = Trainer._batch
    # 4 batches per epoch (3 training, 1 validation): interrupt in epoch 2 and in epoch 3
    for stop_at in (6, 11):
        out = tmp_path / f"stopped_{stop_at}"
        calls = {"n": 0}

        def batch(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == stop_at:
                raise Interrupted(signal.SIGTERM)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Trainer, "_batch", batch)
        assert main(_train_args("--out", out)) == 143
        assert "interrupted (SIGTERM)" in capsys.readouterr().err
        assert not (out / "train_digits.json").exists()
        assert_complete(out)
        monkeypatch.setattr(Trainer, "_batch", original)
        assert main(_train_args("--resume", out)) == 0
        arrays, numbers, history = _final(out)
        assert sorted(arrays) == sorted(ref_arrays)
        for key, value in ref_arrays.items():
            assert np.array_equal(arrays[key], value), key
        assert history == ref_history
        for key in ("test_accuracy", "test_loss", "best_epoch", "epochs_run"):
            assert numbers[key] == ref_numbers[key], key


def test_resume_refuses_other_settings_and_missing_checkpoints(tmp_path, capsys):
    assert main(["train", "digits", "--resume", str(tmp_path / "none"), "--quick"]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    run = tmp_path / "run"
    assert main(_train_args("--out", run)) == 0
    capsys.readouterr()
    assert main([*_train_args()[:-2], "--seed", "6", "--resume", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert "written by a run with seed=5, this run has seed=6" in err


# ----------------------------------------------------------------------------- divergence
def _tiny_trainer(out_dir, **settings):
    from neurolab_snn.models import LIF
    from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
    from neurolab_snn.training.tasks import Dataset, DigitsTask, load_digits_split
    from neurolab_snn.training.trainer import Trainer, TrainSettings
    from neurolab_snn.units import mV, ms

    train, val, test = load_digits_split(seed=0)
    pick = lambda d, n: Dataset(d.x[:n], d.y[:n])          # noqa: E731
    task = DigitsTask(encoding="rate", n_steps=10, gain=1.0,
                      data=(pick(train, 64), pick(val, 32), pick(test, 32)))
    lif = LIF(t_ref=0 * ms)
    net = TrainableNetwork(NetworkSpec(64, (Layer("hid", lif, 16, scale=20 * mV),
                                            Layer("out", lif, 10, scale=20 * mV))))
    base = dict(epochs=3, batch_size=32, lr=0.02, weight_gain=3.0, backend="numpy",
                progress=False, seed=4)
    return Trainer(net, task, TrainSettings(**{**base, **settings}), out_dir=out_dir)


class _ExplodeAfterFirstEpoch:
    """A learning-rate schedule that multiplies the rate by *factor* from epoch 2 on."""

    def __init__(self, factor):
        self.factor_after = factor

    def factor(self, epoch):
        return 1.0 if epoch == 0 else self.factor_after

    def __repr__(self):
        return f"ExplodeAfterFirstEpoch({self.factor_after!r})"


def test_nan_learning_rate_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match=r"lr=nan; expected a positive learning rate"):
        _tiny_trainer(tmp_path / "run", lr=float("nan"))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("factor", [1e6, float("nan")])
def test_exploding_learning_rate_stops_and_keeps_last_good_checkpoint(tmp_path, factor):
    from neurolab_snn.training.trainer import TrainingDiverged

    out = tmp_path / "run"
    trainer = _tiny_trainer(out, schedule=_ExplodeAfterFirstEpoch(factor))
    with pytest.raises(TrainingDiverged) as info:
        trainer.fit(resume=False)
    message = str(info.value)
    assert message.startswith("training diverged: ")
    assert "parameter hid.W" in message or "parameter out.W" in message
    assert "at epoch 2, batch 0" in message
    assert f"the last good checkpoint is {out / 'checkpoint.npz'} (epoch 1)" in message
    assert sorted(assert_complete(out)) == ["checkpoint.npz", "metrics.json"]
    with np.load(out / "checkpoint.npz") as ckpt:
        assert json.loads(str(ckpt["meta"]))["epoch"] == 1
        for key, value in trainer.params.items():      # rolled back to the checkpoint
            assert np.all(np.isfinite(ckpt[f"params/{key}"]))
            assert np.array_equal(ckpt[f"params/{key}"], value)
    assert len(json.loads((out / "metrics.json").read_text())["epochs"]) == 1


# ----------------------------------------------------------------------------- verbosity
def test_quiet_normal_and_verbose_output(tmp_path, capfd, monkeypatch):
    import logging

    from brian2.utils.logger import BrianLogger

    from neurolab_snn import console

    seen = {}

    def spy(verbosity):                    # the levels while the command runs
        original(verbosity)
        seen[verbosity] = (BrianLogger.console_handler.level, console.logger.level)

    original = console.configure_output
    monkeypatch.setattr(console, "configure_output", spy)
    before = BrianLogger.console_handler.level
    argv = ["protocol", "run", "step-response", "--quick", "--backend", "numpy"]
    assert main(["--quiet", *argv, "--out", str(tmp_path / "q")]) == 0
    quiet = capfd.readouterr()
    assert "protocol step-response: running" not in quiet.out
    assert "wrote " in quiet.out
    assert main([*argv, "--out", str(tmp_path / "n")]) == 0
    normal = capfd.readouterr()
    assert "protocol step-response: running (backend=numpy, seed=0, quick=True) ..." in normal.out
    assert "protocol step-response: done" in normal.out
    assert main([*argv, "--verbose", "--out", str(tmp_path / "v")]) == 0    # after the command
    assert seen == {-1: (logging.ERROR, logging.WARNING), 0: (logging.WARNING, logging.INFO),
                    1: (logging.DEBUG, logging.DEBUG)}
    assert BrianLogger.console_handler.level == before                  # restored on return
