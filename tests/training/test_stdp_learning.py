"""Diehl & Cook (2015) STDP learning: bounds, threshold adaptation, labelling, bad input."""
import numpy as np
import pytest

from neurolab_snn.models import LIF, AdaptiveLIF
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.stimuli import step_current
from neurolab_snn.training.methods import get_method
from neurolab_snn.training.stdp_learning import (STDPSettings, assign_labels, classify,
                                                 diehl_cook_model, frozen_threshold, respond,
                                                 run_presentations, train_stdp)
from neurolab_snn.training.tasks import Dataset, load_digits_split
from neurolab_snn.units import Hz, mV, ms, nA, second, to_si

#: A small network: 12 neurons, 40 ms presentations.  The tests use Brian2's numpy code
#: generation: Cython would compile every new set of constants (minutes on a busy CPU).
SMALL = STDPSettings(n_exc=12, t_present=40 * ms)
NP = dict(backend="numpy")


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def test_weights_stay_in_bounds_and_are_normalised(digits):
    """Large learning rates drive weights to both bounds; none leaves [0, 1].

    Without learning (nu = 0) the weights at the end are the normalised initial
    ones: every column sums to w_total (rtol 1e-12).
    """
    x = digits[0].x[:30]
    strong = STDPSettings(n_exc=12, t_present=40 * ms, nu_pre=0.05, nu_post=0.5, w_total=12.0)
    res = run_presentations(strong, x, model=diehl_cook_model(), seed=3, **NP)
    w = res["weights"]
    assert res["counts"].sum() > 30
    assert w.min() >= 0.0 and w.max() <= 1.0
    assert (w == 0.0).mean() > 0.05 and (w == 1.0).mean() > 0.01   # both bounds reached
    frozen_rule = STDPSettings(n_exc=12, t_present=40 * ms, nu_pre=0.0, nu_post=0.0,
                               nu_pair=0.0)
    res = run_presentations(frozen_rule, x[:3], model=diehl_cook_model(), seed=3, **NP)
    np.testing.assert_allclose(res["weights"].sum(axis=0), 6.4, rtol=1e-12)   # 0.1 * 64
    assert res["weights"].max() <= 1.0


def test_threshold_after_k_spikes_matches_closed_form():
    """theta(t) = Delta_th sum_{t_s < t} exp(-(t - dt - t_s)/tau_a) (rtol 1e-9).

    Conductance AdaptiveLIF driven by a current step, tau_a shortened to 50 ms
    so that the decay between spikes matters; theta is linear and exponential
    Euler integrates it exactly.  The monitor records at the start of a step,
    so a spike at t_s shows in the sample at t_s + dt.
    """
    model = AdaptiveLIF("diehl_cook2015", synapse="conductance", tau_a=50 * ms,
                        Delta_th=2 * mV)
    dt = 0.1 * ms
    pulse = step_current([0.1] * nA, 200 * ms, dt, 10 * ms, 150 * ms)
    rec = simulate(model, 200 * ms, I_ext=CurrentInput(pulse, dt), record=("theta",), dt=dt,
                   backend="numpy")
    spikes = rec.main.spike_times
    assert len(spikes) >= 4
    t = rec.trace_times
    lag = t[:, None] - to_si(dt) - spikes[None, :]
    expected = 2e-3 * np.where(lag >= -1e-12, np.exp(-np.clip(lag, 0, None) / 0.05), 0).sum(1)
    np.testing.assert_allclose(rec.main.traces["theta"][0], expected, rtol=1e-9, atol=1e-15)


def test_threshold_adapts_during_learning_and_is_frozen_for_testing(digits):
    """Training: theta_j = Delta_th * (spikes of j) * decay, decay in [exp(-T/tau_a), 1].

    Labelling/testing (plastic=False): theta stays exactly at its given value.
    """
    x = digits[0].x[:20]
    res = run_presentations(SMALL, x, model=diehl_cook_model(Delta_th=SMALL.Delta_th), seed=1,
                            **NP)
    n_spikes = res["counts"].sum(axis=0)
    assert n_spikes.sum() > 50
    bound = to_si(SMALL.Delta_th) * n_spikes
    decay = np.exp(-len(x) * to_si(SMALL.t_present) / 1e4)      # tau_a = 1e4 s
    assert np.all(res["theta"] <= bound * (1 + 1e-12))
    assert np.all(res["theta"] >= bound * decay * (1 - 1e-12))
    frozen = run_presentations(SMALL, x[:5], model=diehl_cook_model(), plastic=False,
                               weights=res["weights"], theta=res["theta"], seed=1, **NP)
    assert frozen["counts"].sum() > 0
    np.testing.assert_array_equal(frozen["theta"], res["theta"])
    # the re-presentation rule: no repeat = one run; repeats leave fewer weak images
    kw = dict(model=diehl_cook_model(), weights=res["weights"], theta=res["theta"], seed=2,
              **NP)
    once = respond(STDPSettings(n_exc=12, t_present=40 * ms, max_boosts=0), x[:8], **kw)
    plain = run_presentations(SMALL, x[:8], plastic=False, **kw)["counts"]
    np.testing.assert_array_equal(once, plain)
    boosted = respond(STDPSettings(n_exc=12, t_present=40 * ms, min_spikes=50), x[:8], **kw)
    weak = once.sum(axis=1) < 50
    assert weak.any()
    assert boosted[weak].sum(axis=1).mean() > once[weak].sum(axis=1).mean()
    silent = run_presentations(SMALL, x[:2], plastic=False, rate_scale=0.0, **kw)["counts"]
    assert silent.sum() == 0


