"""fit_model: adjoint gradients vs central finite differences, the numpy forward vs Brian2,
noise-free parameter recovery (HH, a user-written AdEx), bad input."""
import numpy as np
import pytest

from neurolab_snn.experiment.gradient_fit import TraceLoss, fit_model
from neurolab_snn.experiment.gradient_fit_examples import adex, noisy_current, synthetic_sweeps
from neurolab_snn.experiment.trace_adjoint import DrivenNeuron
from neurolab_snn.fitting.io import sweep_from_arrays
from neurolab_snn.models import HH
from neurolab_snn.units import mV, ms, nA, nS, pA, to_si

HH_DT, ADEX_DT = 0.025 * ms, 0.1 * ms


@pytest.fixture(scope="module")
def hh_data():
    I = noisy_current(1, 20 * ms, HH_DT, mean=0.5 * nA, std=0.5 * nA, seed=1)
    return synthetic_sweeps(HH(), I, HH_DT)


@pytest.fixture(scope="module")
def adex_data():
    I = noisy_current(2, 300 * ms, ADEX_DT, mean=300 * pA, std=150 * pA, seed=1)
    return synthetic_sweeps(adex(), I, ADEX_DT)


def _fd_check(model, sweeps, names, rel_step, **kw):
    obj = TraceLoss.from_sweeps(model, sweeps, names, **kw)
    p = {k: float(to_si(model.parameters[k])) for k in names}
    _, g, _ = obj.value_and_grad(p)
    out = {}
    for k in names:
        h = rel_step * abs(p[k])
        lp = obj.value_and_grad({**p, k: p[k] + h}, grad=False)[0]
        lm = obj.value_and_grad({**p, k: p[k] - h}, grad=False)[0]
        out[k] = (g[k], (lp - lm) / (2 * h))
    return out


def test_hh_gradient_matches_finite_differences(hh_data):
    sweeps, _ = hh_data
    model = HH().with_parameters(g_Na=HH().parameters["g_Na"] * 1.1)
    # the loss is smooth (no reset): central differences agree to O(h^2) ~ 1e-7 relative
    for k, (adj, fd) in _fd_check(model, sweeps, ["g_Na", "g_K", "g_L", "E_L"], 1e-6).items():
        assert adj == pytest.approx(fd, rel=1e-5), k


def test_adex_gradient_matches_finite_differences_forced_spikes(adex_data):
    sweeps, times = adex_data
    assert sum(len(t) for t in times) >= 4
    model = adex(tau_w=100 * ms, DeltaT=2.2 * mV)
    # forced spikes: fixed spike steps, the loss is smooth in the parameters
    res = _fd_check(model, sweeps, ["tau_w", "a", "b", "DeltaT"], 1e-5, spike_times=times)
    for k, (adj, fd) in res.items():
        assert adj == pytest.approx(fd, rel=1e-4), k


def test_discrete_forward_equals_brian2(adex_data):
    sweeps, times = adex_data
    model = adex(b=80 * pA)
    I = np.stack([s.i[:1000] for s in sweeps])
    forced = np.zeros(I.shape, dtype=bool)
    forced[:, [200, 600]] = True             # two imposed spikes, besides the model's own
    for kw in ({}, {"forced": forced, "match": 20}):
        runs = [DrivenNeuron(model, ["b"], I, np.full(2, -0.07), 1e-4, forward=f, **kw)
                .run({"b": 8e-11}) for f in ("discrete", "brian2")]
        assert np.array_equal(runs[0]["S"], runs[1]["S"])
        assert runs[0]["S"].sum() >= (1 if not kw else 4)
        for a, b in zip(runs[0]["X"], runs[1]["X"]):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 * np.max(np.abs(b)))


def test_hh_recovery_noise_free(hh_data):
    sweeps, _ = hh_data
    truth = HH()
    names = ["g_Na", "g_K", "g_L"]
    start = truth.with_parameters(g_Na=truth.parameters["g_Na"] * 1.15,
                                  g_K=truth.parameters["g_K"] * 0.85,
                                  g_L=truth.parameters["g_L"] * 1.2)
    fit = fit_model(start, sweeps, names, progress=False, max_iter=60)
    for k in names:
        assert float(fit.parameters[k] / truth.parameters[k]) == pytest.approx(1, abs=0.02), k
    assert fit.loss < 1e-4


def test_adex_recovery_noise_free(adex_data):
    sweeps, times = adex_data
    truth = adex()
    names = ["tau_w", "a", "b", "DeltaT"]
    start = adex(tau_w=90 * ms, a=3 * nS, b=40 * pA, DeltaT=2.6 * mV)
    fit = fit_model(start, sweeps, names, spike_times=times, progress=False, max_iter=100,
                    bounds={"a": (0.5 * nS, 8 * nS)})
    for k in names:
        assert float(fit.parameters[k] / truth.parameters[k]) == pytest.approx(1, abs=0.02), k
    assert len(fit.history) >= 1 and fit.evaluations >= 2


def test_restarts_are_seeded(adex_data):
    sweeps, times = adex_data
    kw = dict(spike_times=times, progress=False, max_iter=2, restarts=2, seed=3)
    a, b = (fit_model(adex(), sweeps, ["b"], **kw) for _ in range(2))
    assert a.starts[1]["initial"] == b.starts[1]["initial"]
    assert a.loss == b.loss


