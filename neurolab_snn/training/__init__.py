"""Training (layer L4): surrogate-gradient training of Brian2 networks.

Forward in Brian2 (:mod:`.brian`), backward by the discrete adjoint
(:mod:`.adjoint`) derived symbolically from the model equations
(:mod:`.discrete`); surrogates (:mod:`.surrogates`), spike-based losses with
analytic gradients (:mod:`.losses`), optimisers and constraints (:mod:`.optim`),
the training loop (:mod:`.trainer`), tasks (:mod:`.tasks`) and ready-made
networks (:mod:`.recipes`).
"""
from .adjoint import backward, first_spike_times, first_spike_vjp, trace_from_recording
from .brian import FORWARD_BACKENDS, BatchedNetwork, BrianForward
from .discrete import DiscreteModel
from .losses import (CECount, CEMaxMembrane, CERate, CETemporal, L1Rate, L2Rate, MSECount,
                     MSETemporal, VanRossum, ce_count_loss, ce_max_membrane_loss, ce_rate_loss,
                     ce_temporal_loss, l1_rate_sparsity, mse_count_loss, mse_temporal_loss)
from .network import Layer, NetworkSpec, Trace, TrainableNetwork
from .optim import SGD, Adam, Constraints, ConstantLR, CosineLR, StepLR
from .surrogates import (ATan, Custom, FastSigmoid, Sigmoid, StraightThrough, SuperSpike,
                         Surrogate, Triangle, get_surrogate)
from .tasks import DigitsTask, DMSTask, load_digits_split, load_mnist_idx, write_idx
from .trainer import Trainer, TrainingDiverged, TrainResult, TrainSettings, evaluate_on_backend

__all__ = ["CERate", "CECount", "MSECount", "CETemporal", "MSETemporal", "CEMaxMembrane",
           "VanRossum", "L1Rate", "L2Rate", "ce_rate_loss", "ce_count_loss", "mse_count_loss",
           "ce_temporal_loss", "mse_temporal_loss", "ce_max_membrane_loss", "l1_rate_sparsity",
           "Surrogate", "Sigmoid", "FastSigmoid", "SuperSpike", "ATan", "Triangle",
           "StraightThrough", "Custom", "get_surrogate", "DiscreteModel", "Layer",
           "NetworkSpec", "TrainableNetwork", "Trace", "BatchedNetwork", "BrianForward",
           "backward", "trace_from_recording", "first_spike_times", "first_spike_vjp",
           "Adam", "SGD", "ConstantLR", "StepLR", "CosineLR", "Constraints", "Trainer",
           "TrainSettings", "TrainResult", "TrainingDiverged", "DigitsTask", "DMSTask",
           "load_digits_split", "load_mnist_idx", "write_idx", "evaluate_on_backend",
           "FORWARD_BACKENDS"]
