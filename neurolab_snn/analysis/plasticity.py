"""Plasticity analysis: STDP reference computations, weight statistics, STDP data (layer L4).

* :func:`replay_stdp` - the weight trajectory of one synapse under a rule of
  :mod:`neurolab_snn.synapses.stdp` for given pre/post spike times, computed
  event by event in numpy.  It is the numeric twin of the Brian2
  implementation (same traces, same update order: within one time step the
  presynaptic event is processed before the postsynaptic one), so tests
  hold the two to float64 precision.
* :func:`pair_window_sum` - closed form of the additive pair rule:
  ``Delta w = sum over pairs of A_+- exp(-|t_post - t_pre|/tau_+-)``
  (all-to-all, or nearest-neighbour pairs), valid while no bound is hit.
* :func:`pairing_trains` - the spike times of a pairing protocol (``n``
  pre/post pairs at frequency ``rho`` with offset ``Delta t``).
* :func:`weight_fractions` - fractions of weights near 0 and near ``w_max``.
* :data:`SJOSTROM2001` and :func:`normalized_error` - the frequency
  dependence of STDP in rat visual cortex L5 (Sjöström, Turrigiano & Nelson
  2001, Neuron 32:1149, Fig. 1D/7) as tabulated for the fits of Pfister &
  Gerstner (2006, J Neurosci 26:9673, Fig. 6): relative weight change after
  60 pairings at ``Delta t = +10`` and ``-10`` ms, with the SEM.
"""
from __future__ import annotations

import numpy as np

from ..synapses.stdp import PairSTDP, TripletSTDP
from ..units import to_si

__all__ = ["replay_stdp", "pair_window_sum", "pairing_trains", "weight_fractions",
           "SJOSTROM2001", "normalized_error"]

#: Sjöström et al. (2001): frequency (Hz) -> (dw at +10 ms, SEM, dw at -10 ms, SEM),
#: relative change of the EPSP after 60 pairings, as fitted by Pfister & Gerstner (2006).
SJOSTROM2001 = {
    "frequency": np.array([0.1, 10.0, 20.0, 40.0, 50.0]),
    "dw_plus": np.array([-0.04, 0.14, 0.29, 0.53, 0.56]),
    "sem_plus": np.array([0.05, 0.10, 0.14, 0.11, 0.26]),
    "dw_minus": np.array([-0.29, -0.41, -0.34, 0.56, 0.75]),
    "sem_minus": np.array([0.08, 0.11, 0.10, 0.32, 0.19]),
    "reference": "Sjöström, Turrigiano & Nelson (2001) Neuron 32:1149 (Fig. 1D, 7B), "
                 "60 pairings, as used by Pfister & Gerstner (2006) J Neurosci 26:9673",
}


