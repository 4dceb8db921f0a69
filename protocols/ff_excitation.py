"""Protocol script: ``ff-excitation`` (see neurolab_snn.experiment).

``python protocols/ff_excitation.py [--model M] [--backend B] [--seed S] [--out DIR] [--quick]``
writes ``<out>/ff_excitation.json`` and its PNG panels and prints the key numbers.  With ``--quick``
and no ``--backend`` it runs the numpy backend (a smoke test without Cython compilation,
as the figure panels do).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from protocols._common import protocol_main  # noqa: E402


def main(argv=None) -> dict:
    """Run ``ff-excitation`` and write its JSON and PNG panels."""
    return protocol_main("ff-excitation", argv, quick_backend="numpy")


if __name__ == "__main__":
    main()
