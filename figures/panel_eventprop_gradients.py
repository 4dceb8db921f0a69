"""Figure panel ``eventprop_gradients``: defined in :mod:`neurolab_snn.gallery.panels.eventprop_gradients`."""
from neurolab_snn.gallery.panels.eventprop_gradients import main

if __name__ == "__main__":
    main()
