"""Figure panel ``fi_curves``: defined in :mod:`neurolab_snn.gallery.panels.fi_curves`."""
from neurolab_snn.gallery.panels.fi_curves import main

if __name__ == "__main__":
    main()
