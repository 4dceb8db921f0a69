"""Step-protocol analysis on synthetic step files with known R, tau_m and LIF spiking.

The cell is an exact LIF (tau_m dV/dt = E_L - V + R I, threshold, reset, refractory)
integrated on the sampling grid, with an action-potential waveform pasted into the
refractory period after each threshold crossing, so spikes look like a recording's while
their times are the LIF's.  Passive features are checked against R and tau_m, spiking
features against the closed-form LIF f-I curve (Gerstner et al. 2014, eq. 1.11).
"""
from __future__ import annotations

import numpy as np
import pytest

from neurolab_snn.analysis.single_neuron import lif_rate
from neurolab_snn.analysis.steps import analyze_steps, detect_step, detect_spikes
from neurolab_snn.models import LIF
from neurolab_snn.units import amp, nA, ohm, second, volt

neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")
pytest.importorskip("nixio")
pytest.importorskip("efel")

DT = 5e-5                                  # 20 kHz
R, TAU, E_L, V_TH, V_RESET, T_REF = 100e6, 20e-3, -0.070, -0.050, -0.065, 3e-3
ONSET, OFFSET, LENGTH = 0.1, 0.6, 0.7      # s
LEVELS = np.array([-0.10, -0.05, 0.0, 0.15, 0.25, 0.30, 0.40])   # nA; rheobase 0.2 nA
PEAK_DELAY = 0.3e-3                        # pasted AP: threshold to peak


def _ap_waveform() -> np.ndarray:
    """V (V) over the refractory period after a threshold crossing: rise, fall, AHP, reset."""
    t = np.arange(int(round(T_REF / DT))) * DT
    rise = V_TH + (0.030 - V_TH) * np.clip(t / PEAK_DELAY, 0, 1)
    fall = 0.030 + (-0.075 - 0.030) * np.clip((t - PEAK_DELAY) / 0.9e-3, 0, 1)
    ahp = -0.075 + (V_RESET + 0.075) * np.clip((t - 1.2e-3) / (T_REF - 1.2e-3), 0, 1)
    return np.where(t < PEAK_DELAY, rise, np.where(t < 1.2e-3, fall, ahp))


def lif_sweeps(noise_v=0.0, noise_i=0.0, seed=0, length=LENGTH, onset=ONSET, offset=OFFSET):
    """(v, i) of every level (SI), and the LIF spike times (threshold crossings, s)."""
    rng = np.random.default_rng(seed)
    n = int(round(length / DT))
    t = np.arange(n) * DT
    wave = _ap_waveform()
    decay = np.exp(-DT / TAU)
    out, crossings = [], []
    for level in LEVELS * 1e-9:
        i = np.where((t >= onset - 1e-12) & (t < offset - 1e-12), level, 0.0)
        v = np.empty(n)
        v[0], k, spikes = E_L, 0, []
        while k < n - 1:
            v_inf = E_L + R * i[k]
            v[k + 1] = v_inf + (v[k] - v_inf) * decay
            k += 1
            if v[k] > V_TH:
                spikes.append(t[k])
                m = min(wave.size, n - k)
                v[k:k + m] = wave[:m]
                k += m - 1
                if k < n - 1:
                    v[k] = V_RESET
        out.append((v + noise_v * rng.standard_normal(n), i + noise_i * rng.standard_normal(n)))
        crossings.append(np.array(spikes))
    return out, crossings


def analytic_isi(level_A):
    return T_REF + TAU * np.log((R * level_A + E_L - V_RESET) / (R * level_A + E_L - V_TH))


def write_nix(path, sweeps, voltage=True):
    block = neo.Block(name="steps")
    for k, (v, i) in enumerate(sweeps):
        seg = neo.Segment(name=f"episode {k}")
        if voltage:
            seg.analogsignals.append(neo.AnalogSignal(v[:, None] * 1e3, units="mV",
                                                      sampling_rate=(1 / DT) * pq.Hz,
                                                      t_start=k * 2.0 * pq.s, name="IN 0"))
        seg.analogsignals.append(neo.AnalogSignal(i[:, None] * 1e12, units="pA",
                                                  sampling_rate=(1 / DT) * pq.Hz,
                                                  t_start=k * 2.0 * pq.s, name="IN 1"))
        block.segments.append(seg)
    with neo.io.NixIO(str(path), mode="ow") as io:
        io.write_block(block)
    return path


@pytest.fixture(scope="module")
def cell():
    return lif_sweeps()


def test_detect_step_and_spikes(cell):
    (sweeps, crossings) = cell
    v, i = sweeps[-1]
    epoch = detect_step(i, DT)
    assert epoch.onset == pytest.approx(ONSET, abs=1e-12)
    assert epoch.offset == pytest.approx(OFFSET, abs=1e-12)
    assert epoch.amplitude == pytest.approx(LEVELS[-1] * 1e-9, rel=1e-12)
    assert detect_step(sweeps[2][1], DT) is None                 # the 0 pA level
    peaks = detect_spikes(v, DT)
    np.testing.assert_allclose(peaks, crossings[-1] + PEAK_DELAY - DT, atol=1.01 * DT)


