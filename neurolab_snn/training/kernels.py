r"""Compiled adjoint of a feed-forward layer: the backward recursion printed as C and compiled.

In a layer without recurrent weights whose reset is detached from the graph
(``NetworkSpec.detach_reset``, or a read-out without threshold), the adjoint
recursion of :class:`~neurolab_snn.training.adjoint._Layer` couples neither
neurons nor network copies: given :math:`\partial L/\partial s_k` (the loss on
the spikes plus :math:`\delta^{l+1}_k W_{l+1}^T`, one matrix product), each
(copy, neuron) chain runs backward in time on its own,

.. math::

    \bar\lambda_k &= \lambda_{k+1}(1 - s_k)\,[\text{reset}] + \lambda_{k+1} s_k\,\partial R/\partial x
                    \qquad (\text{resets}) \\
    \delta_k &= \bar\lambda_{k,\text{target}}\; g_k \qquad (\text{synapses}) \\
    \hat\lambda_k &= \bar\lambda_k + \frac{\partial L}{\partial s_k}\,
                    \frac{S'(h(x'_k)/c)}{c}\,\frac{\partial h}{\partial x'}
                    \qquad (\text{thresholds}) \\
    \lambda_k &= \hat\lambda_k\, \partial F/\partial x\,(x_k) \qquad (\text{groups})

plus the parameter terms.  :func:`compiled_adjoint` prints exactly these
formulas - from the same sympy expressions of the
:class:`~neurolab_snn.training.discrete.DiscreteModel` (``sympy.ccode``, common
subexpressions eliminated) and the surrogate's
:attr:`~neurolab_snn.training.surrogates.Surrogate.grad_code` - as one C loop
over steps and neurons, and compiles it with Brian2's Cython extension manager
(cached on disk, like Brian2's own runtime code objects).  It makes one pass
over the traces instead of about twenty numpy passes.  The tests hold it to
the numpy recursion at 1e-12 relative.

Used by :func:`~neurolab_snn.training.adjoint.backward` with
``compiled=True`` (the trainer does so when its forward pass runs on the
Cython runtime).  Layers it does not cover (recurrent, refractory periods
longer than one step, attached resets, surrogates without ``grad_code``) keep
the numpy recursion.
"""
from __future__ import annotations

import weakref

import numpy as np
import sympy

__all__ = ["compiled_adjoint", "covers", "prepare"]

_HEADER = r"""
#include <math.h>
#include <stdlib.h>
static inline double _exprel(double x) {
    if (fabs(x) < 1e-8) return 1.0 + x / 2.0;
    return expm1(x) / x;
}
"""

_CYTHON = r'''
# cython: language_level=3, boundscheck=False, wraparound=False
from libc.stdlib cimport malloc, free

cdef extern from *:
    """
{c_code}
    """
    void _adjoint(int T, int M, int n, const double **X, const double *S, const double *DL,
                  const double *DA, const double *WA, int na, const double **GX,
                  const double *P, double *DELTA, double *LAM, double *G, double scale,
                  double k) nogil

cdef const double *_ptr(a):
    cdef double[:, ::1] view
    if a is None:
        return NULL
    view = a
    return &view[0, 0]

def run(list X, double[:, ::1] S, DL, DA, WA, list GX, double[:, ::1] P,
        double[:, ::1] DELTA, double[:, ::1] LAM, double[:, ::1] G, int n,
        double scale, double k):
    cdef int j, nx = len(X)
    cdef const double **px = <const double **>malloc(nx * sizeof(double *))
    cdef const double **pgx = <const double **>malloc(nx * sizeof(double *))
    cdef const double *pdl = _ptr(DL)
    cdef const double *pda = _ptr(DA)
    cdef const double *pwa = _ptr(WA)
    cdef int na = 0 if WA is None else WA.shape[0]
    try:
        for j in range(nx):
            px[j] = _ptr(X[j])
            pgx[j] = _ptr(GX[j])
        with nogil:
            _adjoint(S.shape[0], S.shape[1], n, px, &S[0, 0], pdl, pda, pwa, na, pgx,
                     &P[0, 0], &DELTA[0, 0], &LAM[0, 0], &G[0, 0], scale, k)
    finally:
        free(px)
        free(pgx)
'''


def covers(layer, dm, *, recurrent: bool, n_ref: int, detach: bool, surrogate) -> bool:
    """Whether :func:`compiled_adjoint` handles this layer (else the numpy recursion does)."""
    if recurrent or n_ref > 1:
        return False
    if layer.spiking and (not detach or dm.reset_jacobian_uses_state
                          or getattr(surrogate, "grad_code", None) is None):
        return False
    return True


def prepare(net) -> int:
    """Compile (or load) the kernels of every layer of *net* that :func:`covers` (for losses on
    spikes; a loss on states adds a variant when first used); returns how many."""
    count = 0
    for i, (layer, dm) in enumerate(zip(net.spec.layers, net.discrete)):
        if covers(layer, dm, recurrent=layer.recurrent, n_ref=net.n_ref[i],
                  detach=net.spec.detach_reset, surrogate=net.spec.surrogate):
            _kernel(dm, net.gated[i], layer.spiking, (),
                    net.spec.surrogate.grad_code if layer.spiking else None)
            count += 1
    return count


