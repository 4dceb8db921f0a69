r"""Local learning rules: eligibility traces times a fed-back learning signal (layer L4).

SuperSpike (Zenke & Ganguli 2018), feedback alignment (Lillicrap et al. 2016),
direct feedback alignment (Nøkland 2016) and e-prop (Bellec et al. 2020) share
one form: the gradient of weight :math:`W_{ij}` (and of a neuron parameter
:math:`p_j`) is approximated by a sum over time of a *learning signal*
:math:`L_{j,k}` that neuron :math:`j` receives at step :math:`k` times a local
*eligibility* of the synapse,

.. math::

    \frac{\partial L}{\partial W_{ij}} \approx \sum_k L_{j,k}\,
        \sigma'\!\big(h_{j,k}/\theta\big)/\theta\;
        \frac{\partial h}{\partial x'}\big(x'_{j,k}\big)\cdot \varepsilon_{ij,k},

where :math:`\varepsilon_{ij,k} = \partial x'_{j,k}/\partial W_{ij}` (:math:`x'`:
the neuron's state after its own update of step :math:`k`, :math:`h`: the
threshold function, :math:`\sigma'` the surrogate derivative of
:mod:`.surrogates`) is carried forward along the neuron's own dynamics,

.. math::

    \eta_{ij,k+1} = J_R\big(x''_{j,k}\big)\,\big(\varepsilon_{ij,k} + e_\text{target}\,
        g_{j,k}\, s_{i,k}\big), \qquad \varepsilon_{ij,k+1} = J_F(x_{j,k+1})\,\eta_{ij,k+1},

with :math:`J_F = \partial F/\partial x` (the state update), :math:`J_R = I +
s_{j,k}(\partial R/\partial x - I)` (the reset, its dependence on the spike
detached, as Bellec et al. 2020 do) and :math:`g` the conditional write of an
``(unless refractory)`` target.  Every Jacobian is the
:class:`~neurolab_snn.training.discrete.DiscreteModel`'s, i.e. derived by sympy
from the Brian2 equation strings and Brian2's own state-update code: a model
written only as equations gets its eligibility traces without extra code.
Neuron parameters get the same traces with :math:`\partial F/\partial p`,
:math:`\partial h/\partial p`, :math:`\partial R/\partial p` and
:math:`\partial x_0/\partial p` as sources; a loss on states adds
:math:`\sum_k \partial L/\partial x_{k+1}\cdot\eta_{k+1}`.  A recurrent layer's
weights ``R`` get the e-prop eligibility (source: the layer's own spikes; the
dependence of the other neurons' spikes on the weight, i.e. the recurrent
Jacobian, is dropped: Bellec et al. 2020, eq. 13).

The learning signal of the output layer is the loss gradient
:math:`\partial L/\partial s_{k}` (or :math:`\partial L/\partial x_{\text{target},k+1}`
for a non-spiking read-out); a hidden layer :math:`l` receives (``feedback``)

=============  =======================================  ===================================
``symmetric``  :math:`L^{l} = L^{l+1} W_{l+1}^T`        SuperSpike (Zenke & Ganguli 2018)
``random``     :math:`L^{l} = L^{l+1} B_{l+1}`          feedback alignment (Lillicrap 2016)
``direct``     :math:`L^{l} = E\, B_l`                  DFA (Nøkland 2016)
``uniform``    :math:`L^{l} = E\, \mathbf{1}`           every neuron the same signal
=============  =======================================  ===================================

(:math:`E`: the output error, the learning signal of the output layer; :math:`B`:
fixed random matrices, :func:`feedback_matrices`).  With
one hidden layer ``random`` and ``direct`` are the same rule (different draws).
With a cross-entropy loss :math:`\sum_c E_c = \sum_c (p_c - y_c) = 0`, so
``uniform`` feedback sends every hidden neuron zero (to rounding): the hidden
layer does not learn.

Two ways to evaluate the same sum (equal to rounding, tested):
``online=True`` runs the traces forward in time (one
:math:`(B, n_\text{pre}, n)` array per state variable, whose size does not grow
with the trial length: what an on-chip rule does; here the Jacobians along the
way are evaluated from the stored trace in one vectorised pass); ``online=False`` accumulates the
same sums backward over the stored trace, one :math:`(B, n)` array per state
(the adjoint recursion of :mod:`.adjoint` restricted to each neuron's own
chain, compiled where :func:`.kernels.covers` allows), much faster on a CPU.

For a single layer with the reset detached the rule *is* back-propagation
through time: its gradient equals :func:`~neurolab_snn.training.adjoint.backward`
with ``detach_reset=True`` to rounding.

References
----------
Zenke & Ganguli (2018), SuperSpike: supervised learning in multilayer spiking
neural networks, Neural Comput. 30:1514-1541.
Lillicrap, Cownden, Tweed & Akerman (2016), Random synaptic feedback weights
support error backpropagation for deep learning, Nat. Commun. 7:13276.
Nøkland (2016), Direct feedback alignment provides learning in deep neural
networks, NeurIPS 29.
Bellec et al. (2020), A solution to the learning dilemma for recurrent networks
of spiking neurons, Nat. Commun. 11:3625.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# the per-layer recursion of the adjoint, used here for one layer's own chain (online=False)
from .adjoint import _Layer, _tm
from .kernels import covers
from .network import Trace, TrainableNetwork, refractory_mask

__all__ = ["FEEDBACK", "check_feedback", "feedback_matrices", "learning_signals",
           "eligibility_gradients", "layer_eligibility"]

#: Feedback modes of the learning signal of hidden layers.
FEEDBACK = ("symmetric", "random", "direct", "uniform")


def check_feedback(feedback) -> str:
    """*feedback* if it is one of :data:`FEEDBACK`; else a ValueError naming it."""
    if not isinstance(feedback, str) or feedback not in FEEDBACK:
        raise ValueError(f"feedback={feedback!r} is unknown; expected one of {list(FEEDBACK)}")
    return feedback


def feedback_matrices(net: TrainableNetwork, params: Mapping[str, np.ndarray], feedback: str,
                      rng) -> dict[str, np.ndarray]:
    """The fixed feedback matrices of *feedback*, by the name of the hidden layer they feed.

    ``random``: :math:`B_{l+1}` of the shape of :math:`W_{l+1}^T`, drawn as
    :math:`\\mathcal N(0, \\mathrm{sd}(W_{l+1})^2)` (the spread of the initial
    forward weights); ``direct``: :math:`B_l` (n_out, n_l) drawn the same way from
    the output weights; ``uniform``: ones (n_out, n_l); ``symmetric``: none (the
    current :math:`W^T` is used).  *rng*: a seed or ``np.random.Generator``.
    """
    check_feedback(feedback)
    rng = np.random.default_rng(rng)
    layers = net.spec.layers
    out = {}
    w_out = params[f"{layers[-1].name}.W"]
    for i in range(len(layers) - 1):
        name, n_i, above = layers[i].name, layers[i].n, layers[i + 1]
        if feedback == "random":
            w = params[f"{above.name}.W"]
            out[name] = rng.normal(0.0, float(np.std(w)), (above.n, n_i))
        elif feedback == "direct":
            out[name] = rng.normal(0.0, float(np.std(w_out)), (layers[-1].n, n_i))
        elif feedback == "uniform":
            out[name] = np.ones((layers[-1].n, n_i))
    return out


def learning_signals(net: TrainableNetwork, params, feedback: str, matrices, *,
                     grad_spikes: Mapping[str, np.ndarray] | None = None,
                     grad_states: Mapping[str, Mapping[str, np.ndarray]] | None = None
                     ) -> dict[str, np.ndarray]:
    r"""The learning signal :math:`L^l_{b,k,j}` (B, T, n) of every layer.

    Output layer: :math:`\partial L/\partial s` from *grad_spikes* (a spiking
    output) or :math:`\partial L/\partial x_\text{target}` from *grad_states* (a
    non-spiking read-out); hidden layers: fed back by *feedback* with *matrices*
    (:func:`feedback_matrices`), plus any loss gradient on their own spikes.
    """
    check_feedback(feedback)
    layers, gs, gx = net.spec.layers, grad_spikes or {}, grad_states or {}
    top = layers[-1]
    error = gs.get(top.name) if top.spiking else gx.get(top.name, {}).get(top.target)
    if error is None:
        wanted = "grad_spikes" if top.spiking else f"grad_states[{top.name!r}][{top.target!r}]"
        raise ValueError(f"no loss gradient on the output layer {top.name!r}: expected "
                         f"{wanted} for it")
    signals = {top.name: np.asarray(error, dtype=np.float64)}
    below = signals[top.name]
    for i in range(len(layers) - 2, -1, -1):
        name, above = layers[i].name, layers[i + 1]
        if feedback == "symmetric":
            below = below @ params[f"{above.name}.W"].T
        elif feedback == "random":
            below = below @ matrices[name]
        else:                 # direct, uniform: from the output error straight to layer i
            below = signals[top.name] @ matrices[name]
        own = gs.get(name)
        signals[name] = below if own is None else below + own
    return signals


def eligibility_gradients(net: TrainableNetwork, params: Mapping[str, np.ndarray], trace: Trace,
                          *, feedback: str = "symmetric", matrices=None,
                          grad_spikes: Mapping[str, np.ndarray] | None = None,
                          grad_states: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                          online: bool = False, compiled: bool = False
                          ) -> dict[str, np.ndarray]:
    """Gradient estimates of every parameter: learning signals times eligibility traces.

    Parameters
    ----------
    net, params, trace
        As for :func:`~neurolab_snn.training.adjoint.backward`.
    feedback : {'symmetric', 'random', 'direct', 'uniform'}
    matrices : dict, optional
        :func:`feedback_matrices` (needed for ``random``, ``direct``, ``uniform``).
    grad_spikes, grad_states
        The loss gradients (as for :func:`~neurolab_snn.training.adjoint.backward`);
        the state gradients of the output layer count, those of hidden layers too.
    online : bool
        Forward-in-time traces (True) or the same sums accumulated backward (False).
        Either way the reset's dependence on the spike is detached, whatever
        ``net.spec.detach_reset`` says.
    compiled : bool
        ``online=False``: use the compiled recursion where it applies.

    Returns
    -------
    dict
        Same keys and shapes as *params*.
    """
    check_feedback(feedback)
    if feedback != "symmetric" and matrices is None:
        raise ValueError(f"feedback={feedback!r} needs its fixed matrices: pass "
                         "matrices=feedback_matrices(net, params, feedback, rng)")
    signals = learning_signals(net, params, feedback, matrices, grad_spikes=grad_spikes,
                               grad_states=grad_states)
    gx = grad_states or {}
    grads = {}
    for i, layer in enumerate(net.spec.layers):
        sig = signals[layer.name] if layer.spiking else None
        g_states = dict(gx.get(layer.name, {}))
        if not layer.spiking:   # a read-out: the signal is the loss gradient on its state
            g_states[layer.target] = signals[layer.name]
        grads.update(layer_eligibility(net, i, params, trace, sig, g_states, online=online,
                                       compiled=compiled))
    return {key: grads[key] for key in net.parameter_names()}


def _source(net, i, trace):
    if i == 0:
        return _tm(trace.inputs)
    return _tm(trace.spikes[net.spec.layers[i - 1].name])


def layer_eligibility(net: TrainableNetwork, i: int, params, trace: Trace, signal, grad_states,
                      *, online: bool = False, compiled: bool = False) -> dict[str, np.ndarray]:
    r"""Eligibility-trace gradient of the parameters of layer *i* for a given learning signal.

    *signal*: :math:`L_{b,k,j}` (B, T, n) on the layer's spikes, or None;
    *grad_states*: ``{state: (B, T, n)}``, :math:`\partial L/\partial x_{k+1}`.
    Returns ``{'<layer>.W': ..., '<layer>.R': ..., '<layer>.<param>': ...}``.
    """
    if online:
        return _online(net, i, params, trace, signal, grad_states)
    layer, dm = net.spec.layers[i], net.discrete[i]
    src = _source(net, i, trace)
    spikes = _tm(trace.spikes[layer.name])
    # the adjoint recursion of this layer alone: no recurrent Jacobian, reset detached (a reset
    # whose Jacobian depends on the state would see the input without the recurrent term here;
    # online=True includes it)
    lay = _Layer(net, i, trace, net.layer_params(params, i), src, spikes,
                 params[f"{layer.name}.W"], None,
                 None if signal is None else {layer.name: signal},
                 {layer.name: grad_states} if grad_states else None)
    if compiled and covers(layer, dm, recurrent=False, n_ref=net.n_ref[i], detach=True,
                           surrogate=net.spec.surrogate):
        lay.solve_compiled(None)
    else:
        lay.solve(None, True)
    d2 = lay.delta.reshape(-1, layer.n)
    out = {f"{layer.name}.W": src.reshape(-1, src.shape[2]).T @ d2}
    if layer.recurrent:
        out[f"{layer.name}.R"] = spikes.reshape(-1, layer.n).T @ d2
    out.update({f"{layer.name}.{k}": g for k, g in lay.param_grads().items()})
    return out


def _online(net, i, params, trace, signal, grad_states) -> dict[str, np.ndarray]:
    """:func:`layer_eligibility` with the traces run forward in time (see the module doc)."""
    layer, dm = net.spec.layers[i], net.discrete[i]
    p = net.layer_params(params, i)
    X = [_tm(trace.states[layer.name][v]) for v in dm.states]           # (T+1, B, n)
    s = _tm(trace.spikes[layer.name])                                  # (T, B, n)
    t_steps, b, n = s.shape
    src = _source(net, i, trace)                                       # (T, B, n_pre)
    refr = _tm(refractory_mask(np.swapaxes(s, 0, 1), net.n_ref[i])) if net.n_ref[i] > 1 \
        else None
    Xk = [x[:t_steps] for x in X]
    JF, JFp = dm.update_jacobian(Xk, p, refr)
    gate = 1.0
    if layer.spiking:
        XP = dm.update(Xk, p, refr)
        sg = net.spec.surrogate.grad_scaled(dm.threshold(XP, p), net.scales[i])
        SG = sg if refr is None else np.where(refr, 0.0, sg)
        DHX, DHP = dm.threshold_jacobian(XP, p)
        if net.gated[i]:
            gate = (1.0 - s) if refr is None else np.where(refr, 0.0, 1.0) * (1.0 - s)
        XPP = XP
        if dm.reset_jacobian_uses_state:
            U = (src.reshape(-1, src.shape[2]) @ params[f"{layer.name}.W"]).reshape(s.shape)
            if layer.recurrent:
                U = U + (s.reshape(-1, n) @ params[f"{layer.name}.R"]).reshape(s.shape)
            XPP = list(XP)
            XPP[net.target_index[i]] = XPP[net.target_index[i]] + U * gate
        JR, JRp = dm.reset_jacobian(XPP, p)
        coeff = None if signal is None else _tm(signal) * SG            # (T, B, n)
    gx = {dm.states.index(v): _tm(g) for v, g in (grad_states or {}).items()}
    t, n_x = net.target_index[i], len(dm.states)
    sources = {"W": src}
    if layer.recurrent:
        sources["R"] = s
    # weight traces eta[name][c]: (B, n_pre, n); parameter traces etap[name][c]: (B, n)
    eta = {w: [np.zeros((b, a.shape[2], n)) for _ in range(n_x)] for w, a in sources.items()}
    gW = {w: np.zeros((a.shape[2], n)) for w, a in sources.items()}
    etap = {k: [None] * n_x for k in dm.trainable}
    for c in range(n_x):
        unit = [np.ones((b, n)) if j == c else np.zeros((b, n)) for j in range(n_x)]
        for k, d in dm.initial_vjp(unit, p).items():
            etap[k][c] = d
    gp = {k: np.zeros(n) for k in dm.trainable}

    def at(a, k):
        return a[k] if np.ndim(a) == 3 else a

    for k in range(t_steps):
        # groups: eps_k = J_F(x_k) eta_k (+ dF/dp)
        eps = {w: _apply(JF, tr, k, n_x, at, expand=True) for w, tr in eta.items()}
        epsp = {name: _apply(JF, tr, k, n_x, at) for name, tr in etap.items()}
        for (c, name), d in JFp.items():
            epsp[name][c] = epsp[name][c] + at(d, k)
        # thresholds: the learning signal meets the eligibility
        if layer.spiking and coeff is not None:
            for c, d in DHX.items():
                wc = coeff[k] * at(d, k)
                for w in eta:
                    gW[w] += np.einsum("bj,bij->ij", wc, eps[w][c], optimize=True)
                for name in etap:
                    gp[name] += (wc * epsp[name][c]).sum(axis=0)
            for name, d in DHP.items():
                gp[name] += (coeff[k] * at(d, k)).sum(axis=0)
        # synapses: the presynaptic spike enters the target variable
        g = at(gate, k)
        for w, a in sources.items():
            pre = a[k][:, :, None]
            eps[w][t] = eps[w][t] + (pre * g[:, None, :] if np.ndim(g) == 2 else pre * g)
        # resets (detached from the spike): eta_{k+1} = J_R eps''
        if layer.spiking:
            sk = s[k]
            eta = {w: _reset(JR, tr, sk, k, dm.resets, at, expand=True) for w, tr in eps.items()}
            etap = {name: _reset(JR, tr, sk, k, dm.resets, at) for name, tr in epsp.items()}
            for (c, name), d in JRp.items():
                etap[name][c] = etap[name][c] + sk * at(d, k)
        else:
            eta, etap = eps, epsp
        # a loss on the states x_{k+1}
        for c, gk in gx.items():
            for w in eta:
                gW[w] += np.einsum("bj,bij->ij", gk[k], eta[w][c], optimize=True)
            for name in etap:
                gp[name] += (gk[k] * etap[name][c]).sum(axis=0)
    out = {f"{layer.name}.{w}": g for w, g in gW.items()}
    out.update({f"{layer.name}.{k}": g for k, g in gp.items()})
    return out


def _apply(J, tr, k, n_x, at, expand=False):
    """``(J tr)[c] = sum_j J[c, j] tr[j]`` at step *k* (J: dict of nonzero entries)."""
    new = [None] * n_x
    for (c, j), d in J.items():
        dk = at(d, k)
        if expand and np.ndim(dk) == 2:
            dk = dk[:, None, :]
        term = tr[j] * dk
        new[c] = term if new[c] is None else new[c] + term
    return [np.zeros_like(tr[0]) if v is None else v for v in new]


def _reset(JR, tr, sk, k, resets, at, expand=False):
    """``tr + s (dR/dx tr - tr)`` on the rows the reset changes."""
    s = sk[:, None, :] if expand else sk
    new = [tr[c] * (1.0 - s) if r else tr[c] for c, r in enumerate(resets)]
    for (c, j), d in JR.items():
        dk = at(d, k)
        if expand and np.ndim(dk) == 2:
            dk = dk[:, None, :]
        new[c] = new[c] + tr[j] * s * dk
    return new
