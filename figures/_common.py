"""Shared command line for panel scripts: ``python figures/panel_x.py [--out DIR] [--quick]``."""
from __future__ import annotations

import argparse
from pathlib import Path


def panel_main(make_panel, argv=None, default_out: str = "results/figures") -> dict:
    """Parse ``--out`` and ``--quick`` and call ``make_panel(out_dir, quick)``."""
    parser = argparse.ArgumentParser(description=(make_panel.__doc__ or "").strip().splitlines()[0]
                                     if make_panel.__doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(default_out), help="output folder")
    parser.add_argument("--quick", action="store_true", help="short runs for a smoke test")
    args = parser.parse_args(argv)
    numbers = make_panel(args.out, quick=args.quick)
    for key, value in numbers.items():
        print(f"{key}: {value}")
    return numbers
