"""Protocol script: ``fi-curve`` (see neurolab_snn.experiment.single_neuron)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from protocols._common import protocol_main  # noqa: E402


def main(argv=None) -> dict:
    """Run ``fi-curve`` and write its JSON and PNG panels."""
    return protocol_main("fi-curve", argv)


if __name__ == "__main__":
    main()