def test_bad_input(adex_data):
    sweeps, _ = adex_data
    model = adex()
    with pytest.raises(KeyError, match="g_Na"):
        fit_model(model, sweeps, ["g_Na"], progress=False)
    with pytest.raises(TypeError, match="bounds"):
        fit_model(model, sweeps, ["b"], bounds={"b": (1 * mV, 2 * mV)}, progress=False)
    with pytest.raises(ValueError, match="lo < hi"):
        fit_model(model, sweeps, ["b"], bounds={"b": (90 * pA, 20 * pA)}, progress=False)
    short = sweep_from_arrays(sweeps[0].v[:100] * 1e3 * mV, sweeps[0].i[:100] * 1e12 * pA,
                              0.1 * ms)
    with pytest.raises(ValueError, match="equal length"):
        fit_model(model, [sweeps[0], short], ["b"], progress=False)
    v = sweeps[0].v.copy()
    v[50] = np.nan
    bad = sweep_from_arrays(v * 1e3 * mV, sweeps[0].i * 1e12 * pA, 0.1 * ms)
    with pytest.raises(ValueError, match="NaN"):
        fit_model(model, [bad], ["b"], progress=False)
    with pytest.raises(ValueError, match="method"):
        fit_model(model, sweeps, ["b"], method="newton", progress=False)
    with pytest.raises(ValueError, match="spikes"):
        fit_model(HH(), sweeps, ["g_L"], spikes="forced", progress=False)


def test_cli_fit_model_writes_outputs(tmp_path, adex_data):
    import json

    import neo
    import quantities as pq

    from neurolab_snn.cli import main

    sweeps, times = adex_data
    v = sweeps[0].v.copy()
    # an action-potential peak sample at each spike step, as a recording would show it
    v[np.rint(np.asarray(times[0]) / 1e-4).astype(int)] = 0.03
    seg = neo.Segment(name="sweep 0")
    seg.analogsignals.append(neo.AnalogSignal(v[:, None] * 1e3, units="mV",
                                              sampling_rate=10_000 * pq.Hz, name="V"))
    seg.analogsignals.append(neo.AnalogSignal(sweeps[0].i[:, None] * 1e12, units="pA",
                                              sampling_rate=10_000 * pq.Hz, name="I"))
    block = neo.Block(name="adex")
    block.segments.append(seg)
    path = tmp_path / "adex.nix"
    with neo.io.NixIO(str(path), mode="ow") as io:
        io.write_block(block)
    out = tmp_path / "out"
    # spikes detected at 0 mV are forced on the steps the truth spiked: exact recovery
    assert main(["fit-model", "--model", "AdEx", "--params", "tau_w", "--train", str(path),
                 "--init", "tau_w=90ms", "--bounds", "tau_w=50ms:300ms", "--max-iter", "20",
                 "--out", str(out)]) == 0
    fit = json.loads((out / "fit.json").read_text())
    assert fit["parameters"]["tau_w"]["unit"] == "s"
    assert fit["parameters"]["tau_w"]["value"] == pytest.approx(0.12, rel=0.02)
    assert fit["evaluations"] >= 2
    assert (out / "traces.png").stat().st_size > 1000 and (out / "loss.png").stat().st_size > 1000
    assert main(["fit-model", "--model", "AdEx", "--params", "nope", "--train", str(path),
                 "--out", str(tmp_path / "bad")]) == 2
    assert not (tmp_path / "bad" / "fit.json").exists()


def test_free_spikes_count_term(adex_data):
    sweeps, times = adex_data
    model = adex(b=20 * pA)                   # weaker adaptation: more spikes than recorded
    obj = TraceLoss.from_sweeps(model, sweeps, ["b"], spikes="free", spike_times=times,
                                spike_weight=0.5)
    loss, g, run = obj.value_and_grad({"b": 2e-11})
    counts = run["S"].sum(axis=0)
    n_data = np.array([len(t) for t in times], dtype=float)
    assert np.all(counts > n_data)
    v = run["X"][obj.neuron.iv]
    mse = np.sum(((v - obj.V) * obj.weight) ** 2) / obj.weight.sum() / 1e-6
    count_term = 0.5 * np.mean((counts - n_data) ** 2 / np.maximum(n_data, 1))
    assert loss == pytest.approx(mse + count_term, rel=1e-12)
    assert np.isfinite(g["b"])


def test_model_from_json(tmp_path):
    import json

    from neurolab_snn.experiment.gradient_fit_examples import ADEX_EQUATIONS
    from neurolab_snn.plotting.gradient_fit import model_from_json

    spec = {"name": "AdEx-json", "equations": ADEX_EQUATIONS, "threshold": "v > V_peak",
            "reset": "v = V_r\nw += b", "method": "euler",
            "parameters": {"C": "200 pF", "g_L": "10 nS", "E_L": "-70 mV", "V_T": "-50 mV",
                           "DeltaT": "2mV", "a": "2 nS", "tau_w": "120 ms", "b": "60 pA",
                           "V_r": "-58 mV", "V_peak": "0 mV"},
            "initial_values": {"v": "E_L", "w": "0 nA"}}
    path = tmp_path / "adex.json"
    path.write_text(json.dumps(spec))
    model = model_from_json(path)
    for key, value in adex().parameters.items():
        assert float(to_si(model.parameters[key])) == pytest.approx(float(to_si(value)),
                                                                    rel=1e-12, abs=0), key
        assert model.parameters[key].dim == value.dim, key
    spec["parameters"]["C"] = "200 furlongs"
    path.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="furlongs"):
        model_from_json(path)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        model_from_json(tmp_path / "missing.json")
