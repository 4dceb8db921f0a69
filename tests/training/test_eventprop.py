"""EventProp and SpikeProp: gradients against central finite differences of the event-driven
solution, SpikeProp against EventProp, the closed form against Brian2's trace, bad input.

Tolerances.  The event-driven solution (:func:`simulate_events`) is smooth in the
weights between changes of the spike pattern; its spike times come from bisection
to the last bit, so the loss is known to ~1e-16 relative.  Central differences
with step h = 1e-7 V (weights ~0.05 V) have truncation error ~h^2 |L'''| ~ 1e-13
and rounding error ~1e-16 / h ~ 1e-9: the gradients must agree to 1e-6 of the
largest entry (observed ~1e-9).  SpikeProp and EventProp compute the same
quantity by different recursions: 1e-12.
"""
import numpy as np
import pytest

from neurolab_snn.models import LIF
from neurolab_snn.training import BrianForward, Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.eventprop import (bin_events, eventprop_gradient, first_spike_loss,
                                             first_spike_times_from, silent_label_penalty,
                                             spikeprop_gradient)
from neurolab_snn.training.methods import get_method
from neurolab_snn.training.tasks import Dataset, load_digits_split
from neurolab_snn.training.spike_times import (LIFExpConstants, crossing_time, propagate,
                                               psp_kernel, refine_spike_times, simulate_events)
from neurolab_snn.units import mV, ms, pA

DURATION = 0.03
DT_BIN = 5e-5
SIZES = (5, 4, 3)
LABELS = np.array([0, 2])


def _consts(single=False):
    model = LIF(t_ref=(40 if single else 0) * ms, tau_m=20 * ms, synapse="exponential",
                tau_syn=5 * ms)
    return LIFExpConstants.from_model(model, DURATION)


def _problem(seed=1, single=False, scale=1.0):
    rng = np.random.default_rng(seed)
    weights = [scale * rng.normal(0.04, 0.03, (5, 4)), scale * rng.normal(0.05, 0.03, (4, 3))]
    steps = rng.integers(0, 200, (len(LABELS), SIZES[0]))        # input bins
    return weights, steps, _consts(single)


def _events(weights, steps, c):
    """Twin spike times and currents, binned: (times, currents) per layer, (B, K, n)."""
    n_bins = int(round(DURATION / DT_BIN))
    times = [np.full((len(steps), n_bins, n), np.nan) for n in SIZES[1:]]
    currents = [np.full_like(t, np.nan) for t in times]
    for b, row in enumerate(steps):
        spikes, js = simulate_events(weights, [(k + 1) * DT_BIN for k in row], DURATION, [c, c])
        for layer in range(2):
            times[layer][b] = bin_events(spikes[layer], n_bins, DT_BIN)
            for n, (ts, jj) in enumerate(zip(spikes[layer], js[layer])):
                currents[layer][b, np.ceil(ts / DT_BIN).astype(int) - 1, n] = jj
    x = np.zeros((len(steps), n_bins, SIZES[0]))
    for b, row in enumerate(steps):
        x[b, row, np.arange(SIZES[0])] = 1.0
    return x, times, currents


def _loss(weights, steps, c):
    _, times, _ = _events(weights, steps, c)
    first = first_spike_times_from(times[-1])
    return first_spike_loss(first, LABELS, time_scale=2e-3, duration=DURATION)


def _fd(weights, steps, c, h=1e-7):
    out = []
    for layer, w in enumerate(weights):
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            plus = [v.copy() for v in weights]
            minus = [v.copy() for v in weights]
            plus[layer][idx] += h
            minus[layer][idx] -= h
            g[idx] = (_loss(plus, steps, c)[0] - _loss(minus, steps, c)[0]) / (2 * h)
        out.append(g)
    return out


def _assert_close(grads, reference, rel):
    for g, r in zip(grads, reference):
        assert np.max(np.abs(g - r)) <= rel * np.max(np.abs(r)), (g, r)


def test_eventprop_equals_finite_differences_for_every_weight():
    weights, steps, c = _problem()
    x, times, currents = _events(weights, steps, c)
    assert max(np.isfinite(t).sum(axis=1).max() for t in times) >= 2   # neurons spike again
    value, g_t, silent = _loss(weights, steps, c)
    assert silent == 0
    grads = eventprop_gradient(weights, [c, c], x, times, currents, g_t, DT_BIN)
    _assert_close(grads, _fd(weights, steps, c), 1e-6)


