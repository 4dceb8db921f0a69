"""The package works installed from a wheel, away from the source tree.

Builds a wheel of this checkout (``pip wheel --no-deps --no-build-isolation``,
no network), installs it with ``--no-deps`` into a fresh virtual environment
whose dependencies come from the test's own environment (a ``.pth`` file
pointing at this interpreter's site-packages, after the venv's own), and runs
the commands a new user would, from an empty working directory. The first
check is that ``neurolab_snn`` is imported from the new venv, not from the
source tree or an editable install.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.recording_files import write_recording

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv folder, environment, working directory) of a wheel install of this checkout."""
    base = tmp_path_factory.mktemp("installed")
    src = base / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "neurolab_snn", src / "neurolab_snn",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(wheels), str(src)], check=True, cwd=base, timeout=300)
    (wheel,) = wheels.glob("neurolab_snn-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index",
                    str(wheel)], check=True, timeout=300)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(MPLBACKEND="Agg", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    work = base / "work"
    work.mkdir()
    return venv, env, work


def _run(installed, *argv, timeout=600) -> subprocess.CompletedProcess:
    venv, env, work = installed
    done = subprocess.run(list(map(str, argv)), cwd=work, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv}: status {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.figures
def test_installed_wheel_runs_the_user_commands(installed):
    venv, env, work = installed
    where = _run(installed, venv / "bin" / "python", "-c",
                 "import neurolab_snn, sys; print(neurolab_snn.__file__)").stdout.strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    assert (venv / "bin" / "neurolab").exists()

    models = _run(installed, venv / "bin" / "python", "-m", "neurolab_snn", "models").stdout
    assert "dv/dt" in models and "AdaptiveLIF" in models

    # numpy backends: a fresh venv has no Cython cache, and compiling is not what is tested
    _run(installed, "neurolab", "--quiet", "figures", "--quick", "--only", "surrogates",
         "stdp_pairing", "--out", "figs")
    summary = json.loads((work / "figs" / "summary.json").read_text())
    assert set(summary["numbers"]) == {"panel:surrogates", "protocol:stdp_pairing"}
    assert (work / "figs" / "figures" / "surrogates.png").stat().st_size > 5_000
    assert (work / "figs" / "INDEX.md").read_text().count("neurolab_snn/gallery/panels/") > 10

    _run(installed, "neurolab", "protocol", "run", "fi-curve", "--quick", "--backend", "numpy",
         "--out", "proto")
    fi = json.loads((work / "proto" / "fi_curve.json").read_text())
    assert len(fi["data"]["steady_rate"]) == 12

    _run(installed, "neurolab", "train", "digits", "--quick", "--backend", "numpy",
         "--out", "train")
    numbers = json.loads((work / "train" / "train_digits.json").read_text())["numbers"]
    assert numbers["epochs_run"] == 3 and 0.0 <= numbers["test_accuracy"] <= 1.0

    files = write_recording(work / "rec", n_sweeps=3, duration=3.0)
    s = files["sweeps"]
    _run(installed, "neurolab", "fit-gif", "--calibration", *files["calibration"],
         "--train", *s[:4], "--test", *s[2:], "--train-window", "0s", "2s",
         "--test-window", "2s", "3s", "--backend", "numpy", "--out", "fit")
    fit = json.loads((work / "fit" / "fit.json").read_text())
    assert 0.0 < fit["md_star"] <= 1.2 and fit["parameters"]["C"]["unit"] == "F"
    assert not list(work.rglob(".*"))                 # no temporary or lock files anywhere
