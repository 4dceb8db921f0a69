"""Every protocol script and figure panel runs in quick mode and writes PNG + JSON."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from figures.index import index_markdown, load_panel, panel_names  # noqa: E402
from neurolab_snn.gallery import _scripts  # noqa: E402


@pytest.mark.figures
@pytest.mark.parametrize("name", panel_names())
def test_figure_panel_quick(name, tmp_path):
    module = load_panel(name)
    assert {"title", "source"} <= set(module.PANEL)
    numbers = module.make_panel(tmp_path, quick=True)
    assert isinstance(numbers, dict) and numbers
    pngs, jsons = list(tmp_path.glob("*.png")), list(tmp_path.glob("*.json"))
    assert pngs and jsons
    assert all(p.stat().st_size > 5_000 for p in pngs)
    for path in jsons:
        json.loads(path.read_text())


@pytest.mark.figures
@pytest.mark.parametrize("name", _scripts(ROOT))
def test_protocol_script_quick(name, tmp_path):
    import importlib
    module = importlib.import_module(f"protocols.{name}")
    out = module.main(["--out", str(tmp_path), "--quick"])
    assert out["numbers"]
    assert list(tmp_path.glob("*.png")) and list(tmp_path.glob("*.json"))


def test_index_lists_every_panel():
    text = index_markdown()
    for name in panel_names():
        assert f"figures/panel_{name}.py" in text
