"""Command lines of the protocol scripts and figure panels (installed with the package).

``SCRIPTS`` is the list of protocol scripts the main job runs, in order: each
entry names the protocol (:func:`neurolab_snn.experiment.get_protocol`) and the
backend its quick mode uses when ``--backend`` is not given (``'numpy'``: a
smoke test without Cython compilation). ``protocols/<script>.py`` in the source
tree and ``neurolab protocol run`` both reach these definitions.
"""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["SCRIPTS", "protocol_main", "panel_main", "script_main"]

#: script name -> (protocol name, quick-mode backend or None for 'runtime')
SCRIPTS: dict[str, tuple[str, str | None]] = {
    "fb_inhibition": ("fb-inhibition", "numpy"),
    "ff_excitation": ("ff-excitation", "numpy"),
    "ff_inhibition": ("ff-inhibition", "numpy"),
    "fi_curve": ("fi-curve", None),
    "frozen_noise": ("frozen-noise", None),
    "gif_fit": ("gif-fit", None),
    "lateral_inhibition": ("lateral-inhibition", "numpy"),
    "song2000": ("song2000", "numpy"),
    "stdp_pairing": ("stdp-pairing", "numpy"),
    "step_response": ("step-response", None),
    "train_digits": ("train-digits", "numpy"),
    "train_dms": ("train-dms", "numpy"),
    "triplet_frequency": ("triplet-frequency", "numpy"),
}
_TRAINING = {"train-digits", "train-dms"}


def script_main(script: str, argv=None, echo: bool = True) -> dict:
    """Run protocol script *script* (a key of :data:`SCRIPTS`) with command line *argv*.

    *echo*: print the key numbers (the main job passes False and prints a summary).
    """
    if script not in SCRIPTS:
        raise KeyError(f"protocol script {script!r} is unknown; expected one of {sorted(SCRIPTS)}")
    name, quick_backend = SCRIPTS[script]
    if name in _TRAINING:
        from ..plotting.training import training_protocol_main
        return training_protocol_main(name, argv, echo=echo)
    return protocol_main(name, argv, quick_backend=quick_backend, echo=echo)


def protocol_main(name: str, argv=None, default_model: str | None = None,
                  quick_backend: str | None = None, echo: bool = True) -> dict:
    """Parse the standard options, run protocol *name*, write outputs, return its numbers.

    ``[--model M] [--preset P] [--backend B] [--seed S] [--out DIR] [--quick]``. With
    ``--quick`` and no ``--backend``, *quick_backend* replaces the default ``'runtime'``.
    Returns ``{'numbers': ..., 'files': [...]}``.
    """
    from ..experiment import get_protocol, run_protocol
    from ..plotting.report import write_protocol_outputs

    fn = get_protocol(name)
    parser = argparse.ArgumentParser(prog=f"{name}", description=(fn.__doc__ or "").strip()
                                     .splitlines()[0] if fn.__doc__ else None)
    parser.add_argument("--model", default=default_model, help="neuron model name")
    parser.add_argument("--preset", default=None, help="parameter preset")
    parser.add_argument("--backend", default=None,
                        choices=("runtime", "numpy", "cpp_standalone"),
                        help="simulation backend (default: runtime)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/protocols"))
    parser.add_argument("--quick", action="store_true", help="short run for a smoke test")
    args = parser.parse_args(argv)
    backend = args.backend or (quick_backend if args.quick and quick_backend else "runtime")
    kwargs = {"backend": backend, "seed": args.seed, "quick": args.quick}
    if args.model is not None:
        kwargs["model"] = args.model
    if args.preset is not None:
        kwargs["preset"] = args.preset
    result = run_protocol(name, **kwargs)
    paths = write_protocol_outputs(result, args.out)
    for key, value in result.numbers.items() if echo else ():
        print(f"{name}: {key} = {value}")
    return {"numbers": result.numbers, "files": [str(p) for p in paths]}


def panel_main(make_panel, argv=None, default_out: str = "results/figures") -> dict:
    """``[--out DIR] [--quick]``: call ``make_panel(out_dir, quick)`` and print its numbers."""
    parser = argparse.ArgumentParser(description=(make_panel.__doc__ or "").strip().splitlines()[0]
                                     if make_panel.__doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(default_out), help="output folder")
    parser.add_argument("--quick", action="store_true", help="short runs for a smoke test")
    args = parser.parse_args(argv)
    numbers = make_panel(args.out, quick=args.quick)
    for key, value in numbers.items():
        print(f"{key}: {value}")
    return numbers
