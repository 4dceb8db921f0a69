"""Grid parsing, point keys and input checks of neurolab_snn.sweep (no Dask cluster)."""
import numpy as np
import pytest

from neurolab_snn.sweep import expand_grid, parse_grid_option, parse_seeds, plan, point_key, sweep
from neurolab_snn.sweep.driver import SchedulerUnreachable
from neurolab_snn.units import Mohm, mV, ms, nA, pF, second, to_si


def test_parse_range_gives_n_values_with_both_ends():
    name, values = parse_grid_option("tau_m=10ms:30ms:5")
    assert name == "tau_m"
    np.testing.assert_allclose([to_si(v) for v in values], [0.010, 0.015, 0.020, 0.025, 0.030],
                               rtol=1e-15)
    assert all(v.has_same_dimensions(second) for v in values)


def test_parse_lists_of_names_numbers_and_quantities():
    assert parse_grid_option("model=LIF,GIF") == ("model", ["LIF", "GIF"])
    assert parse_grid_option("quick=true") == ("quick", [True])
    assert parse_grid_option("n_levels=4,8") == ("n_levels", [4, 8])
    name, values = parse_grid_option("R_m=50Mohm,100 Mohm")
    assert [float(v / Mohm) for v in values] == [50.0, 100.0]


@pytest.mark.parametrize("text, match", [
    ("tau_m", "expected NAME=START:STOP:N"),
    ("tau_m=10ms:30ms", "START:STOP:N"),
    ("tau_m=10ms:30mV:3", "same unit"),
    ("tau_m=10 parsecs", "unknown unit"),
    ("1x=3", "expected NAME"),
])
def test_parse_bad_grid_option(text, match):
    with pytest.raises(ValueError, match=match):
        parse_grid_option(text)


def test_parse_seeds():
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert parse_seeds("0,3,7") == [0, 3, 7]
    with pytest.raises(ValueError, match="runs backwards"):
        parse_seeds("4-0")
    with pytest.raises(ValueError, match="appears twice"):
        parse_seeds("1,1")
    with pytest.raises(ValueError, match="non-negative integers"):
        parse_seeds("a")


def test_expand_grid_product_order_and_lists():
    points = expand_grid({"model": ["LIF", "AdaptiveLIF"], "tau_m": np.array([10, 20]) * ms})
    assert [(p["model"], float(p["tau_m"] / ms)) for p in points] == [
        ("LIF", 10.0), ("LIF", 20.0), ("AdaptiveLIF", 10.0), ("AdaptiveLIF", 20.0)]
    assert expand_grid([{"a": 1}, {"a": 2}]) == [{"a": 1}, {"a": 2}]
    with pytest.raises(ValueError, match="empty"):
        expand_grid({})
    with pytest.raises(ValueError, match="empty"):
        expand_grid([])
    with pytest.raises(ValueError, match="has no values"):
        expand_grid({"tau_m": []})
    with pytest.raises(ValueError, match="repeats point 0"):
        expand_grid([{"tau_m": 10 * ms}, {"tau_m": 0.01 * second}])


def test_point_key_depends_on_job_value_unit_and_seed():
    key = point_key("fi-curve", {"tau_m": 10 * ms, "model": "LIF"}, 0)
    assert key == point_key("fi-curve", {"model": "LIF", "tau_m": 0.01 * second}, 0)
    assert len(key) == 16 and int(key, 16) >= 0
    assert key != point_key("fi-curve", {"tau_m": 10 * ms, "model": "LIF"}, 1)
    assert key != point_key("step-response", {"tau_m": 10 * ms, "model": "LIF"}, 0)
    assert key != point_key("fi-curve", {"tau_m": 11 * ms, "model": "LIF"}, 0)
    # same magnitude, another unit: another point
    assert point_key("x", {"a": 0.01 * second}, 0) != point_key("x", {"a": 0.01 * nA}, 0)


def test_plan_lists_points_times_seeds():
    job, tasks = plan("fi-curve", {"tau_m": [10 * ms, 20 * ms]}, [0, 1, 2])
    assert job.name == "fi-curve" and len(tasks) == 6
    assert [t[2] for t in tasks] == [0, 1, 2, 0, 1, 2]
    assert len({t[3] for t in tasks}) == 6


