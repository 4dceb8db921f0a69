"""Protocol script: ``gif-fit`` (see neurolab_snn.experiment.gif_fit_protocol).

Fits a GIF to the example recording of Pozzorini et al. (2015) when it is under
the data path (train: first 12 s of 9 repetitions, test: last 8 s), otherwise
to a synthetic recording made by the package's GIF, and writes
``gif_fit.json`` and the ``gif_fit_*.png`` panels.

    python protocols/gif_fit.py [--seed S] [--out DIR] [--quick]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from protocols._common import protocol_main  # noqa: E402


def main(argv=None) -> dict:
    """Run ``gif-fit`` and write its JSON and PNG panels."""
    return protocol_main("gif-fit", argv)


if __name__ == "__main__":
    main()
