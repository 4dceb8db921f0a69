"""Figure panel ``dms_trials``: defined in :mod:`neurolab_snn.gallery.panels.dms_trials`."""
from neurolab_snn.gallery.panels.dms_trials import main

if __name__ == "__main__":
    main()
