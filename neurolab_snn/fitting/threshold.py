"""Threshold fit of the GIF by maximum likelihood (Pozzorini et al. 2015, Eqs. 19-21) (layer L4).

Given the subthreshold model, the voltage V[t] that the model predicts with
the recorded spikes forced (:func:`.basis.simulate_forced_spikes`) makes the
log escape rate linear in the unknowns

    u[t] = log(lambda[t] / lambda_0) = beta_0 V[t] + beta_1 + sum_j beta_{2+j} y_j[t] = (X beta)[t],
    beta = (1/DeltaV, -V_T*/DeltaV, -a_gamma_j/DeltaV),

with y_j[t] = sum_{s < t} exp(-(t-s) dt / tau_j) on fixed, log-spaced tau_j.  Brian2
emits a spike in a step with probability p = 1 - exp(-mu), mu = lambda_0 dt e^u
(``rand() < 1 - exp(-lambda*dt)``), so the exact log-likelihood over the
eligible samples (not within a refractory period) is

    L(beta) = sum_{spikes} log(1 - e^{-mu_t}) - sum_{no spike} mu_t.

Both terms are concave in u (complementary log-log link), so L is concave in
beta and Newton's method with a backtracking line search finds the global
maximum.  Analytic derivatives, with r_t = mu/(e^mu - 1) at spikes:

    grad = X^T (spike ? r : -mu),
    Hess = -X^T diag(w) X,   w = mu at non-spike samples,
                             w = mu q (mu - 1 + q) / (1 - q)^2 at spikes, q = e^{-mu}.

Pozzorini et al. maximise the Poisson approximation sum_spikes u - sum_all mu
(equal to first order in mu) with a fixed-step Newton iteration; the exact
Bernoulli form matches the Brian2 model that the fit produces.  The fit starts
from the constant-rate solution and first fits a static threshold (gamma = 0), as
the toolbox does.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..units import Quantity, second, to_si, volt
from .basis import FitTrace, exp_filtered_spikes, forced_spike_voltages, refractory_mask
from .settings import GIFFitSettings
from .subthreshold import SubthresholdFit

__all__ = ["ThresholdFit", "fit_threshold", "log_likelihood", "maximize_likelihood"]


@dataclass(frozen=True)
class ThresholdFit:
    """Result of the threshold likelihood fit (SI floats).

    Attributes
    ----------
    V_T_star, DeltaV : float
        Baseline threshold and threshold sharpness (V).
    gamma_taus, gamma_amplitudes : tuple of float
        Moving threshold gamma(t) = sum_j a_j exp(-t/tau_j) (s, V), t from the spike sample.
    log_likelihood : float
        Maximised log-likelihood (nats).
    bits_per_spike : float
        Gain over a constant-rate Bernoulli process, (L - L_const) / (N ln 2).
    n_spikes, n_samples : int
        Spikes and eligible samples used.
    n_iterations : int
        Newton iterations of the full fit.
    converged : bool
        Whether the Newton decrement fell below the tolerance.
    """

    V_T_star: float
    DeltaV: float
    gamma_taus: tuple
    gamma_amplitudes: tuple
    log_likelihood: float
    bits_per_spike: float
    n_spikes: int
    n_samples: int
    n_iterations: int
    converged: bool

    def gamma(self, t: np.ndarray) -> np.ndarray:
        """gamma(t) (V) at times *t* (s) after the spike sample."""
        t = np.asarray(t, dtype=np.float64)[..., None]
        return np.sum(np.asarray(self.gamma_amplitudes)
                      * np.exp(-t / np.asarray(self.gamma_taus)), axis=-1)

    def gamma_kernel(self) -> tuple[tuple, tuple]:
        """(taus, amplitudes) as Brian2 quantities, ready for :func:`neurolab_snn.models.GIF`."""
        return (tuple(t * second for t in self.gamma_taus),
                tuple(a * volt for a in self.gamma_amplitudes))

    def parameters(self) -> dict[str, Quantity]:
        return {"V_T_star": self.V_T_star * volt, "DeltaV": self.DeltaV * volt}


def _mu_terms(u: np.ndarray, spikes: np.ndarray, c: float, weight: np.ndarray | None = None):
    """Log-likelihood, residual r and Hessian weight w at log-rates *u* (see module docs).

    *spikes* are the indices of the spike samples; *weight* multiplies the terms of
    the other samples (1 by default; the coarse stage of :func:`maximize_likelihood`
    uses it for a strided subsample).  *u* is overwritten (it becomes the weighted mu).
    """
    np.minimum(u, 500.0, out=u)                # e^500 keeps every sum below the float64 limit
    np.exp(u, out=u)
    u *= c
    ms = u[spikes]                             # mu at the spikes (weight 1 there)
    if weight is not None:
        u *= weight
    q = np.exp(-ms)                            # P(no spike) at the spike samples
    one_q = -np.expm1(-ms)                     # P(spike) = 1 - q, without cancellation
    with np.errstate(divide="ignore"):
        ll = float(np.sum(np.log(one_q)) - (np.sum(u) - np.sum(u[spikes])))
    w = u                                      # non-spike samples: w = mu, r = -mu
    r = -u
    small = ms < 1e-5                          # series: mu/(e^mu-1) ~ 1 - mu/2, w ~ mu/2 - mu^2/6
    r_s, w_s = np.empty_like(ms), np.empty_like(ms)
    m, b, big = ms[small], ms[~small], one_q[~small]
    r_s[small], w_s[small] = 1.0 - m / 2, m / 2 - m * m / 6
    r_s[~small] = b * q[~small] / big
    w_s[~small] = b * q[~small] * (b - big) / big ** 2
    r[spikes], w[spikes] = r_s, w_s
    return ll, r, w


def log_likelihood(beta: np.ndarray, X: np.ndarray, spike: np.ndarray, c: float,
                   weight: np.ndarray | None = None):
    """Log-likelihood, gradient and Hessian of the Bernoulli escape model (see module docs).

    Parameters
    ----------
    beta : ndarray (p,)
    X : ndarray (n, p)
        Design matrix.
    spike : ndarray of bool (n,)
        Whether each sample holds a spike.
    c : float
        lambda_0 dt.
    weight : ndarray (n,), optional
        Weights of the non-spike terms (default 1).
    """
    ll, r, w = _mu_terms(X @ beta, np.flatnonzero(spike), c, weight)
    return ll, X.T @ r, -_gram(X, np.sqrt(w))


def _gram(X: np.ndarray, root_w: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """X^T diag(root_w^2) X, in cache-sized chunks (no n-by-p temporary)."""
    n, p = X.shape
    out = np.zeros((p, p))
    buf = np.empty((min(chunk, n), p), order="F")
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        z = buf[:b - a]
        np.multiply(X[a:b], root_w[a:b, None], out=z)
        out += z.T @ z
    return out


def _newton(Xs, spikes, c, beta, weight, ridge, max_iterations, tolerance, hessian_rows=None):
    """Damped Newton iterations on the (penalised) log-likelihood until the decrement < *tolerance*.

    Each accepted line-search point's mu terms are reused for the next gradient
    and Hessian.  *hessian_rows* = (X_sub, rows, weights) computes the Hessian on
    a weighted subsample only (the gradient and the objective stay exact, so the
    iteration still converges to the exact optimum, at a slightly slower rate).
    """
    ridge = np.zeros(beta.size) if ridge is None else ridge

    def objective(b):
        ll, r, w = _mu_terms(Xs @ b, spikes, c, weight)
        return ll - 0.5 * float(np.sum(ridge * b * b)), r, w

    ll, r, w = objective(beta)
    for iteration in range(1, int(max_iterations) + 1):
        grad = Xs.T @ r - ridge * beta
        if hessian_rows is None:
            gram = _gram(Xs, np.sqrt(w))
        else:
            X_sub, rows, weights = hessian_rows
            gram = _gram(X_sub, np.sqrt(w[rows] * weights))
        hess = -gram - np.diag(ridge)
        try:
            step = np.linalg.solve(hess, -grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, -grad, rcond=None)[0]
        decrement = float(grad @ step) / 2
        if not np.isfinite(decrement):
            return beta, iteration, False
        if decrement < tolerance:
            return beta, iteration, True
        t = 1.0
        while t > 1e-10:
            trial = beta + t * step
            ll_trial, r_trial, w_trial = objective(trial)
            if np.isfinite(ll_trial) and ll_trial >= ll + 0.5 * t * decrement:
                break
            t *= 0.5
        else:
            return beta, iteration, False
        beta, ll, r, w = trial, ll_trial, r_trial, w_trial
    return beta, int(max_iterations), False


def maximize_likelihood(X: np.ndarray, spike: np.ndarray, c: float, beta0: np.ndarray,
                        max_iterations: int = 100, tolerance: float = 1e-9, stride: int = 4,
                        ridge: np.ndarray | None = None):
    """Maximise the concave log-likelihood by Newton's method with a backtracking line search.

    Each column of X is scaled to unit root-mean-square; *ridge* (per column,
    in these scaled coordinates) adds the penalty -sum_j ridge_j beta_j^2 / 2,
    a Gaussian prior that keeps the estimate finite when the data cannot bound
    it (e.g. the threshold right after refractoriness when no short interval
    occurs); the objective stays strictly concave.  A coarse stage on every spike
    sample and every *stride*-th other sample (weighted by *stride*) brings beta
    near the optimum cheaply; the fine stage then iterates with the exact
    gradient and objective on all samples and the Hessian of that subsample.
    Returns ``(beta, log_likelihood, n_iterations, converged)`` with the
    unpenalised log-likelihood; the fine stage stops when the Newton
    decrement g^T H^-1 g / 2 (the predicted gain, nats) is below *tolerance*.
    """
    scale = np.sqrt(np.einsum("ij,ij->j", X, X) / max(X.shape[0], 1))
    scale[scale == 0] = 1.0
    Xs = np.asfortranarray(X) / scale       # column-major: fast X @ beta and X^T r
    beta = np.asarray(beta0, dtype=np.float64) * scale
    ridge = None if ridge is None else np.asarray(ridge, dtype=np.float64)
    used, subsample = 0, None
    if stride > 1 and spike.size > 20 * stride * X.shape[1]:
        keep = spike.copy()
        keep[::stride] = True
        rows = np.flatnonzero(keep)
        coarse = np.empty((rows.size, X.shape[1]), order="F")
        for j in range(X.shape[1]):
            np.take(Xs[:, j], rows, out=coarse[:, j])
        sub_spike = spike[rows]
        weight = np.where(sub_spike, 1.0, float(stride))
        beta, used, _ = _newton(coarse, np.flatnonzero(sub_spike), c, beta, weight, ridge,
                                max_iterations, 1.0)
        subsample = (coarse, rows, weight)
    spikes = np.flatnonzero(spike)
    beta, iterations, converged = _newton(Xs, spikes, c, beta, None, ridge, max_iterations,
                                          tolerance, hessian_rows=subsample)
    ll = _mu_terms(Xs @ beta, spikes, c)[0]
    return beta / scale, float(ll), used + iterations, converged


def threshold_design(traces: Sequence[FitTrace], sub: SubthresholdFit, V_reset: float,
                     settings: GIFFitSettings):
    """Design matrix [V_model, 1, y_j], spike flags and model voltages over the training windows."""
    dt = traces[0].dt
    n_ref = settings.n_ref(dt)
    taus = tuple(float(to_si(t)) for t in settings.gamma_taus)
    v_model = forced_spike_voltages(traces, sub.C, sub.g_L, sub.E_L, V_reset, sub.eta_taus,
                                    sub.eta_amplitudes, n_ref)
    selections = []
    for tr in traces:
        n = tr.v.size
        use = np.zeros(n, dtype=bool)
        use[tr.start:tr.stop] = True
        use &= ~refractory_mask(tr.spikes, n, 1, n_ref)
        selections.append(np.flatnonzero(use))
    total = sum(rows.size for rows in selections)
    X = np.empty((total, 2 + len(taus)), order="F")   # column-major for the Newton loop
    spike = np.zeros(total, dtype=bool)
    X[:, 1] = 1.0
    offset = 0
    for tr, rows, V in zip(traces, selections, v_model):
        part = slice(offset, offset + rows.size)
        np.take(V, rows, out=X[part, 0])
        X[part, 2:] = exp_filtered_spikes(tr.spikes, tr.v.size, taus, dt, strict=True, rows=rows)
        spike[part] = np.isin(rows, tr.spikes)
        offset += rows.size
    return X, spike, v_model


def fit_threshold(traces: Sequence[FitTrace], sub: SubthresholdFit, V_reset: float,
                  settings: GIFFitSettings, design=None) -> ThresholdFit:
    """Fit V_T*, DeltaV and gamma by maximum likelihood (toolbox step 3).

    Raises
    ------
    ValueError
        No spike in the training windows, or a fit whose DeltaV is not positive.

    *design* is the output of :func:`threshold_design`, if already computed.
    """
    dt = traces[0].dt
    X, spike, _ = threshold_design(traces, sub, V_reset, settings) if design is None else design
    n_spikes, n = int(spike.sum()), int(spike.size)
    if n_spikes == 0:
        raise ValueError("no spikes in the training data: the threshold cannot be fitted; "
                         "expected training sweeps in which the neuron fires")
    c = float(to_si(settings.lambda_0)) * dt
    rate = n_spikes / n  # per sample
    beta_const = np.array([0.0, np.log(-np.log1p(-rate) / c)])
    # constant-rate Bernoulli log-likelihood: the reference of bits per spike
    ll_const = n_spikes * np.log(rate) + (n - n_spikes) * np.log1p(-rate)
    beta_static, _, _, _ = maximize_likelihood(X[:, :2], spike, c, beta_const,
                                               settings.max_iterations, settings.tolerance)
    beta0 = np.concatenate([beta_static, np.zeros(X.shape[1] - 2)])
    ridge = np.zeros(X.shape[1])
    ridge[2:] = settings.gamma_ridge
    beta, ll, iterations, converged = maximize_likelihood(X, spike, c, beta0,
                                                          settings.max_iterations,
                                                          settings.tolerance, ridge=ridge)
    if not beta[0] > 0:
        raise ValueError(f"threshold fit: 1/DeltaV = {beta[0]:.4g} /V; expected a positive "
                         "sharpness (spike probability growing with V)")
    DeltaV = 1.0 / beta[0]
    return ThresholdFit(V_T_star=float(-beta[1] * DeltaV), DeltaV=float(DeltaV),
                        gamma_taus=tuple(float(to_si(t)) for t in settings.gamma_taus),
                        gamma_amplitudes=tuple(float(x) for x in -beta[2:] * DeltaV),
                        log_likelihood=ll, bits_per_spike=float((ll - ll_const)
                                                                / (n_spikes * np.log(2))),
                        n_spikes=n_spikes, n_samples=n, n_iterations=iterations,
                        converged=converged)
