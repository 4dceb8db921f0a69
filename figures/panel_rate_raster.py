"""Figure panel ``rate_raster``: defined in :mod:`neurolab_snn.gallery.panels.rate_raster`."""
from neurolab_snn.gallery.panels.rate_raster import main

if __name__ == "__main__":
    main()
