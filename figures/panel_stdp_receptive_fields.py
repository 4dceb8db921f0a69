"""Figure panel ``stdp_receptive_fields``: defined in :mod:`neurolab_snn.gallery.panels.stdp_receptive_fields`."""
from neurolab_snn.gallery.panels.stdp_receptive_fields import main

if __name__ == "__main__":
    main()
