"""Write a protocol's outputs: its JSON and its PNG panels (layer L5).

Modules of this package define ``PLOTS = {"protocol-name": plot_function}``
where ``plot_function(result) -> dict[str, matplotlib Figure]`` maps a panel
suffix to a figure.  :func:`write_protocol_outputs` writes
``<out>/<protocol>.json`` and ``<out>/<protocol>_<suffix>.png`` atomically.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ..experiment.result import ProtocolResult  # noqa: E402
from ..files import save_figure, write_json  # noqa: E402


def plotters() -> dict:
    """All protocol plot functions by protocol name (from ``PLOTS`` dicts)."""
    from .. import plotting

    found = {}
    for info in sorted(pkgutil.iter_modules(plotting.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{plotting.__name__}.{info.name}")
        found.update(getattr(module, "PLOTS", {}))
    return found


def write_protocol_outputs(result: ProtocolResult, out_dir) -> list[Path]:
    """Write ``<protocol>.json`` and the protocol's PNG panels into *out_dir*."""
    out_dir = Path(out_dir)
    slug = result.protocol.replace("-", "_")
    figures = plotters().get(result.protocol, lambda r: {})(result)
    written = [save_figure(fig, out_dir / f"{slug}_{suffix}.png")
               for suffix, fig in figures.items()]
    written.append(write_json(out_dir / f"{slug}.json", result.to_json()))
    return written
