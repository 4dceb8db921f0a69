"""Figure panel ``training_curves``: defined in :mod:`neurolab_snn.gallery.panels.training_curves`."""
from neurolab_snn.gallery.panels.training_curves import main

if __name__ == "__main__":
    main()
