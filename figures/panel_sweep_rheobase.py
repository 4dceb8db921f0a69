"""Figure panel ``sweep_rheobase``: defined in :mod:`neurolab_snn.gallery.panels.sweep_rheobase`."""
from neurolab_snn.gallery.panels.sweep_rheobase import main

if __name__ == "__main__":
    main()
