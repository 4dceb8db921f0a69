"""Every protocol script and figure panel runs in quick mode and writes PNG + JSON."""
import json

import pytest

from neurolab_snn.gallery.index import index_markdown, load_panel, panel_names
from neurolab_snn.gallery.scripts import SCRIPTS, script_main


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
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_protocol_script_quick(name, tmp_path):
    out = script_main(name, ["--out", str(tmp_path), "--quick"])
    assert out["numbers"]
    assert list(tmp_path.glob("*.png")) and list(tmp_path.glob("*.json"))


def test_index_lists_every_panel():
    text = index_markdown()
    for name in panel_names():
        assert f"neurolab_snn/gallery/panels/{name}.py" in text


def test_gallery_skips_a_job_whose_extra_is_missing(tmp_path, monkeypatch):
    """A panel needing a missing optional module is skipped with the extra named, not failed."""
    import neurolab_snn.gallery as gallery
    from neurolab_snn.gallery import index

    class FakePanel:
        PANEL = {"title": "t", "source": "s"}

        @staticmethod
        def make_panel(out_dir, quick=False):
            raise ModuleNotFoundError("No module named 'efel'", name="efel")

    monkeypatch.setattr(index, "load_panel", lambda name: FakePanel)
    summary = gallery.run_gallery(tmp_path, quick=True, only=["surrogates"])
    assert summary["panel:surrogates"] == {
        "skipped": "needs efel (pip install 'neurolab_snn[data]')"}
    assert json.loads((tmp_path / "summary.json").read_text())["numbers"]["panel:surrogates"]


def test_gallery_reraises_a_missing_required_module(tmp_path, monkeypatch):
    import neurolab_snn.gallery as gallery
    from neurolab_snn.gallery import index

    class FakePanel:
        @staticmethod
        def make_panel(out_dir, quick=False):
            raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(index, "load_panel", lambda name: FakePanel)
    with pytest.raises(ModuleNotFoundError):
        gallery.run_gallery(tmp_path, quick=True, only=["surrogates"])


def test_summary_table_takes_non_string_keys(capsys):
    """Panels may return numbers keyed by floats (e.g. per dt); the table prints them."""
    from neurolab_snn.gallery import print_summary

    print_summary({"panel:x": {"error_ms": {0.4: 0.2256, 0.2: 0.1064}}}, {"panel:x": 1.0})
    out = capsys.readouterr().out
    assert "error_ms.0.4=0.2256" in out and "error_ms.0.2=0.1064" in out
