"""Protocol script: ``train-dms`` (see neurolab_snn.experiment.training_protocols)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from neurolab_snn.plotting.training import training_protocol_main  # noqa: E402


def main(argv=None) -> dict:
    """Train the delayed match-to-sample network and write its JSON and PNG panels."""
    return training_protocol_main("train-dms", argv)


if __name__ == "__main__":
    main()