def test_assign_labels_and_classify_on_known_counts():
    """Hand-computed class means; a tie goes to the lowest class, a silent neuron gets -1."""
    counts = np.array([[5, 0, 1, 0, 1], [3, 0, 0, 0, 1], [0, 4, 2, 0, 1], [1, 6, 0, 0, 1]])
    y = np.array([0, 0, 1, 1])
    labels, mean = assign_labels(counts, y, n_classes=3)
    np.testing.assert_array_equal(labels, [0, 1, 1, -1, 0])
    np.testing.assert_allclose(mean[:2], [[4, 0, 0.5, 0, 1], [0.5, 5, 1, 0, 1]])
    np.testing.assert_allclose(mean[2], 0)
    # class 0: neurons 0, 4; class 1: neurons 1, 2; class 2 has none and never wins
    pred = classify(np.array([[1, 9, 0, 3, 1], [8, 0, 3, 3, 0], [0, 0, 0, 0, 0]]), labels, 3)
    np.testing.assert_array_equal(pred, [1, 0, 0])


def test_labelling_is_deterministic_given_the_seed(digits):
    """Same seed: identical weights, labels and accuracy; another seed: other weights."""
    tr, va, te = digits
    data = (Dataset(tr.x[:30], tr.y[:30]), Dataset(va.x[:10], va.y[:10]),
            Dataset(te.x[:15], te.y[:15]))
    kw = dict(data=data, n_exc=10, t_present=30 * ms, max_boosts=1, **NP)
    a, b = train_stdp(seed=4, **kw), train_stdp(seed=4, **kw)
    np.testing.assert_array_equal(a["labels"], b["labels"])
    np.testing.assert_array_equal(a["receptive_fields"], b["receptive_fields"])
    assert a["test_accuracy"] == b["test_accuracy"]
    assert a["method"] == "stdp" and a["receptive_fields"].shape == (10, 64)
    assert get_method("stdp") is train_stdp
    settings = STDPSettings(n_exc=10, t_present=30 * ms)
    w4, w5 = (run_presentations(settings, tr.x[:10], model=diehl_cook_model(), seed=s,
                                **NP)["weights"] for s in (4, 5))
    assert np.abs(w4 - w5).max() > 1e-3


@pytest.mark.parametrize("kwargs, match", [
    (dict(encoding="latency"), "encoding='latency'"),
    (dict(backend="gpu"), "unknown backend"),
    (dict(model="GIF"), "model='GIF'"),
    (dict(backend="cpp_standalone"), "backend 'cpp_standalone'"),
    (dict(n_exc=0), "n_exc=0"),
    (dict(t_present=0.3 * ms), "not a multiple of dt"),
    (dict(w_unit=1 * mV), "w_unit.*dimension S"),
    (dict(learning_rate=0.1), "unknown option"),
    (dict(max_boosts=-1), "max_boosts=-1"),
])
def test_bad_input_is_rejected(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        train_stdp(**kwargs)


def test_bad_arrays_and_models_are_rejected():
    with pytest.raises(ValueError, match="pixel intensities in \\[0, 1\\]"):
        run_presentations(SMALL, np.full((2, 64), 3.0), model=diehl_cook_model())
    with pytest.raises(ValueError, match="weights has shape"):
        run_presentations(SMALL, np.zeros((2, 64)), model=diehl_cook_model(), plastic=False,
                          weights=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="no adaptive threshold"):
        frozen_threshold(LIF(synapse="conductance"))
    with pytest.raises(ValueError, match="class 3"):
        assign_labels(np.ones((2, 2)), np.array([0, 3]), n_classes=2)
    with pytest.raises(ValueError, match="no neuron has a label"):
        classify(np.ones((2, 2)), np.array([-1, -1]), 2)
