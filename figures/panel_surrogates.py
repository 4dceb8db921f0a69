"""Figure panel ``surrogates``: defined in :mod:`neurolab_snn.gallery.panels.surrogates`."""
from neurolab_snn.gallery.panels.surrogates import main

if __name__ == "__main__":
    main()