def test_step_file_features_match_the_lif_that_made_them(cell, tmp_path):
    from neurolab_snn.fitting.ephys import analyze_step_files

    sweeps, crossings = cell
    order = [3, 0, 6, 2, 5, 1, 4]                                 # levels out of order in the file
    path = write_nix(tmp_path / "steps.nix", [sweeps[k] for k in order])
    analysis, log = analyze_step_files([path])
    assert "sweeps 0-6 of 7" in log[0]
    amps, rates = analysis.fi_curve()
    np.testing.assert_allclose(np.asarray(amps / nA), LEVELS, rtol=1e-9, atol=1e-15)
    # passive: exact exponential charging -> R and tau recovered to fit precision
    assert float(analysis.feature("input_resistance")) == pytest.approx(R, rel=1e-4)
    assert float(analysis.feature("tau_m")) == pytest.approx(TAU, rel=1e-3)
    assert float(analysis.feature("v_rest")) == pytest.approx(E_L, abs=1e-9)
    # spiking: rheobase is the first level above (V_th - E_L)/R = 0.2 nA
    assert float(analysis.feature("rheobase")) == pytest.approx(0.25e-9, rel=1e-9)
    step = OFFSET - ONSET
    for s, level, spikes in zip(analysis.sweeps, LEVELS * 1e-9, crossings):
        in_step = spikes[(spikes >= ONSET) & (spikes < OFFSET)]
        assert s.n_spikes == in_step.size                          # every LIF spike found
        assert s.rate == pytest.approx(in_step.size / step, rel=1e-12)
        if level * R > V_TH - E_L:
            latency = TAU * np.log(R * level / (R * level - (V_TH - E_L))) + PEAK_DELAY
            assert s.first_spike_latency == pytest.approx(latency, abs=2 * DT)
            isi = np.diff(s.spike_times[(s.spike_times >= ONSET) & (s.spike_times < OFFSET)])
            # on the sampling grid each interval is the closed form to within one sample
            assert np.all(np.abs(isi - analytic_isi(level)) <= DT + 1e-12)
            assert abs(s.adaptation_index) < 0.01 and s.isi_cv < 0.02
    # eFEL on the pasted waveform: peak +30 mV, AHP minimum -75 mV (to within one sample)
    assert float(analysis.feature("ap_peak_reference")) == pytest.approx(0.030, abs=1e-3)
    assert float(analysis.feature("ahp_depth_reference")) == pytest.approx(-0.075, abs=5e-4)
    assert analysis.warnings == ()


def test_noisy_steps_recover_r_and_tau(cell):
    sweeps, _ = lif_sweeps(noise_v=0.2e-3, noise_i=2e-12, seed=4)
    analysis = analyze_steps([v * volt for v, _ in sweeps], [i * amp for _, i in sweeps],
                             DT * second)
    assert float(analysis.feature("input_resistance")) == pytest.approx(R, rel=0.01)
    assert float(analysis.feature("tau_m")) == pytest.approx(TAU, rel=0.05)
    assert float(analysis.feature("rheobase")) == pytest.approx(0.25e-9, rel=0.01)


def test_low_sampling_rate_skips_spike_shape_with_warnings(cell):
    sweeps, _ = cell
    keep = 8                                                       # 20 kHz -> 2.5 kHz
    analysis = analyze_steps([v[::keep] * volt for v, _ in sweeps],
                             [i[::keep] * amp for _, i in sweeps], keep * DT * second)
    text = "\n".join(analysis.warnings)
    for name in ("ap_threshold", "ap_half_width", "ap_amplitude", "ap_peak"):
        assert f"{name} skipped: sampling rate 2500 Hz is below" in text
        assert np.isnan(analysis.cell[f"{name}_rheobase"])
    assert "ahp_depth skipped" not in text                         # 2 kHz is enough for the AHP
    assert np.isfinite(analysis.cell["ahp_depth_reference"])
    assert float(analysis.feature("input_resistance")) == pytest.approx(R, rel=1e-3)


def test_bad_step_input(cell, tmp_path):
    from neurolab_snn.fitting.ephys import analyze_step_files

    sweeps, _ = cell
    v, i = sweeps[0]
    with pytest.raises(ValueError, match="sweeps of different lengths"):
        analyze_steps([v * volt, v[:-10] * volt], [i * amp, i[:-10] * amp], DT * second)
    with pytest.raises(ValueError, match="no current step found in any of the 2 sweep"):
        analyze_steps([v * volt] * 2, [np.zeros_like(i) * amp] * 2, DT * second)
    short = np.zeros_like(i)
    short[100:110] = 1e-10
    with pytest.raises(ValueError, match=r"current step of 0.5 ms .* at least 1 ms"):
        analyze_steps([v * volt], [short * amp], DT * second)
    with pytest.raises(TypeError, match="parameter 'v"):
        analyze_steps([v], [i * amp], DT * second)
    path = write_nix(tmp_path / "current_only.nix", sweeps[:2], voltage=False)
    with pytest.raises(ValueError, match="holds a current but no voltage channel"):
        analyze_step_files([path])


