"""Figure panel ``circuit_motifs_a``: defined in :mod:`neurolab_snn.gallery.panels.circuit_motifs_a`."""
from neurolab_snn.gallery.panels.circuit_motifs_a import main

if __name__ == "__main__":
    main()
