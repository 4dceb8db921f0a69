"""Figure panel ``adex_gradient_fit``: defined in :mod:`neurolab_snn.gallery.panels.adex_gradient_fit`."""
from neurolab_snn.gallery.panels.adex_gradient_fit import main

if __name__ == "__main__":
    main()
