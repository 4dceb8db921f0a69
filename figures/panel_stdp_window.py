"""Figure panel ``stdp_window``: defined in :mod:`neurolab_snn.gallery.panels.stdp_window`."""
from neurolab_snn.gallery.panels.stdp_window import main

if __name__ == "__main__":
    main()
