"""Index of the figure panels: every ``figures/panel_*.py`` module is one panel.

A panel module defines

* ``PANEL``: a dict with ``title``, ``source`` (paper or seed figure it reproduces)
  and ``issue`` (the capability it illustrates);
* ``make_panel(out_dir, quick=False) -> dict``: writes ``<name>.png`` and
  ``<name>.json`` into *out_dir* and returns the key numbers (also in the JSON);
* ``main(argv=None)`` (via :func:`figures._common.panel_main`) to run it alone.

Run ``python -m figures.index`` (or ``neurolab figures``) to regenerate all panels.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def panel_names() -> list[str]:
    """Names of all panel modules, sorted (``panel_fi_curves`` -> ``fi_curves``)."""
    return sorted(p.stem[len("panel_"):] for p in HERE.glob("panel_*.py"))


def load_panel(name: str):
    """Import the module of panel *name*."""
    if str(HERE.parent) not in sys.path:
        sys.path.insert(0, str(HERE.parent))
    if name not in panel_names():
        raise KeyError(f"figure panel {name!r} is unknown; expected one of {panel_names()}")
    return importlib.import_module(f"figures.panel_{name}")


def index_markdown() -> str:
    """A markdown table of every panel with its source and script."""
    rows = ["| panel | what it shows | source | script |", "|---|---|---|---|"]
    for name in panel_names():
        info = load_panel(name).PANEL
        rows.append(f"| `{name}` | {info['title']} | {info['source']} | `figures/panel_{name}.py` |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(index_markdown())
