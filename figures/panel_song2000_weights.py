"""Figure panel ``song2000_weights``: defined in :mod:`neurolab_snn.gallery.panels.song2000_weights`."""
from neurolab_snn.gallery.panels.song2000_weights import main

if __name__ == "__main__":
    main()
