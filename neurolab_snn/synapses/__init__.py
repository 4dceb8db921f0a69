"""Synapse specs (layer L1): static kinetics and plasticity rules, as frozen dataclasses.

Static synapses (:mod:`.kinetics`): :class:`CurrentSynapse` (instantaneous,
exponential, alpha current) and :class:`ConductanceSynapse` (exponential
conductance), each with a weight in units and a transmission delay.
Plasticity (:mod:`.stdp`): :class:`PairSTDP` (additive, multiplicative,
Gütig; all-to-all or nearest-neighbour pairing) and :class:`TripletSTDP`
(Pfister & Gerstner 2006).  The specs are data; :mod:`neurolab_snn.circuits`
builds the Brian2 ``Synapses``.
"""
from .kinetics import SYNAPSE_KINDS, ChannelCode, ConductanceSynapse, CurrentSynapse
from .stdp import (PAIRINGS, TRIPLET_TABLE4, WEIGHT_DEPENDENCES, PairSTDP, PlasticityCode,
                   TripletSTDP)

__all__ = ["CurrentSynapse", "ConductanceSynapse", "ChannelCode", "SYNAPSE_KINDS",
           "PairSTDP", "TripletSTDP", "PlasticityCode", "PAIRINGS", "WEIGHT_DEPENDENCES",
           "TRIPLET_TABLE4"]
