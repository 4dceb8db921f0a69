"""Figure panel ``lif_rc``: defined in :mod:`neurolab_snn.gallery.panels.lif_rc`."""
from neurolab_snn.gallery.panels.lif_rc import main

if __name__ == "__main__":
    main()