def test_nwb_step_file(cell, tmp_path):
    """CurrentClampSeries/CurrentClampStimulusSeries pairs in an NWB file, one per level."""
    pytest.importorskip("pynwb")
    from neurolab_snn import nwb
    from neurolab_snn.fitting.ephys import analyze_step_files

    sweeps, _ = cell
    f = nwb.new_nwbfile("synthetic LIF step protocol")
    for k, (v, i) in enumerate(sweeps):
        nwb.add_current_clamp(f, f"sweep{k:02d}", v, i, 1 / DT, starting_time=2.0 * k,
                              sweep_number=k)
    path = nwb.write_nwbfile(f, tmp_path / "steps.nwb")
    analysis, log = analyze_step_files([path], sweeps=[0, 1, 3, 4])
    assert "sweeps 0-1, 3-4 of 7" in log[0]
    assert float(analysis.feature("input_resistance")) == pytest.approx(R, rel=1e-4)
    assert float(analysis.feature("tau_m")) == pytest.approx(TAU, rel=1e-3)
    assert float(analysis.feature("rheobase")) == pytest.approx(0.25e-9, rel=1e-9)


def test_cli_analyze_steps(tmp_path, capsys):
    import json

    from neurolab_snn.cli import main

    sweeps, _ = lif_sweeps(length=0.25, onset=0.03, offset=0.23)     # short: numpy backend
    path = write_nix(tmp_path / "steps.nix", sweeps)
    out = tmp_path / "out"
    assert main(["analyze-steps", str(path), "--out", str(out), "--model", "LIF",
                 "--backend", "numpy", "--nwb", "--sweeps", "0,3-6"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["features.json", "model.nwb",
                                                     "steps_features.png", "steps_fi.png",
                                                     "steps_traces.png"]
    data = json.loads((out / "features.json").read_text())
    cell_json = data["analyses"]["recording"]["cell"]
    assert cell_json["input_resistance"] == pytest.approx(R, rel=1e-3)   # last fifth: 8 tau in
    assert data["analyses"]["recording"]["cell_units"]["input_resistance"] == "ohm"
    model = data["analyses"]["model LIF"]
    # the library LIF (R = 100 MOhm, V_th - E_L = 20 mV): rheobase 0.2 nA -> first level 0.25 nA
    assert model["cell"]["rheobase"] == pytest.approx(0.25e-9, rel=1e-9)
    assert model["cell"]["input_resistance"] == pytest.approx(100e6, rel=1e-3)
    assert "spike shape features: not measured (spike_shape=False)" in model["warnings"]
    assert "input resistance R_in = 100 MOhm" in capsys.readouterr().out
    bad = write_nix(tmp_path / "current_only.nix", sweeps[:2], voltage=False)
    assert main(["analyze-steps", str(bad), "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds a current but no voltage channel" in err[0]
    assert not (tmp_path / "bad").exists()


def test_simulated_recording_of_library_lif():
    """The library LIF (gerstner2014: R = 100 MOhm, tau_m = 10 ms, E_L = -70 mV, V_th = -50 mV,
    reset to E_L, t_ref = 2 ms) simulated in Brian2 with exact integration, analysed from its
    Recording: passive features and spiking against the closed forms."""
    from neurolab_snn.analysis.steps import analyze_recording_steps
    from neurolab_snn.sim import CurrentInput, simulate
    from neurolab_snn.units import ms

    dt, n_steps, on, off = 1e-4, 3000, 500, 2500                      # 0.1 ms; step 50-250 ms
    levels = np.array([-0.2, -0.1, 0.3, 0.5]) * 1e-9
    current = np.zeros((n_steps, levels.size))
    current[on:off] = levels
    rec = simulate(LIF(), n_steps * dt * second, n=levels.size,
                   I_ext=CurrentInput(current * amp, dt * second), dt=dt * second,
                   backend="numpy", seed=0)
    analysis = analyze_recording_steps(rec, current * amp)
    assert float(analysis.feature("input_resistance")) == pytest.approx(100e6, rel=1e-6)
    assert float(analysis.feature("tau_m")) == pytest.approx(10e-3, rel=1e-4)
    assert float(analysis.feature("rheobase")) == pytest.approx(0.3e-9, rel=1e-12)
    for s, level in zip(analysis.sweeps[2:], levels[2:]):
        rate = float(lif_rate(level * amp, tau_m=10 * ms, R_m=100e6 * ohm, E_L=-70e-3 * volt,
                              V_th=-50e-3 * volt, V_reset=-70e-3 * volt, t_ref=2 * ms))
        isi = np.diff(s.spike_times)
        np.testing.assert_allclose(isi, 1 / rate, atol=dt + 1e-12)     # within one step
        latency = 10e-3 * np.log(level * 100e6 / (level * 100e6 - 20e-3))
        assert s.first_spike_latency == pytest.approx(latency, abs=dt + 1e-12)
    assert "spike shape features: not measured (spike_shape=False)" in analysis.warnings
    with pytest.raises(ValueError, match=r"current has shape \(10, 4\); expected \(3000,\)"):
        analyze_recording_steps(rec, np.zeros((10, 4)) * amp)
