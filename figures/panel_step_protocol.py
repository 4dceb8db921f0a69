"""Figure panel ``step_protocol``: defined in :mod:`neurolab_snn.gallery.panels.step_protocol`."""
from neurolab_snn.gallery.panels.step_protocol import main

if __name__ == "__main__":
    main()
