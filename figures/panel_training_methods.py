"""Figure panel ``training_methods``: defined in :mod:`neurolab_snn.gallery.panels.training_methods`."""
from neurolab_snn.gallery.panels.training_methods import main

if __name__ == "__main__":
    main()
