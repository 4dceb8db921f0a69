"""Figure panel ``superspike_feedback``: defined in
:mod:`neurolab_snn.gallery.panels.superspike_feedback`."""
from neurolab_snn.gallery.panels.superspike_feedback import main

if __name__ == "__main__":
    main()
