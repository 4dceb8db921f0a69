"""Optimisers, schedules and constraints."""
import numpy as np
import pytest

from neurolab_snn.training.optim import (SGD, Adam, Constraints, ConstantLR, CosineLR, StepLR,
                                         make_optimizer, scales)


def _quadratic(params):
    # minimum at w = 3e-3 (volts) and tau = 2e-2 (seconds): very different scales
    return {"w": 2 * (params["w"] - 3e-3), "tau": 2 * (params["tau"] - 2e-2)}


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_optimisers_reach_the_minimum_at_any_scale(name):
    params = {"w": np.array([1e-3, -2e-3]), "tau": np.array([1e-2])}
    opt = make_optimizer(name, params, lr=0.05 if name == "adam" else 0.1,
                         scale={"w": 1e-3, "tau": 1e-2})
    for _ in range(600):
        opt.step(params, {k: g * ({"w": 1e3, "tau": 1e2}[k]) ** 2
                          for k, g in _quadratic(params).items()})
    np.testing.assert_allclose(params["w"], 3e-3, rtol=1e-3)
    np.testing.assert_allclose(params["tau"], 2e-2, rtol=1e-3)


def test_adam_first_step_is_lr_times_scale():
    params = {"w": np.array([0.0, 0.0])}
    opt = Adam(params, lr=0.1, scale={"w": 1e-3})
    opt.step(params, {"w": np.array([5.0, -1e-2])})
    np.testing.assert_allclose(params["w"], [-1e-4, 1e-4], rtol=2e-3)   # eps = 1e-8


def test_state_dict_round_trip():
    params = {"w": np.ones(3)}
    a = SGD(params, lr=0.1, momentum=0.9)
    a.step(params, {"w": np.ones(3)})
    b = SGD({"w": np.ones(3)}, lr=0.5, momentum=0.9)
    b.load_state_dict(a.state_dict())
    assert b.t == 1 and b.lr == 0.1
    np.testing.assert_array_equal(b.b["w"], a.b["w"])
    with pytest.raises(ValueError, match="momentum"):
        SGD(params, momentum=1.0)
    with pytest.raises(ValueError, match="lr"):
        Adam(params, lr=0.0)
    with pytest.raises(ValueError, match="optimizer"):
        make_optimizer("rmsprop", params, 0.1)


def test_schedules():
    assert ConstantLR().factor(99) == 1.0
    assert [StepLR(2, 0.5).factor(e) for e in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    cos = CosineLR(10, minimum=0.1)
    assert cos.factor(0) == pytest.approx(1.0) and cos.factor(10) == pytest.approx(0.1)
    assert cos.factor(5) == pytest.approx(0.55)
    with pytest.raises(ValueError):
        StepLR(0)


def test_constraints_dale_masks_bounds():
    rng = np.random.default_rng(0)
    params = {"R": rng.normal(size=(4, 4)), "tau": np.array([-1.0, 0.5, 3.0])}
    signs = {"R": np.array([1, 1, -1, 0.0])[:, None] * np.ones((4, 4))}
    c = Constraints(signs=signs, masks={"R": 1 - np.eye(4)}, bounds={"tau": (0.1, 2.0)})
    assert c.violations(params) > 0
    c.apply(params)
    assert c.violations(params) == 0
    assert (params["R"][:2] >= 0).all() and (params["R"][2] <= 0).all()
    assert np.all(np.diag(params["R"]) == 0)
    np.testing.assert_array_equal(params["tau"], [0.1, 0.5, 2.0])


def test_scales():
    s = scales({"a": np.array([1e-3, -3e-3]), "b": np.zeros(2)}, {"c": 5.0})
    assert s == {"a": pytest.approx(2e-3), "b": 1.0}
