"""Simulation backends and ``simulate`` (layer L3)."""
from .devices import BACKENDS, active_device, check_backend, scoped_prefs
from ..built_network import BuiltNetwork
from .network import CurrentInput, SinglePopulation
from .simulate import simulate
from .standalone import StandaloneSimulation

__all__ = ["BACKENDS", "BuiltNetwork", "CurrentInput", "SinglePopulation", "StandaloneSimulation",
           "active_device", "check_backend", "scoped_prefs", "simulate"]
