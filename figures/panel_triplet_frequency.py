"""Figure panel ``triplet_frequency``: defined in :mod:`neurolab_snn.gallery.panels.triplet_frequency`."""
from neurolab_snn.gallery.panels.triplet_frequency import main

if __name__ == "__main__":
    main()