def _cse(exprs, prefix):
    """Common subexpressions of *exprs*: (C statements, C expressions)."""
    if not exprs:
        return [], []
    repl, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols(prefix))
    lines = [f"const double {sym} = {_c(e)};" for sym, e in repl]
    return lines, [_c(e) for e in reduced]


def _c(expr) -> str:
    return sympy.ccode(expr, user_functions={"exprel": "_exprel"})


def _kernel_code(dm, gated: bool, spiking: bool, gx_states: tuple[int, ...],
                 grad_code: str | None) -> str:
    """The C function ``_adjoint`` for one layer configuration.

    The body of the (step, copy, neuron) loop walks Brian2's schedule backwards:
    resets, synapses (``DELTA``), thresholds (surrogate term), groups (new lambda),
    with the parameter terms accumulated in ``G``.  The expressions are the
    DiscreteModel's own (``F``, ``h``, ``R`` and their nonzero Jacobian entries).
    """
    n_x, n_p = len(dm.states), len(dm.trainable)
    x = [sympy.Symbol(f"x{j}", real=True) for j in range(n_x)]
    xp = [sympy.Symbol(f"xp{j}", real=True) for j in range(n_x)]
    p = [sympy.Symbol(f"p{j}", real=True) for j in range(n_p)]
    at_x = dict(zip(dm._x, x)) | dict(zip(dm._p, p))
    at_xp = dict(zip(dm._x, xp)) | dict(zip(dm._p, p))
    body = [f"const double x{j} = X[{j}][km];" for j in range(n_x)]
    body += [f"const double p{j} = P[{j} * n + c];" for j in range(n_p)]
    body += [f"double lam{j} = LAM[{j} * M + m];" for j in range(n_x)]
    body += [f"lam{j} += GX[{j}][km];" for j in gx_states]
    # x' = F(x) and the Jacobians of F at x
    jf, jfp = dm._jFx, dm._jFp
    exprs_x = [e.xreplace(at_x) for e in dm.F] + [d.xreplace(at_x) for *_, d in jf + jfp]
    lines, vals = _cse(exprs_x, "a")
    body += lines
    body += [f"const double xp{j} = {vals[j]};" for j in range(n_x)]
    jf_c = {(i, j): vals[n_x + q] for q, (i, j, _) in enumerate(jf)}
    jfp_c = [(i, j, vals[n_x + len(jf) + q]) for q, (i, j, _) in enumerate(jfp)]
    body.append("const double s = S[km];")
    lpp = [f"lam{j}" for j in range(n_x)]
    if spiking:             # h(x'), its Jacobians and those of the reset, at x'
        exprs_xp = [dm.h.xreplace(at_xp)] + [d.xreplace(at_xp) for *_, d in
                                             dm._jhx + dm._jhp + dm._jRx + dm._jRp]
        lines, vals = _cse(exprs_xp, "b")
        body += lines
        body.append(f"double sg;\n{{ const double x = ({vals[0]}) / scale; "
                    f"sg = ({grad_code}) / scale; }}")
        q = 1
        dhx = [(j, vals[q + r]) for r, (_, j, _) in enumerate(dm._jhx)]
        q += len(dm._jhx)
        dhp = [(j, vals[q + r]) for r, (_, j, _) in enumerate(dm._jhp)]
        q += len(dm._jhp)
        jr = [(i, j, vals[q + r]) for r, (i, j, _) in enumerate(dm._jRx) if dm.resets[i]]
        q += len(dm._jRx)
        jrp = [(i, j, vals[q + r]) for r, (i, j, _) in enumerate(dm._jRp) if dm.resets[i]]
        body.append("const double keep = 1.0 - s;")                    # resets
        for j in range(n_x):
            terms = [f"lam{j} * keep" if dm.resets[j] else f"lam{j}"]
            terms += [f"lam{i} * s * ({d})" for i, jj, d in jr if jj == j]
            body.append(f"double lpp{j} = {' + '.join(terms)};")
        lpp = [f"lpp{j}" for j in range(n_x)]
        for i, j, d in jrp:
            body.append(f"G[{j} * M + m] += lam{i} * s * ({d});")
        gate = "keep" if gated else "1.0"
        body.append("const double coeff = ((DL ? DL[km] : 0.0) + dla[c]) * sg;")
    else:
        gate, dhx, dhp = "1.0", [], []
    body.append(f"DELTA[km] = {lpp[dm.states.index(dm.target)]} * {gate};")   # synapses
    for j in range(n_x):                                                   # thresholds
        terms = [lpp[j]] + [f"coeff * ({d})" for jj, d in dhx if jj == j]
        body.append(f"const double lpr{j} = {' + '.join(terms)};")
    for i, j, d in jfp_c:
        body.append(f"G[{j} * M + m] += lpr{i} * ({d});")
    for j, d in dhp:
        body.append(f"G[{j} * M + m] += coeff * ({d});")
    for j in range(n_x):                                                   # groups
        terms = [f"lpr{i} * ({jf_c[(i, j)]})" for i in range(n_x) if (i, j) in jf_c]
        body.append(f"LAM[{j} * M + m] = {' + '.join(terms) if terms else '0.0'};")
    inner = "\n                ".join(body)
    return _HEADER + f"""
static void _adjoint(int T, int M, int n, const double **X, const double *S, const double *DL,
                     const double *DA, const double *WA, int na, const double **GX,
                     const double *P, double *DELTA, double *LAM, double *G, double scale,
                     double k) {{
    const int B = M / n;
    double *dla = (double *)calloc(n, sizeof(double));     /* delta_above W^T of (t, b) */
    for (int t = T - 1; t >= 0; --t) {{
        for (int b = 0; b < B; ++b) {{
            if (DA) {{              /* WA is W_above transposed: (n_above, n) */
                const double *da = DA + ((size_t)t * B + b) * na;
                for (int c = 0; c < n; ++c) dla[c] = 0.0;
                for (int j = 0; j < na; ++j) {{
                    const double a = da[j], *w = WA + (size_t)j * n;
                    for (int c = 0; c < n; ++c) dla[c] += a * w[c];
                }}
            }}
            for (int c = 0; c < n; ++c) {{
                const int m = b * n + c;
                const size_t km = (size_t)t * M + m;
                {inner}
            }}
        }}
    }}
    free(dla);
}}
"""


