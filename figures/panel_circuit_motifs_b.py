"""Figure panel ``circuit_motifs_b``: defined in :mod:`neurolab_snn.gallery.panels.circuit_motifs_b`."""
from neurolab_snn.gallery.panels.circuit_motifs_b import main

if __name__ == "__main__":
    main()
