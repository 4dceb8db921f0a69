"""Analysis: pure functions on Recordings and arrays (layer L4)."""
from .single_neuron import (action_potential_features, adaptation_index, count_rates,
                            first_spike_latency, lif_rate, rheobase, steady_rates)
from .steps import StepProtocolAnalysis, analyze_steps, detect_spikes, detect_step

__all__ = ["action_potential_features", "adaptation_index", "count_rates",
           "first_spike_latency", "lif_rate", "rheobase", "steady_rates",
           "StepProtocolAnalysis", "analyze_steps", "detect_spikes", "detect_step"]