def test_spikeprop_equals_eventprop_and_finite_differences_single_spike():
    weights, steps, c = _problem(single=True)
    assert c.single_spike
    x, times, currents = _events(weights, steps, c)
    assert max(np.isfinite(t).sum(axis=1).max() for t in times) == 1
    _, g_t, _ = _loss(weights, steps, c)
    ep = eventprop_gradient(weights, [c, c], x, times, currents, g_t, DT_BIN)
    sp = spikeprop_gradient(weights, [c, c], (steps + 1) * DT_BIN,
                            [first_spike_times_from(t) for t in times], g_t)
    _assert_close(sp, ep, 1e-12)
    _assert_close(sp, _fd(weights, steps, c), 1e-6)


def test_no_output_spike_gives_a_finite_zero_gradient():
    weights, steps, c = _problem(scale=0.1)            # too weak: nothing fires
    x, times, currents = _events(weights, steps, c)
    value, g_t, silent = _loss(weights, steps, c)
    assert silent == len(LABELS) * SIZES[2]
    assert value == pytest.approx(np.log(SIZES[2]), rel=1e-12)   # all at the window end
    for grads in (eventprop_gradient(weights, [c, c], x, times, currents, g_t, DT_BIN),
                  spikeprop_gradient(weights, [c, c], (steps + 1) * DT_BIN,
                                     [first_spike_times_from(t) for t in times], g_t)):
        assert all(np.isfinite(g).all() and not g.any() for g in grads)


def test_closed_form_and_crossing_times_match_the_brian2_trace():
    model = LIF(t_ref=0 * ms, tau_m=20 * ms, synapse="exponential", tau_syn=5 * ms)
    spec = NetworkSpec(6, (Layer("hidden", model, 4, target="I_syn", scale=100 * pA),), dt=0.1 * ms)
    net = TrainableNetwork(spec)
    rng = np.random.default_rng(3)
    params = {"hidden.W": rng.normal(150e-12, 80e-12, (6, 4))}
    x = (rng.random((2, 200, 6)) < 0.02).astype(float)
    trace = BrianForward(net, 2, 200).run(params, x)
    c = LIFExpConstants.from_model(model, 0.02)
    v, i_syn, s = trace.states["hidden"]["v"], trace.states["hidden"]["I_syn"], \
        trace.spikes["hidden"]
    assert s.sum() >= 4
    u, j = propagate(v[:, :-1] - c.e_l, c.r_m * i_syn[:, :-1], 1e-4, c)
    quiet = (x.sum(axis=2, keepdims=True) == 0) & (s == 0)           # no jump at the step end
    np.testing.assert_allclose((u + c.e_l)[quiet], v[:, 1:][quiet], rtol=1e-12, atol=0)
    np.testing.assert_allclose(j[quiet] / c.r_m, i_syn[:, 1:][quiet], rtol=1e-12, atol=0)
    times, j_at = refine_spike_times(s, v, i_syn, 1e-4, c)
    b, k, n = np.nonzero(s)
    t = times[b, k, n]
    assert np.all((t > k * 1e-4) & (t <= (k + 1) * 1e-4))
    u_t, _ = propagate(v[b, k, n] - c.e_l, c.r_m * i_syn[b, k, n], t - k * 1e-4, c)
    np.testing.assert_allclose(u_t, c.theta, rtol=1e-12)
    # a crossing inside a step exactly where Brian2 spiked
    found = np.isfinite(crossing_time(v[:, :-1] - c.e_l, c.r_m * i_syn[:, :-1], 1e-4, c))
    np.testing.assert_array_equal(found, s > 0)


def test_event_driven_twin_against_brian2():
    """First spikes of the first layer: exact on both (inputs on the grid) to 1e-12 s;
    output spikes: Brian2 delivers hidden spikes at the end of their step, an O(dt) error
    that halves with dt."""
    c = _consts()
    rng = np.random.default_rng(5)
    weights = [rng.normal(0.06, 0.03, (5, 4)), rng.normal(0.12, 0.03, (4, 3))]
    model = LIF(t_ref=0 * ms, tau_m=20 * ms, synapse="exponential", tau_syn=5 * ms)
    in_times = rng.integers(1, 50, 5) * 2e-4                    # on the grid of both dt
    errors = []
    for dt in (2e-4, 1e-4):
        n_steps = int(round(DURATION / dt))
        spec = NetworkSpec(5, (Layer("hidden", model, 4, target="I_syn", scale=100 * pA),
                               Layer("output", model, 3, target="I_syn", scale=100 * pA)),
                           dt=dt * 1e3 * ms)
        params = {"hidden.W": weights[0] / c.r_m, "output.W": weights[1] / c.r_m}
        x = np.zeros((1, n_steps, 5))
        x[0, np.rint(in_times / dt).astype(int) - 1, np.arange(5)] = 1.0  # arrive at in_times
        trace = BrianForward(TrainableNetwork(spec), 1, n_steps).run(params, x)
        refined = [refine_spike_times(trace.spikes[name], trace.states[name]["v"],
                                      trace.states[name]["I_syn"], dt, c)[0]
                   for name in ("hidden", "output")]
        twin, _ = simulate_events(weights, in_times, DURATION, [c, c])
        first_hidden = first_spike_times_from(refined[0])[0]
        np.testing.assert_allclose(first_hidden, [ts[0] for ts in twin[0]], rtol=0, atol=1e-12)
        first_out = first_spike_times_from(refined[1])[0]
        errors.append(np.max(np.abs(first_out - [ts[0] for ts in twin[1]])))
    assert 0 < errors[1] < 0.75 * errors[0] and errors[0] < 2e-4, errors


