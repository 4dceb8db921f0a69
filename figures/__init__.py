"""Figure-panel scripts of neurolab_snn (see :mod:`figures.index`)."""
