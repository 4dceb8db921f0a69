"""Training (layer L4): spike-based losses with analytic gradients (see :mod:`.losses`)."""
from .losses import (CECount, CEMaxMembrane, CERate, CETemporal, L1Rate, L2Rate, MSECount,
                     MSETemporal, VanRossum, ce_count_loss, ce_max_membrane_loss, ce_rate_loss,
                     ce_temporal_loss, l1_rate_sparsity, mse_count_loss, mse_temporal_loss)

__all__ = ["CERate", "CECount", "MSECount", "CETemporal", "MSETemporal", "CEMaxMembrane",
           "VanRossum", "L1Rate", "L2Rate", "ce_rate_loss", "ce_count_loss", "mse_count_loss",
           "ce_temporal_loss", "mse_temporal_loss", "ce_max_membrane_loss", "l1_rate_sparsity"]