def test_method_quick_run_is_deterministic():
    train = get_method("eventprop")
    tr, va, te = load_digits_split()
    data = (Dataset(tr.x[:60], tr.y[:60]), Dataset(va.x[:30], va.y[:30]),
            Dataset(te.x[:30], te.y[:30]))
    runs = [train(quick=True, seed=4, epochs=1, data=data) for _ in range(2)]
    assert runs[0]["method"] == "eventprop" and runs[0]["rule"] == "eventprop"
    assert 0.0 <= runs[0]["test_accuracy"] <= 1.0
    assert runs[0]["test_accuracy"] == runs[1]["test_accuracy"]
    assert runs[0]["history"][0]["train_loss"] == runs[1]["history"][0]["train_loss"]
    assert np.isfinite(runs[0]["history"][0]["train_loss"])
    sp = train(quick=True, seed=4, epochs=1, data=data, rule="spikeprop")
    assert sp["rule"] == "spikeprop" and np.isfinite(sp["history"][0]["train_loss"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(encoding="rate"), "encoding='rate'"),
    (dict(model="GIF"), "model='GIF'"),
    (dict(rule="tempotron"), "rule='tempotron'"),
    (dict(backend="genn"), "backend='genn'"),
    (dict(learning_rate=0.1), "learning_rate"),
])
def test_method_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        get_method("eventprop")(quick=True, **kwargs)


def test_bad_models_and_events():
    with pytest.raises(ValueError, match="synapse='exponential'"):
        LIFExpConstants.from_model(LIF(), 0.03)
    with pytest.raises(ValueError, match="t_ref"):
        LIFExpConstants.from_model(LIF(synapse="exponential", t_ref=2 * ms), 0.03)
    with pytest.raises(ValueError, match="tau_syn"):
        LIF(synapse="exponential", tau_m=5 * ms, tau_syn=5 * ms)
    with pytest.raises(ValueError, match="two events in bin"):
        bin_events([np.array([1.01e-3, 1.02e-3])], 10, 1e-3)
    with pytest.raises(TypeError):
        LIF(synapse="exponential", tau_syn=5 * mV)


def test_silent_label_penalty_gradient_equals_finite_differences():
    c = _consts()
    rng = np.random.default_rng(2)
    dt, n_steps = 5e-4, 60
    pre = np.full((2, n_steps, 4), np.nan)
    pre[0, [3, 10, 20], [0, 1, 3]] = [1.7e-3, 5.2e-3, 10.1e-3]
    pre[1, [5, 8], [2, 0]] = [2.9e-3, 4.4e-3]
    labels = np.array([1, 2])
    first = np.array([[4e-3, np.nan, np.nan], [np.nan, 8e-3, np.nan]])   # both labels silent

    def penalty(w):
        t = np.arange(n_steps + 1)[None, :, None, None] * dt
        d = t - pre[:, None]                                    # (B, T+1, K, n_pre)
        k = np.where(d > 0, psp_kernel(np.where(d > 0, d, 0.0), c), 0.0).sum(axis=2)
        u = np.einsum("btp,po->bto", k, w)                      # exact potentials, no spikes
        return silent_label_penalty(first, labels, u, pre, c, dt, 0.7)

    w = rng.normal(0.01, 0.005, (4, 3))                        # sub-threshold
    value, grad = penalty(w)
    assert value > 0 and np.count_nonzero(grad) >= 2
    fd = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        plus, minus = w.copy(), w.copy()
        plus[idx] += 1e-7
        minus[idx] -= 1e-7
        fd[idx] = (penalty(plus)[0] - penalty(minus)[0]) / 2e-7
    np.testing.assert_allclose(grad, fd, rtol=0, atol=1e-6 * np.max(np.abs(fd)))
