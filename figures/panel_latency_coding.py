"""Figure panel ``latency_coding``: defined in :mod:`neurolab_snn.gallery.panels.latency_coding`."""
from neurolab_snn.gallery.panels.latency_coding import main

if __name__ == "__main__":
    main()
