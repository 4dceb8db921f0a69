"""Episodic recordings: each neo Segment of a real multi-segment (NIX) file is one sweep."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neurolab_snn.fitting.episodes import format_sweep_list, parse_sweep_list, read_file_list
from neurolab_snn.fitting.io import name_suggests, read_recording_file, read_sweep, read_sweeps

neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")
pytest.importorskip("nixio")

RATE = 10_000.0


def write_nix(path, sweeps, v_name="IN 0", i_name="IN 1", v=True, i=True, pause=1.0):
    """A NIX file (neo.io.NixIO) with one Segment per (v in V, i in A) sweep, as Clampex
    episodes: V in mV and I in pA, each episode starting *pause* s after the last ended."""
    block = neo.Block(name="episodic")
    t0 = 0.0
    for k, (v_si, i_si) in enumerate(sweeps):
        seg = neo.Segment(name=f"episode {k}")
        if v:
            seg.analogsignals.append(neo.AnalogSignal(np.asarray(v_si)[:, None] * 1e3,
                                                      units="mV", sampling_rate=RATE * pq.Hz,
                                                      t_start=t0 * pq.s, name=v_name))
        if i:
            seg.analogsignals.append(neo.AnalogSignal(np.asarray(i_si)[:, None] * 1e12,
                                                      units="pA", sampling_rate=RATE * pq.Hz,
                                                      t_start=t0 * pq.s, name=i_name))
        block.segments.append(seg)
        t0 += len(v_si) / RATE + pause
    with neo.io.NixIO(str(path), mode="ow") as io:
        io.write_block(block)
    return path


def _arrays(n_sweeps, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return [(-0.065 + 1e-3 * rng.standard_normal(n), 1e-10 * rng.standard_normal(n))
            for _ in range(n_sweeps)]


def test_nix_episodes_read_as_sweeps(tmp_path):
    data = _arrays(4)
    path = write_nix(tmp_path / "test.nix", data, i_name="Vm")   # a current named like a voltage
    rec = read_recording_file(path)
    assert rec.n_sweeps == 4
    sweeps = read_sweeps(path)
    assert [s.source for s in sweeps] == [f"test.nix sweep {k}" for k in range(4)]
    for sweep, (v, i) in zip(sweeps, data):
        np.testing.assert_allclose(sweep.v, v, rtol=1e-12)   # mV -> V, pA -> A
        np.testing.assert_allclose(sweep.i, i, rtol=1e-12)
        assert sweep.n_samples == 2000 and sweep.gaps == ()
    assert sweeps[2].t_start == pytest.approx(2 * (0.2 + 1.0), rel=1e-12)
    np.testing.assert_array_equal(read_sweep(path, segment=2).v, sweeps[2].v)
    np.testing.assert_array_equal(read_sweeps(path, sweeps=[3, 1])[0].i, sweeps[3].i)
    with pytest.raises(ValueError, match=r"test.nix' holds 4 sweeps .*read_sweeps"):
        read_sweep(path)
    joined = read_sweep(path, join=True)          # the older reading: one signal with 3 gaps
    assert len(joined.gaps) == 3 and joined.n_samples == 4 * 2000 + 3 * 10_000
    with pytest.raises(ValueError, match="sweep 4 requested; the file holds 4 sweep"):
        read_sweeps(path, sweeps=[4])


def test_multichannel_signal_uses_channel_names(tmp_path):
    """Two voltage channels in one neo signal (as AxonIO groups Clampex inputs): named by
    their channel_names, chosen with v_channel."""
    v = -0.065 + 1e-3 * np.arange(500)[:, None] * np.array([[1.0, -1.0]])
    seg = neo.Segment()
    seg.analogsignals.append(neo.AnalogSignal(v * 1e3, units="mV", sampling_rate=RATE * pq.Hz,
                                              name="Signals",
                                              array_annotations={"channel_names":
                                                                 np.array(["IN 0", "IN 2"])}))
    seg.analogsignals.append(neo.AnalogSignal(np.zeros((500, 1)), units="pA",
                                              sampling_rate=RATE * pq.Hz, name="IN 1"))
    block = neo.Block()
    block.segments.append(seg)
    path = tmp_path / "two.nix"
    with neo.io.NixIO(str(path), mode="ow") as io:
        io.write_block(block)
    with pytest.raises(ValueError, match=r"2 channels with voltage units \(\['IN 0', 'IN 2'\]\);"
                                         r" choose one with v_channel"):
        read_sweeps(path)
    np.testing.assert_allclose(read_sweeps(path, v_channel=1)[0].v, v[:, 1], rtol=1e-12)


def test_file_lists_expand_select_and_log(tmp_path):
    data = _arrays(5, n=500)
    both = write_nix(tmp_path / "test.nix", data, i_name="Vm")
    one = write_nix(tmp_path / "train.nix", _arrays(1, n=500, seed=1))
    sweeps, log = read_file_list([both], "--test")
    assert len(sweeps) == 5
    assert log[0] == ("--test test.nix: sweeps 0-4 of 5, 0.05 s each at 10000 Hz; "
                      "V: 'IN 0' (mV), I: 'Vm' (pA)")
    assert "channel 'Vm' holds current (pA) although its name suggests voltage" in log[1]
    picked, log = read_file_list([both, one], "--test", parse_sweep_list("0-1,3"))
    assert [s.source for s in picked] == ["test.nix sweep 0", "test.nix sweep 1",
                                          "test.nix sweep 3", "train.nix"]
    assert "sweeps 0-1, 3 of 5" in log[0] and "train.nix: sweep 0 of 1, 0.05 s at" in log[2]
    # the older form, the same file as V and as I, reads it once
    assert len(read_file_list([both, both], "--test")[0]) == 5
    # separate V and I files of 5 episodes each: pairs, episode by episode
    v_only = write_nix(tmp_path / "v.nix", data, i=False)
    i_only = write_nix(tmp_path / "i.nix", data, v=False)
    paired, log = read_file_list([v_only, i_only], "--train")
    assert len(paired) == 5 and paired[4].source == "v.nix + i.nix sweep 4"
    np.testing.assert_allclose(paired[4].i, data[4][1], rtol=1e-12)
    assert log[0].startswith("--train v.nix + i.nix: sweeps 0-4 of 5")
    with pytest.raises(ValueError, match=r"--test: 1 file.*v.nix holds a voltage but no current"):
        read_file_list([v_only], "--test")
    with pytest.raises(ValueError, match=r"i.nix holds a current but no voltage"):
        read_file_list([i_only, v_only], "--test")
    with pytest.raises(ValueError, match="sweep 12 requested; the file holds 5 sweep"):
        read_file_list([both], "--test", [12])
    with pytest.raises(ValueError, match="holds 5 sweep.*but I file .* holds 1"):
        read_file_list([v_only, one], "--test")


def test_parse_sweep_list():
    assert parse_sweep_list("0-9") == tuple(range(10))
    assert parse_sweep_list(" 0, 2,5-7 ") == (0, 2, 5, 6, 7)
    assert format_sweep_list((0, 1, 2, 5, 7, 8)) == "0-2, 5, 7-8"
    for bad, message in (("a-b", "expected sweep numbers"), ("5-2", "runs backwards"),
                         ("1,1", "listed twice"), ("-1", "expected sweep numbers")):
        with pytest.raises(ValueError, match=f"--sweeps .*{message}"):
            parse_sweep_list(bad, "--sweeps")


def test_channel_names():
    assert [name_suggests(n) for n in ("Vm", "V (mV)", "I_inj", "Current", "IN 0", "ch2")] == \
        ["voltage", "voltage", "current", "current", None, None]


def test_fit_gif_cli_on_episodic_files(synthetic_l5, tmp_path, capsys):
    """`--calibration aec.nix --train train.nix --test test.nix --test-sweeps 0-2`:
    one file per role, V and I chosen by units, the test file expanded to its episodes."""
    from neurolab_snn.cli import main

    rec = synthetic_l5
    cal = write_nix(tmp_path / "aec.nix", [(rec.calibration.v, rec.calibration.i)])
    train = write_nix(tmp_path / "train.nix", [(s.v[:40_000], s.i[:40_000])   # 4 s each
                                                for s in rec.sweeps[:3]])
    test = write_nix(tmp_path / "test.nix", [(s.v[:20_000], s.i[:20_000])     # 2 s each
                                              for s in rec.sweeps[3:7]])
    out = tmp_path / "fit"
    argv = ["fit-gif", "--calibration", str(cal), "--train", str(train), "--test", str(test),
            "--test-sweeps", "0-2", "--out", str(out), "--seed", "2"]
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "--test test.nix: sweeps 0-2 of 4, 2 s each at 10000 Hz; V: 'IN 0' (mV), " \
           "I: 'IN 1' (pA)" in printed
    assert "--train train.nix: sweeps 0-2 of 3, 4 s each at 10000 Hz; V: 'IN 0' (mV), " \
           "I: 'IN 1' (pA)" in printed
    summary = json.loads((out / "fit.json").read_text())
    assert summary["sources"]["test"] == [f"test.nix sweep {k}" for k in range(3)]
    assert len(summary["test_spike_counts"]) == 3 and summary["md_star"] > 0.5
    names = [d["name"] for d in summary["diagnostics"]]
    assert names == ["threshold_below_rest", "soft_threshold", "bits_per_spike",
                     "depolarisation_block", "electrode_kernel_decay", "predicted_rate"]
    assert sum(line.startswith(("diagnostic ", "WARNING diagnostic ")) for line in printed) == 6
    # a selection outside the file: status 2, one line, nothing written
    assert main([*argv[:-4], "--test-sweeps", "3-4", "--out", str(tmp_path / "no")]) == 2
    err = capsys.readouterr().err.strip()
    assert "sweep 4 requested; the file holds 4 sweep(s)" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "no").exists()
    # one test sweep left: the message says how to give repetitions
    assert main([*argv[:-4], "--test-sweeps", "1", "--out", str(tmp_path / "no")]) == 2
    assert "test: 1 sweep(s) (test.nix sweep 1); expected at least 2 repetitions" in \
        capsys.readouterr().err
