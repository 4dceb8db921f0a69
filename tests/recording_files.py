"""Small synthetic patch-clamp files for command-line tests (not a test module).

:func:`write_recording` simulates a leaky integrate-and-fire neuron with plain
numpy (forward Euler at 10 kHz, no Brian2, well under a second) and writes each
voltage and current channel as a neo pickle file, the form ``neurolab fit-gif``
reads. The recovery of parameters is tested elsewhere (tests/fitting, on the
package's GIF); these files only need to be a valid recording that spikes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

DT = 1e-4                     # s (10 kHz)


def _current(n: int, mean: float, sigma: float, rng, tau: float = 3e-3) -> np.ndarray:
    """Ornstein-Uhlenbeck current (A) with mean *mean* and standard deviation *sigma*."""
    a = np.exp(-DT / tau)
    noise = rng.standard_normal(n) * sigma * np.sqrt(1 - a * a)
    x = np.empty(n)
    x[0] = 0.0
    for k in range(1, n):
        x[k] = a * x[k - 1] + noise[k]
    return mean + x


def _lif(i: np.ndarray, C=200e-12, g_L=10e-9, E_L=-70e-3, V_th=-50e-3, V_reset=-55e-3,
         t_ref=3e-3, peak=30e-3) -> np.ndarray:
    """Membrane potential (V) of an LIF driven by *i*, the spike drawn as one sample at *peak*."""
    v = np.empty_like(i)
    x, hold = E_L, 0
    n_ref = int(round(t_ref / DT))
    for k in range(i.size):
        if hold > 0:
            hold -= 1
            x = V_reset
            v[k] = x
            continue
        x += DT * (g_L * (E_L - x) + i[k]) / C
        if x > V_th:
            v[k], x, hold = peak, V_reset, n_ref
        else:
            v[k] = x
    return v


def _save(path: Path, values, units: str) -> str:
    import neo
    import quantities as pq

    block, seg = neo.Block(), neo.Segment()
    seg.analogsignals.append(neo.AnalogSignal(np.asarray(values)[:, None],
                                              units=getattr(pq, units),
                                              sampling_rate=(1 / DT) * pq.Hz))
    block.segments.append(seg)
    neo.io.PickleIO(str(path)).write_block(block)
    return str(path)


def write_recording(folder, *, n_sweeps: int = 3, duration: float = 3.0,
                    calibration: float = 2.0, seed: int = 0) -> dict:
    """Write ``cal_v.pkl``/``cal_i.pkl`` and ``rep<k>_v.pkl``/``rep<k>_i.pkl`` into *folder*.

    The repetitions share one frozen current (mean 260 pA, sd 120 pA) and each
    adds its own small noise, so they spike in nearly the same places; the
    calibration sweep (zero mean, sd 30 pA) stays below threshold. Returns
    ``{'calibration': [V, I], 'sweeps': [V0, I0, V1, I1, ...]}`` (paths as str).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    i_cal = _current(int(calibration / DT), 0.0, 30e-12, rng)
    out = {"calibration": [_save(folder / "cal_v.pkl", _lif(i_cal) * 1e3, "mV"),
                           _save(folder / "cal_i.pkl", i_cal * 1e12, "pA")], "sweeps": []}
    frozen = _current(int(duration / DT), 260e-12, 120e-12, rng)
    for k in range(n_sweeps):
        i = frozen + _current(frozen.size, 0.0, 20e-12, rng)
        out["sweeps"] += [_save(folder / f"rep{k}_v.pkl", _lif(i) * 1e3, "mV"),
                          _save(folder / f"rep{k}_i.pkl", i * 1e12, "pA")]
    return out
