"""GIF fitting on current-clamp recordings (layer L4; Pozzorini et al. 2015, PLOS Comput Biol).

Stages: :mod:`.io` (neo / arrays), :mod:`.aec` (electrode compensation),
:mod:`.spikes` (detection), :mod:`.subthreshold` (reset, C, g_L, E_L, eta),
:mod:`.threshold` (V_T*, DeltaV, gamma by maximum likelihood), :mod:`.evaluation`
(variance explained, Md*), :mod:`.diagnostics` (when a fit is not to be trusted),
:mod:`.pipeline` (``fit_gif``, save/load of the fitted model); :mod:`.episodes`
(command-line file lists to sweeps);
:mod:`.basis` (the discrete GIF the fit assumes, matched to Brian2), :mod:`.synthetic`
(recordings made by the package's GIF), :mod:`.report` (arrays behind the panels).
"""
from .aec import AECSettings, ElectrodeKernel, compensate, fit_electrode_kernel
from .diagnostics import Diagnostic
from .evaluation import Prediction, md_star
from .io import Sweep, read_sweep, read_sweeps, sweep_from_arrays
from .pipeline import GIFFitResult, fit_gif, load_fitted_gif, save_fitted_gif
from .settings import GIFFitSettings
from .spikes import SpikeDetection, detect_spikes

__all__ = ["AECSettings", "Diagnostic", "ElectrodeKernel", "GIFFitResult", "GIFFitSettings",
           "Prediction", "SpikeDetection", "Sweep", "compensate", "detect_spikes",
           "fit_electrode_kernel", "fit_gif", "load_fitted_gif", "md_star", "read_sweep",
           "read_sweeps", "save_fitted_gif", "sweep_from_arrays"]
