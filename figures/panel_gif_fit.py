"""Figure panel ``gif_fit``: defined in :mod:`neurolab_snn.gallery.panels.gif_fit`."""
from neurolab_snn.gallery.panels.gif_fit import main

if __name__ == "__main__":
    main()
