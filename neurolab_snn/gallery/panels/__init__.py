"""Figure panels of the main job, one module each (see :mod:`neurolab_snn.gallery.index`)."""
