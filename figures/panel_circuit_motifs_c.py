"""Figure panel ``circuit_motifs_c``: defined in :mod:`neurolab_snn.gallery.panels.circuit_motifs_c`."""
from neurolab_snn.gallery.panels.circuit_motifs_c import main

if __name__ == "__main__":
    main()