_MODULES: dict[str, object] = {}
_KERNELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _kernel(dm, *config):
    """The compiled module of *dm* for *config* (code printed and compiled once)."""
    per_model = _KERNELS.setdefault(dm, {})
    if config not in per_model:
        per_model[config] = _module(_CYTHON.format(c_code=_kernel_code(dm, *config)))
    return per_model[config]


def _module(code: str):
    """Compile (or load from Brian2's Cython cache) the extension for *code*."""
    if code not in _MODULES:
        from brian2 import prefs
        from brian2.codegen.cpp_prefs import get_compiler_and_args
        from brian2.codegen.runtime.cython_rt.extension_manager import \
            cython_extension_manager
        compiler, args = get_compiler_and_args()
        _MODULES[code] = cython_extension_manager.create_extension(
            code, compiler=compiler, extra_compile_args=args,
            define_macros=list(prefs["codegen.cpp.define_macros"]),
            extra_link_args=list(prefs["codegen.cpp.extra_link_args"]),
            include_dirs=list(prefs["codegen.cpp.include_dirs"]),
            owner_name="neurolab_adjoint")
    return _MODULES[code]


def compiled_adjoint(dm, *, gated: bool, spiking: bool, X: list, s: np.ndarray,
                     dl: np.ndarray | None, above: tuple | None, gx: dict[int, np.ndarray],
                     params: dict, n: int, scale: float, surrogate
                     ) -> tuple[np.ndarray, list, dict]:
    """Run the compiled recursion of one layer over all steps.

    Parameters
    ----------
    dm : DiscreteModel
    X : per state a (T, B, n) array, the states at the start of each step (M = B n)
    s : (T, B, n) spikes; dl : (T, B, n) or None, :math:`\\partial L/\\partial s` from a loss
    above : ``(delta (T, B, n_above), W (n, n_above))`` of the layer above, or None: adds
        :math:`\\delta^{l+1}_k W^T` to :math:`\\partial L/\\partial s_k` (formed in the loop)
    gx : {state index: (T, B, n)}, :math:`\\partial L/\\partial x_{k+1}` from a loss on states
    params : {name: (n,) array}, the layer's trainable parameters (SI)

    Returns ``(delta (T, M), lambda_0 [(M,) per state], {name: (n,) gradient}``.
    """
    t_steps, m = s.shape[0], int(np.prod(s.shape[1:]))
    grad_code = surrogate.grad_code if spiking else None
    module = _kernel(dm, gated, spiking, tuple(sorted(gx)), grad_code)
    n_x, n_p = len(dm.states), len(dm.trainable)
    P = np.ascontiguousarray(np.stack([np.broadcast_to(np.asarray(params[k], np.float64), (n,))
                                       for k in dm.trainable]) if n_p else np.zeros((1, n)))
    delta = np.empty((t_steps, m))
    lam = np.zeros((n_x, m))
    G = np.zeros((max(n_p, 1), m))
    da, wa = (None, None) if above is None or not spiking else above
    module.run([_c2(a, t_steps, m) for a in X], _c2(s, t_steps, m), _c2(dl, t_steps, m),
               None if da is None else _c2(da, t_steps, -1),
               None if wa is None else np.ascontiguousarray(wa.T, dtype=np.float64),
               [_c2(gx.get(j), t_steps, m) for j in range(n_x)], P, delta, lam, G, int(n),
               float(scale), float(getattr(surrogate, "slope", 1.0)))
    grads = {k: G[j].reshape(-1, n).sum(axis=0) for j, k in enumerate(dm.trainable)}
    return delta, list(lam), grads


def _c2(a, t_steps, m):
    """*a* as a C-contiguous float64 (T, M) array (a view where possible), or None."""
    if a is None:
        return None
    return np.ascontiguousarray(a, dtype=np.float64).reshape(t_steps, m)