@pytest.mark.parametrize("grid, error, match", [
    ({"tau_x": [10 * ms]}, ValueError, r"unknown parameter 'tau_x'.*expected one of"),
    ({"tau_m": [10 * mV]}, TypeError, r"'tau_m'.*dimension V.*expected dimension s"),
    ({"tau_m": [10.0]}, TypeError, r"'tau_m'.*without units.*expected .*dimension s"),
    ({"model": ["GIF"], "tau_m": [10 * ms]}, ValueError, r"unknown parameter 'tau_m'"),
    ({"model": ["LIF"], "C": [200 * pF]}, ValueError, r"unknown parameter 'C'"),
    ({"model": ["LIFF"]}, ValueError, r"model.*'LIFF'.*expected one of"),
    ({"duration": [1 * nA]}, TypeError, r"'duration'.*expected dimension s"),
    ({"n_levels": [2.5]}, TypeError, r"'n_levels'.*expected an integer"),
    ({}, ValueError, "empty"),
])
def test_bad_input_raises_before_anything_runs(grid, error, match, tmp_path):
    out = tmp_path / "never"
    with pytest.raises(error, match=match):
        sweep("fi-curve", grid, out=out, client="serial", progress=False)
    assert not out.exists()


def test_unknown_job_and_bad_retries(tmp_path):
    with pytest.raises(ValueError, match=r"unknown job 'fi-curv'.*fi-curve"):
        sweep("fi-curv", {"tau_m": [10 * ms]}, out=tmp_path, client="serial")
    with pytest.raises(ValueError, match="retries=-1"):
        sweep("fi-curve", {"tau_m": [10 * ms]}, out=tmp_path, client="serial", retries=-1)


def test_unreachable_scheduler_raises_before_submitting(tmp_path):
    import dask

    out = tmp_path / "never"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(SchedulerUnreachable, match=r"scheduler='tcp://127.0.0.1:9'.*no Dask "
                                                       r"scheduler answered"):
            sweep("fi-curve", {"tau_m": [10 * ms]}, out=out, client="tcp://127.0.0.1:9",
                  progress=False)
    assert not out.exists()


def test_training_and_fit_jobs_check_their_parameters():
    job, tasks = plan("train-digits", {"encoding": ["rate", "latency"], "lr": [0.01, 0.02],
                                       "tau_m": [20 * ms], "n_hidden": [32]}, [0, 1])
    assert len(tasks) == 8
    with pytest.raises(TypeError, match=r"'tau_m'.*expected dimension s"):
        plan("train-digits", {"tau_m": [10 * mV]}, [0])
    with pytest.raises(ValueError, match=r"'encoding'='morse'; expected one of \['rate', "
                                         r"'latency'\]"):
        plan("train-digits", {"encoding": ["morse"]}, [0])
    with pytest.raises(TypeError, match=r"'n_hidden'=32.5; expected an integer"):
        plan("train-digits", {"n_hidden": [32.5]}, [0])
    with pytest.raises(TypeError, match=r"'train_start'.*expected dimension s"):
        plan("fit-gif", [{"cell": "a", "train_start": 1 * mV}], [0])


def test_parse_quantity_units_and_errors():
    from neurolab_snn.units import nS, parse_quantity

    assert float(parse_quantity("x", "10ms") / ms) == 10.0
    assert float(parse_quantity("x", "-70 mV") / mV) == -70.0
    assert float(parse_quantity("x", "100*Mohm") / Mohm) == 100.0
    assert float(parse_quantity("x", "2.5e-1 nS") / nS) == 0.25
    assert float(parse_quantity("x", "1 s") / second) == 1.0
    assert float(parse_quantity("x", "3")) == 3.0
    for text, match in (("ten ms", "not a number with a unit"),
                        ("1 __import__", "unknown unit"), ("1 Quantity", "unknown unit")):
        with pytest.raises(ValueError, match=rf"parameter 'x'.*{match}"):
            parse_quantity("x", text)
