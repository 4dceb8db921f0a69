"""Figure panel ``rate_definitions``: defined in :mod:`neurolab_snn.gallery.panels.rate_definitions`."""
from neurolab_snn.gallery.panels.rate_definitions import main

if __name__ == "__main__":
    main()
