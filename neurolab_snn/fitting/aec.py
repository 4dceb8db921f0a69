"""Active electrode compensation (Badel et al. 2008; Pozzorini et al. 2015) (layer L4).

With a single electrode both injecting the current and recording the voltage,
the recorded signal is the membrane voltage plus the electrode's response,

    V_rec(t) = V(t) + (K_e * I)(t),                                        (1)

with a short electrode kernel K_e (a few ms).  On a subthreshold calibration
sweep (Badel et al. 2008, J Neurophysiol 99:656; Pozzorini et al. 2015,
PLOS Comput Biol 11:e1004275, Eqs. 11-15):

1. The optimal linear filter K_opt from the current to the recorded voltage is
   fitted by least squares on mean-subtracted signals,
   V_rec(t) - <V_rec> = sum_l k_l (rect_l * (I - <I>))(t), with rectangular
   basis functions rect_l of width dt over the first ``clamp_period`` and
   log-spaced widths (growing as dt e^{n/slope}, at most ``bin_max``) up to
   ``length`` (150 ms).
2. K_opt is the sum of the membrane filter, a slow exponential, and the fast
   electrode filter.  A single exponential b e^{-t/tau} is fitted to K_opt on
   ``exp_fit_range`` (the tail, 3-150 ms) and K_e = (K_opt - b e^{-t/tau}) on
   [0, ``electrode_length``] (7 ms).
3. V(t) = V_rec(t) - dt sum_k K_e[k] I(t - k dt).

One departure from the toolbox, for consistency with the fitted model: the GIF
is integrated with the current sample I[k] held over [k dt, (k+1) dt) (Brian2's
exponential Euler, :mod:`.basis`), so the membrane's sampled response to I[k]
starts at sample k+1; its lag-0 value is zero.  The exponential is therefore
subtracted from K_opt at lags >= 1 only, and whatever V_rec does at lag 0 is
attributed to the electrode.  (On synthetic data made by the package's GIF
this recovers R_e exactly; subtracting b at lag 0 biases it by b dt = dt/C.)

The toolbox averages K_opt over 15 bootstrap resamples of 80 % of the points;
this module solves the one least-squares problem on all points, the estimate
that bootstrap average approximates.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import curve_fit
from scipy.signal import lfilter

from ..units import Quantity, check_quantity, ms, second, to_si
from .io import Sweep
from .spikes import SpikeDetection, detect_spike_indices

__all__ = ["AECSettings", "ElectrodeKernel", "fit_electrode_kernel", "compensate"]


@dataclass(frozen=True)
class AECSettings:
    """Meta-parameters of the electrode compensation (toolbox example values).

    Parameters
    ----------
    length : Quantity
        Length of the optimal linear filter K_opt (150 ms).
    clamp_period : Quantity
        Initial period covered by bins one sample wide (1 ms).
    bin_max : Quantity
        Largest bin width of K_opt (2 ms).
    slope : float
        Log-spacing of the bin widths: width_n = dt e^{n/slope} (30).
    exp_fit_range : tuple of Quantity
        Window of K_opt fitted by the exponential membrane filter (3 ms, 150 ms).
    electrode_length : Quantity
        Length of the electrode kernel K_e (7 ms).
    spike_check : SpikeDetection
        Detector applied to the calibration sweep, which must contain no spike.
    """

    length: Quantity = field(default_factory=lambda: 150 * ms)
    clamp_period: Quantity = field(default_factory=lambda: 1 * ms)
    bin_max: Quantity = field(default_factory=lambda: 2 * ms)
    slope: float = 30.0
    exp_fit_range: tuple = field(default_factory=lambda: (3 * ms, 150 * ms))
    electrode_length: Quantity = field(default_factory=lambda: 7 * ms)
    spike_check: SpikeDetection = field(default_factory=SpikeDetection)

    def __post_init__(self):
        for name in ("length", "clamp_period", "bin_max", "electrode_length"):
            check_quantity(f"AECSettings.{name}", getattr(self, name), second, positive=True)
        if not self.slope > 0:
            raise ValueError(f"AECSettings.slope={self.slope!r}; expected a positive number")
        lo, hi = self.exp_fit_range
        check_quantity("AECSettings.exp_fit_range[0]", lo, second, nonnegative=True)
        check_quantity("AECSettings.exp_fit_range[1]", hi, second, positive=True)
        if not to_si(lo) < to_si(hi) <= to_si(self.length):
            raise ValueError(f"AECSettings.exp_fit_range={self.exp_fit_range!r}; expected "
                             f"start < stop <= length ({self.length!r})")
        if to_si(self.electrode_length) > to_si(self.length):
            raise ValueError(f"AECSettings.electrode_length={self.electrode_length!r}; expected "
                             f"at most length ({self.length!r})")


@dataclass(frozen=True)
class ElectrodeKernel:
    """Result of the electrode compensation fit (float64 SI).

    Attributes
    ----------
    kernel : ndarray
        Electrode kernel K_e (ohm/s), one value per sample of width ``dt``.
    dt : float
        Sampling interval (s).
    k_opt : ndarray
        Optimal linear filter K_opt (ohm/s), one value per sample up to ``length``.
    membrane_amplitude, membrane_tau : float
        Exponential fitted to the tail of K_opt: b e^{-t/tau} (ohm/s, s).
    """

    kernel: np.ndarray
    dt: float
    k_opt: np.ndarray
    membrane_amplitude: float
    membrane_tau: float

    @property
    def resistance(self) -> float:
        """Electrode resistance R_e = integral of K_e (ohm)."""
        return float(np.sum(self.kernel) * self.dt)

    def time(self) -> np.ndarray:
        """Sample times (s) of ``k_opt`` (``kernel`` uses the first ``kernel.size``)."""
        return np.arange(self.k_opt.size) * self.dt


def _bin_edges(dt: float, settings: AECSettings) -> np.ndarray:
    """Sample indices of the rectangular basis edges of K_opt (toolbox's log spacing)."""
    length, clamp = to_si(settings.length), to_si(settings.clamp_period)
    ub = to_si(settings.bin_max)
    edges = [0.0]
    total = 0.0
    for _ in range(int(round(clamp / dt))):
        total += dt
        edges.append(total)
    n = 1
    while total <= length:
        total += min(dt * np.exp(n / settings.slope), ub)
        edges.append(total)
        n += 1
    idx = np.unique(np.floor(np.asarray(edges) / dt + 1e-9).astype(np.int64))
    return idx


def _basis_matrix(x: np.ndarray, edges: np.ndarray, dt: float, r0: int, r1: int) -> np.ndarray:
    """Rows t in [r0, r1) of the columns dt * sum_{k in [e_l, e_{l+1})} x[t - k] (r0 >= e_max).

    Used by the tests to check :func:`_normal_equations` against the direct product.
    """
    csum = np.concatenate(([0.0], np.cumsum(x)))  # csum[j] = sum x[:j]
    X = np.empty((r1 - r0, edges.size - 1))
    for col, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
        # sum_{k=a}^{b-1} x[t-k] = csum[t-a+1] - csum[t-b+1]
        np.subtract(csum[r0 - a + 1:r1 - a + 1], csum[r0 - b + 1:r1 - b + 1], out=X[:, col])
    X *= dt
    return X


def _normal_equations(x: np.ndarray, y: np.ndarray, edges: np.ndarray, dt: float, r0: int,
                      r1: int) -> tuple[np.ndarray, np.ndarray]:
    """X^T X and X^T y of the basis regression, exactly, without building X.

    X[t, l] = dt sum_{k in bin l} x[t-k] for rows t in [r0, r1) is a binned
    lag matrix, so X^T X sums the lag Gram matrix G[k, k'] = sum_t x[t-k] x[t-k']
    (k, k' < L = e_max) over bins.  G[0, d] is a cross-correlation (FFT) and
    G[k+1, k+1+d] - G[k, k+d] = x[r0-1-k] x[r0-1-k-d] - x[r1-1-k] x[r1-1-k-d],
    so G costs O(L^2) instead of the O(N L^2) of the direct product.
    """
    from scipy.signal import correlate

    L = int(edges[-1])
    seg = x[r0 - L + 1:r1]
    g0 = correlate(seg, x[r0:r1], mode="valid", method="fft")[::-1]      # g0[d] = G[0, d]
    xy = correlate(seg, y[r0:r1], mode="valid", method="fft")[::-1]      # xy[k] = sum x[t-k] y[t]
    j = np.arange(L)[:, None]
    d = np.arange(L)[None, :]
    head = np.clip(r0 - 1 - j - d, 0, None)
    tail = np.clip(r1 - 1 - j - d, 0, None)
    step = x[r0 - 1 - j] * x[head] - x[r1 - 1 - j] * x[tail]           # step[j, d]
    upper = np.empty((L, L))
    upper[0] = g0
    np.cumsum(step[:-1], axis=0, out=upper[1:])
    upper[1:] += g0                                                      # upper[k, d] = G[k, k+d]
    gram = upper[np.minimum(j, d), np.abs(j - d)]
    starts = edges[:-1]
    xtx = np.add.reduceat(np.add.reduceat(gram, starts, axis=0), starts, axis=1) * dt * dt
    xty = np.add.reduceat(xy, starts) * dt
    return xtx, xty


def _exp(t, b, tau):
    return b * np.exp(-t / tau)


def fit_electrode_kernel(calibration: Sweep, settings: AECSettings = AECSettings()
                         ) -> ElectrodeKernel:
    """Fit the electrode kernel K_e on a subthreshold calibration sweep (Eqs. 11-14).

    Raises
    ------
    ValueError
        The sweep has NaN samples or gaps, is shorter than twice the filter
        length, or contains spikes.
    """
    calibration.check_usable("calibration")
    dt = calibration.dt
    det = settings.spike_check
    spikes = detect_spike_indices(calibration.v, dt, to_si(det.threshold), to_si(det.lockout))
    if spikes.size:
        times = ", ".join(f"{k * dt:.4g}" for k in spikes[:5])
        raise ValueError(f"calibration sweep {calibration.source!r}: {spikes.size} spike(s) "
                         f"(V crosses {to_si(det.threshold) * 1e3:g} mV at t = {times} s); "
                         "expected a subthreshold sweep for electrode compensation")
    edges = _bin_edges(dt, settings)
    n_len = int(edges[-1])
    if calibration.n_samples < 2 * n_len:
        raise ValueError(f"calibration sweep {calibration.source!r}: {calibration.duration:g} s; "
                         f"expected at least twice the filter length ({2 * n_len * dt:g} s)")
    v = calibration.v - calibration.v.mean()
    i = calibration.i - calibration.i.mean()
    if not np.any(i != 0):
        raise ValueError(f"calibration sweep {calibration.source!r}: the current is constant; "
                         "expected a fluctuating current (e.g. coloured noise) for AEC")
    xtx, xty = _normal_equations(i, v, edges, dt, n_len, calibration.n_samples - 1)
    scale = np.sqrt(np.diag(xtx))
    scale[scale == 0] = 1.0
    coef = np.linalg.solve(xtx / np.outer(scale, scale), xty / scale) / scale
    k_opt = np.repeat(coef, np.diff(edges))[: int(round(to_si(settings.length) / dt))]
    t = np.arange(k_opt.size) * dt
    lo, hi = (int(round(to_si(x) / dt)) for x in settings.exp_fit_range)
    t_fit, k_fit = t[lo:hi], k_opt[lo:hi]
    positive = k_fit > 0
    if positive.sum() >= 2:  # log-linear start values
        slope, icpt = np.polyfit(t_fit[positive], np.log(k_fit[positive]), 1)
        p0 = (np.exp(icpt), -1.0 / slope if slope < 0 else 20e-3)
    else:
        p0 = (max(k_fit.max(), 1.0), 20e-3)
    try:
        (b, tau), _ = curve_fit(_exp, t_fit, k_fit, p0=p0, maxfev=10000)
    except RuntimeError as err:
        raise ValueError(f"calibration sweep {calibration.source!r}: the exponential fit of the "
                         f"membrane filter did not converge ({err}); expected a calibration "
                         "sweep of a passive, subthreshold response") from err
    n_e = int(round(to_si(settings.electrode_length) / dt))
    membrane = _exp(t, b, tau)
    membrane[0] = 0.0  # sampled membrane: I[k] acts on V from sample k+1 on (see module notes)
    kernel = (k_opt - membrane)[:n_e]
    return ElectrodeKernel(kernel=kernel, dt=dt, k_opt=k_opt, membrane_amplitude=float(b),
                           membrane_tau=float(tau))


def compensate(sweep: Sweep, kernel: ElectrodeKernel) -> Sweep:
    """The sweep with its voltage compensated: V = V_rec - K_e * I (Eq. 15).

    Raises a ``ValueError`` if the sweep's sampling interval differs from the kernel's.
    """
    if not np.isclose(sweep.dt, kernel.dt, rtol=1e-9):
        raise ValueError(f"sweep {sweep.source!r} is sampled at {1 / sweep.dt:.6g} Hz but the "
                         f"electrode kernel at {1 / kernel.dt:.6g} Hz; expected the same rate")
    current = np.nan_to_num(sweep.i)
    v = sweep.v - lfilter(kernel.kernel * kernel.dt, [1.0], current)
    return replace(sweep, v=v, nan_segments=sweep.nan_segments)
