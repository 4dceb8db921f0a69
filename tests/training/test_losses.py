"""Losses: known values on hand-computed examples, and gradients vs central finite differences."""
import numpy as np
import pytest

from neurolab_snn.coding import first_spike_times
from neurolab_snn.training import (CECount, CEMaxMembrane, CERate, CETemporal, L1Rate, L2Rate,
                                   MSECount, MSETemporal, VanRossum, ce_rate_loss,
                                   l1_rate_sparsity, mse_count_loss)
from neurolab_snn.units import mV, ms, second, volt

FD_RTOL = 1e-7


def fd_grad(f, x, h):
    """Central finite differences of scalar f at float64 array x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def max_rel_err(grad, fd):
    return float(np.max(np.abs(grad - fd)) / np.max(np.abs(fd)))


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


# ------------------------------------------------------------------ known values
def test_ce_count_uniform_counts_is_log_c():
    spikes = np.zeros((2, 5, 4))
    value, grad = CECount().value_and_grad(spikes, np.array([1, 3]))
    assert value == pytest.approx(np.log(4), rel=1e-14)
    # d/dn: (1/4 - onehot)/B at every step
    assert grad[0, 2] == pytest.approx([0.125, -0.375, 0.125, 0.125], rel=1e-14)


def test_ce_count_hand_example():
    # counts (2, 0): p(class 0) = e^2/(e^2 + 1)
    spikes = np.zeros((1, 3, 2))
    spikes[0, :2, 0] = 1
    value = CECount()(spikes, np.array([0]))
    assert value == pytest.approx(np.log1p(np.exp(-2.0)), rel=1e-14)


def test_ce_rate_averages_per_step_cross_entropy():
    spikes = np.zeros((1, 2, 2))
    spikes[0, 0, 0] = 1.0  # step 0: logits (1, 0); step 1: (0, 0)
    value = CERate()(spikes, np.array([0]))
    expected = 0.5 * (np.log1p(np.exp(-1.0)) + np.log(2))
    assert value == pytest.approx(expected, rel=1e-14)


def test_mse_count_hand_example_and_snntorch_truncation():
    # T = 10, rates 0.75 / 0.25 -> target counts floor(7.5) = 7 and floor(2.5) = 2
    loss = mse_count_loss(correct_rate=0.75, incorrect_rate=0.25)
    assert loss.target_counts(np.array([1]), 10, 3).tolist() == [[2, 7, 2]]
    spikes = np.zeros((1, 10, 3))
    spikes[0, :4, 0] = 1   # counts (4, 0, 0): errors (2, -7, -2)
    value = loss(spikes, np.array([1]))
    assert value == pytest.approx((4 + 49 + 4) / 3 / 10, rel=1e-14)


def test_ce_temporal_negate_and_reciprocal_values():
    times = np.array([[1.0, 2.0]]) * ms
    neg = CETemporal(time_scale=1 * ms)(times, np.array([0]))
    assert neg == pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-14)  # logits (-1, -2)
    rec = CETemporal(time_scale=1 * ms, inverse="reciprocal")(times, np.array([1]))
    z = np.array([1 / 2, 1 / 3])
    assert rec == pytest.approx(-(z[1] - np.log(np.exp(z).sum())), rel=1e-14)


def test_mse_temporal_targets_and_tolerance():
    loss = MSETemporal(duration=10 * ms, on_target=1 * ms, off_target=9 * ms)
    times = np.array([[2.0, 9.0, 5.0]]) * ms  # residuals (1, 0, -4) ms
    assert loss(times, np.array([0])) == pytest.approx((1 + 16) / 3 / 100, rel=1e-13)
    tol = MSETemporal(duration=10 * ms, on_target=1 * ms, off_target=9 * ms, tolerance=1.5 * ms)
    assert tol(times, np.array([0])) == pytest.approx(16 / 3 / 100, rel=1e-13)
    explicit = loss(times, np.array([[2.0, 9.0, 1.0]]) * ms)
    assert explicit == pytest.approx(16 / 3 / 100, rel=1e-13)


def test_ce_max_membrane_uses_max_over_time():
    v = np.zeros((1, 3, 2))
    v[0, 1, 0] = 2.0
    v[0, 2, 1] = 1.0   # max (2, 1) mV -> logits (2, 1)
    value, grad = CEMaxMembrane(v_scale=1 * mV).value_and_grad(v * mV, np.array([1]))
    assert value == pytest.approx(np.log1p(np.exp(1.0)), rel=1e-14)
    assert np.count_nonzero(grad) == 2 and grad[0, 2, 1] < 0 < grad[0, 1, 0]


def test_van_rossum_single_spike_and_pair_closed_forms():
    dt, tau, n = 0.1 * ms, 10 * ms, 4000      # window 40 tau: truncation e^-80
    a = np.exp(-0.01)
    loss = VanRossum(tau=tau, dt=dt)
    one, empty = np.zeros((1, n, 1)), np.zeros((1, n, 1))
    one[0, 100, 0] = 1
    discrete = 0.01 / (1 - a ** 2)
    assert loss(one, empty) == pytest.approx(discrete, rel=1e-12)
    assert loss(one, empty) == pytest.approx(0.5, abs=0.01)      # continuum 1/2, O(dt/tau)
    other = np.zeros((1, n, 1))
    other[0, 150, 0] = 1                                          # 5 ms = tau / 2 later
    assert loss(one, other) == pytest.approx(2 * 0.01 * (1 - a ** 50) / (1 - a ** 2), rel=1e-12)
    assert loss(one, other) == pytest.approx(1 - np.exp(-0.5), abs=0.01)
    assert loss(one, one) == 0.0


def test_regularisers_values():
    spikes = np.zeros((2, 4, 3))
    spikes[0, :3, 1] = 1
    spikes[1, 0, 2] = 1
    assert l1_rate_sparsity(0.5)(spikes) == pytest.approx(0.5 * 4)
    assert L2Rate(0.5)(spikes) == pytest.approx(0.5 * (9 + 1))


def test_snntorch_aliases_are_the_classes():
    assert ce_rate_loss is CERate and mse_count_loss is MSECount
    assert mse_count_loss(0.8, 0.2) == MSECount(correct_rate=0.8, incorrect_rate=0.2)


# ------------------------------------------------------------------ finite differences
def _labels(rng, b, c):
    return rng.integers(0, c, size=b)


CASES = {  # loss, output (SI float64), targets, FD step, unit of the output (None: plain)
    "CERate": lambda rng: (CERate(), rng.normal(size=(3, 4, 5)), _labels(rng, 3, 5), 1e-6, None),
    "CECount": lambda rng: (CECount(), rng.random((3, 4, 5)), _labels(rng, 3, 5), 1e-6, None),
    "MSECount": lambda rng: (MSECount(0.8, 0.2), rng.random((3, 6, 4)), _labels(rng, 3, 4),
                             1e-6, None),
    "CETemporal": lambda rng: (CETemporal(time_scale=2 * ms), rng.random((3, 4)) * 1e-2,
                               _labels(rng, 3, 4), 1e-9, second),
    "CETemporal_reciprocal": lambda rng: (CETemporal(time_scale=2 * ms, inverse="reciprocal"),
                                          rng.random((3, 4)) * 1e-2, _labels(rng, 3, 4), 1e-9,
                                          second),
    "MSETemporal": lambda rng: (MSETemporal(duration=20 * ms, on_target=2 * ms,
                                            tolerance=0.5 * ms),
                                np.array([[0.003, 0.0151, 0.008], [0.019, 0.0021, 0.012]]),
                                np.array([0, 1]), 1e-9, second),
    "CEMaxMembrane": lambda rng: (CEMaxMembrane(v_scale=2 * mV),
                                  rng.normal(size=(3, 5, 4)) * 1e-3, _labels(rng, 3, 4), 1e-9,
                                  volt),
    "VanRossum": lambda rng: (VanRossum(tau=5 * ms, dt=1 * ms), rng.random((2, 12, 3)),
                              (rng.random((2, 12, 3)) < 0.2) * 1.0, 1e-6, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name, rng):
    loss, x, targets, h, unit = CASES[name](rng)
    with_unit = (lambda z: z) if unit is None else (lambda z: z * unit)  # noqa: E731
    f = lambda z: loss(with_unit(z), targets)  # noqa: E731
    value, grad = loss.value_and_grad(with_unit(x), targets)
    fd = fd_grad(f, x, h)
    assert value == f(x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    err = max_rel_err(grad, fd)
    print(f"{name}: max relative error vs central differences {err:.2e}")
    assert err < FD_RTOL


@pytest.mark.parametrize("reg", [L1Rate(0.3), L2Rate(0.3)])
def test_regulariser_gradients_match_central_differences(reg, rng):
    x = rng.random((2, 5, 3))
    value, grad = reg.value_and_grad(x)
    assert value == reg(x)
    assert max_rel_err(grad, fd_grad(reg, x, 1e-6)) < FD_RTOL


def test_temporal_loss_on_decoded_first_spikes():
    spikes = np.zeros((2, 10, 3))
    spikes[0, 2, 0] = spikes[0, 5, 1] = 1
    spikes[1, 1, 2] = 1
    times = first_spike_times(spikes, 1 * ms, no_spike=9 * ms)
    assert np.asarray(times / ms).tolist() == [[2, 5, 9], [9, 9, 1]]
    value = CETemporal(time_scale=1 * ms)(times, np.array([0, 2]))
    expected = np.mean([np.log(1 + np.exp(-3) + np.exp(-7)), np.log(1 + 2 * np.exp(-8))])
    assert value == pytest.approx(expected, rel=1e-13)


# ------------------------------------------------------------------ bad input
def test_bad_inputs_name_the_parameter():
    s = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="'targets'.*label 4"):
        CECount()(s, np.array([0, 4]))
    with pytest.raises(TypeError, match="'targets'"):
        CERate()(s, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="'spikes'.*shape"):
        CECount()(s[0], np.array([0, 1]))
    with pytest.raises(ValueError, match="'correct_rate'"):
        MSECount(correct_rate=1.5)
    with pytest.raises(TypeError, match="(?s)'times'.*without units"):
        CETemporal(time_scale=1 * ms)(np.ones((2, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match="'times'.*no_spike"):
        CETemporal(time_scale=1 * ms)(np.full((2, 4), np.inf) * ms, np.array([0, 1]))
    with pytest.raises(TypeError, match="'time_scale'"):
        CETemporal(time_scale=1.0)
    with pytest.raises(ValueError, match="'inverse'"):
        CETemporal(time_scale=1 * ms, inverse="log")
    with pytest.raises(TypeError, match="'membrane'"):
        CEMaxMembrane()(s * ms, np.array([0, 1]))
    with pytest.raises(ValueError, match="'target'.*shape"):
        VanRossum()(s, s[:, :2])
    with pytest.raises(ValueError, match="'strength'"):
        L1Rate(-1.0)
