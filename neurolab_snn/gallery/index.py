"""Index of the figure panels: every module of :mod:`neurolab_snn.gallery.panels` is one panel.

A panel module defines

* ``PANEL``: a dict with ``title``, ``source`` (paper or seed figure it reproduces)
  and ``issue`` (the capability it illustrates);
* ``make_panel(out_dir, quick=False) -> dict``: writes ``<name>.png`` and
  ``<name>.json`` into *out_dir* and returns the key numbers (also in the JSON);
* ``main(argv=None)`` (via :func:`neurolab_snn.gallery.scripts.panel_main`) to run it alone;
  ``figures/panel_<name>.py`` in the source tree calls it.
"""
from __future__ import annotations

import importlib
import pkgutil

from . import panels

__all__ = ["panel_names", "load_panel", "index_markdown"]


def panel_names() -> list[str]:
    """Names of all panel modules, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(panels.__path__) if not m.name.startswith("_"))


def load_panel(name: str):
    """Import the module of panel *name*."""
    names = panel_names()
    if name not in names:
        raise KeyError(f"figure panel {name!r} is unknown; expected one of {names}")
    return importlib.import_module(f"{panels.__name__}.{name}")


def index_markdown() -> str:
    """A markdown table of every panel with its source and definition."""
    rows = ["| panel | what it shows | source | definition |", "|---|---|---|---|"]
    for name in panel_names():
        info = load_panel(name).PANEL
        rows.append(f"| `{name}` | {info['title']} | {info['source']} | "
                    f"`neurolab_snn/gallery/panels/{name}.py` |")
    return "\n".join(rows) + "\n"
