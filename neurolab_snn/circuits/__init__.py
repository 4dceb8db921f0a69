"""Circuits (layer L2): populations and projections built into explicit Brian2 networks.

* :class:`Circuit` - populations + projections + seed; ``build_network(dt)``
  for :func:`neurolab_snn.sim.simulate`; groups, synapses, monitors by name;
  ``a + b`` composes.
* Specs: :class:`Population`, :class:`PoissonSource`, :class:`SpikeSource`,
  :class:`Projection`; connectivity rules :class:`AllToAll`, :class:`OneToOne`,
  :class:`Probability`, :class:`FanIn`, :class:`FanOut`, :class:`Gaussian`,
  :class:`Explicit`, :class:`Blocks`.
* Motifs (:mod:`.motifs`): :func:`feedforward_excitation`,
  :func:`feedforward_inhibition`, :func:`feedback_inhibition`,
  :func:`lateral_inhibition`.
"""
from .circuit import Circuit, Projection, compose
from .connectivity import (AllToAll, Blocks, Connectivity, Explicit, FanIn, FanOut, Gaussian,
                           OneToOne, Probability)
from .motifs import (feedback_inhibition, feedforward_excitation, feedforward_inhibition,
                     lateral_inhibition)
from .populations import PoissonSource, Population, SpikeSource, Uniform

__all__ = ["Circuit", "Projection", "compose", "Population", "PoissonSource", "SpikeSource",
           "Uniform", "Connectivity", "AllToAll", "OneToOne", "Probability", "FanIn", "FanOut",
           "Gaussian", "Explicit", "Blocks", "feedforward_excitation", "feedforward_inhibition",
           "feedback_inhibition", "lateral_inhibition"]
