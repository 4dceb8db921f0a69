"""Figure panel ``training_rasters``: defined in :mod:`neurolab_snn.gallery.panels.training_rasters`."""
from neurolab_snn.gallery.panels.training_rasters import main

if __name__ == "__main__":
    main()
