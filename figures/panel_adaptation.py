"""Figure panel ``adaptation``: defined in :mod:`neurolab_snn.gallery.panels.adaptation`."""
from neurolab_snn.gallery.panels.adaptation import main

if __name__ == "__main__":
    main()
