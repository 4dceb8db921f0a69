"""Figure panel ``delta_modulation``: defined in :mod:`neurolab_snn.gallery.panels.delta_modulation`."""
from neurolab_snn.gallery.panels.delta_modulation import main

if __name__ == "__main__":
    main()
