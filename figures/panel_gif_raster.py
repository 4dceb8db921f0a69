"""Figure panel ``gif_raster``: defined in :mod:`neurolab_snn.gallery.panels.gif_raster`."""
from neurolab_snn.gallery.panels.gif_raster import main

if __name__ == "__main__":
    main()
