"""Figure panel ``hh_action_potential``: defined in :mod:`neurolab_snn.gallery.panels.hh_action_potential`."""
from neurolab_snn.gallery.panels.hh_action_potential import main

if __name__ == "__main__":
    main()