def pairing_trains(delta_t: float, frequency: float, n_pairs: int,
                   start: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post spike times (s) of *n_pairs* pairings at *frequency* (Hz).

    Pair ``k`` has its presynaptic spike at ``start + k/frequency`` and its
    postsynaptic spike *delta_t* (s) later (earlier if negative).
    """
    if not frequency > 0 or n_pairs < 1:
        raise ValueError(f"pairing_trains: frequency={frequency!r}, n_pairs={n_pairs!r}; "
                         "expected frequency > 0 and n_pairs >= 1")
    pre = start + np.arange(n_pairs) / frequency
    return pre, pre + delta_t


def _events(pre, post):
    """Merged events sorted by time; at equal times pre (0) before post (1)."""
    pre, post = np.asarray(pre, dtype=np.float64), np.asarray(post, dtype=np.float64)
    t = np.concatenate([pre, post])
    kind = np.concatenate([np.zeros(pre.size, int), np.ones(post.size, int)])
    order = np.lexsort((kind, t))
    return t[order], kind[order]


def replay_stdp(rule, pre_times, post_times, w0: float, *, dt: float | None = None,
                history: bool = False):
    """Weight of one synapse after the given spikes, event by event (numpy twin of Brian2).

    Parameters
    ----------
    rule : PairSTDP or TripletSTDP
    pre_times, post_times : array of float
        Spike times (s).
    w0 : float
        Initial weight in ``[0, w_max]``.
    dt : float, optional
        Round the times to the simulation grid ``k dt`` first (as Brian2 does).
    history : bool
        Also return the weight after every event.

    Returns
    -------
    float, or (float, ndarray) with *history*.
    """
    pre, post = np.asarray(pre_times, float), np.asarray(post_times, float)
    if dt is not None:
        pre, post = np.round(pre / dt) * dt, np.round(post / dt) * dt
    if not isinstance(rule, (PairSTDP, TripletSTDP)):
        raise TypeError(f"rule={rule!r}: expected a PairSTDP or TripletSTDP")
    times, kinds = _events(pre, post)
    nearest = rule.pairing == "nearest"
    if isinstance(rule, PairSTDP):
        taus = {"r1": to_si(rule.tau_plus), "o1": to_si(rule.tau_minus)}
    else:
        taus = {"r1": to_si(rule.tau_plus), "r2": to_si(rule.tau_x),
                "o1": to_si(rule.tau_minus), "o2": to_si(rule.tau_y)}
    trace = {k: 0.0 for k in taus}
    w, last, out = float(w0), None, []
    for t, kind in zip(times, kinds):
        if last is not None:
            for k in trace:
                trace[k] *= np.exp(-(t - last) / taus[k])
        last = t
        if isinstance(rule, PairSTDP):
            if kind == 0:
                trace["r1"] = 1.0 if nearest else trace["r1"] + 1.0
                w = min(max(w - rule.A_minus * float(rule.f_minus(w)) * trace["o1"], 0.0),
                        rule.w_max)
            else:
                trace["o1"] = 1.0 if nearest else trace["o1"] + 1.0
                w = min(max(w + rule.A_plus * float(rule.f_plus(w)) * trace["r1"], 0.0),
                        rule.w_max)
        else:
            if kind == 0:
                w = min(max(w - trace["o1"] * (rule.A2_minus + rule.A3_minus * trace["r2"]),
                            0.0), rule.w_max)
                for k in ("r1", "r2"):
                    trace[k] = 1.0 if nearest else trace[k] + 1.0
            else:
                w = min(max(w + trace["r1"] * (rule.A2_plus + rule.A3_plus * trace["o2"]),
                            0.0), rule.w_max)
                for k in ("o1", "o2"):
                    trace[k] = 1.0 if nearest else trace[k] + 1.0
        out.append(w)
    return (w, np.asarray(out)) if history else w


def pair_window_sum(rule: PairSTDP, pre_times, post_times) -> float:
    """Closed-form weight change of the additive pair rule (no bound reached).

    All-to-all: ``sum_{pre, post} W(t_post - t_pre)``; nearest: each post spike
    pairs with the last pre spike at or before it, each pre spike with the last
    post spike strictly before it.  ``W`` is :meth:`PairSTDP.window`.
    """
    if not isinstance(rule, PairSTDP) or rule.weight_dependence != "additive":
        raise ValueError("pair_window_sum: expected an additive PairSTDP rule")
    pre, post = np.sort(np.asarray(pre_times, float)), np.sort(np.asarray(post_times, float))
    tp, tm = to_si(rule.tau_plus), to_si(rule.tau_minus)
    if rule.pairing == "all-to-all":
        d = post[None, :] - pre[:, None]
        ltp = np.where(d >= 0, rule.A_plus * np.exp(-np.abs(d) / tp), 0.0)
        ltd = np.where(d < 0, -rule.A_minus * np.exp(-np.abs(d) / tm), 0.0)
        return float(ltp.sum() + ltd.sum())
    total = 0.0
    k = np.searchsorted(pre, post, side="right") - 1       # last pre <= post
    ok = k >= 0
    total += float(np.sum(rule.A_plus * np.exp(-(post[ok] - pre[k[ok]]) / tp)))
    m = np.searchsorted(post, pre, side="left") - 1        # last post < pre
    ok = m >= 0
    total -= float(np.sum(rule.A_minus * np.exp(-(pre[ok] - post[m[ok]]) / tm)))
    return total


def weight_fractions(w, w_max: float, *, low: float = 0.1, high: float = 0.9) -> dict:
    """Fractions of weights below ``low w_max`` and above ``high w_max``.

    Returns ``{'near_zero': ..., 'near_max': ..., 'middle': ...}``.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.size == 0 or not w_max > 0:
        raise ValueError("weight_fractions: expected a non-empty weight array and w_max > 0")
    near0 = float(np.mean(w < low * w_max))
    nearmax = float(np.mean(w > high * w_max))
    return {"near_zero": near0, "near_max": nearmax, "middle": 1.0 - near0 - nearmax}


def normalized_error(model, data, sem) -> float:
    """Normalised mean-square error ``(1/p) sum_i ((model_i - data_i)/sem_i)^2``
    (the fit criterion of Pfister & Gerstner 2006)."""
    model, data, sem = (np.asarray(x, dtype=np.float64) for x in (model, data, sem))
    if not model.shape == data.shape == sem.shape or np.any(sem <= 0):
        raise ValueError("normalized_error: expected equal shapes and positive SEMs")
    return float(np.mean(((model - data) / sem) ** 2))
