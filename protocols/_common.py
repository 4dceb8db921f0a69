"""Shared command line of the protocol scripts.

``python protocols/fi_curve.py [--model M] [--preset P] [--backend B] [--seed S] [--out DIR] [--quick]``
runs the protocol through :func:`neurolab_snn.experiment.run_protocol` and
writes its JSON and PNG panels with
:func:`neurolab_snn.plotting.report.write_protocol_outputs`.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def protocol_main(name: str, argv=None, default_model: str | None = None,
                  quick_backend: str | None = None) -> dict:
    """Parse the standard options, run protocol *name*, write outputs, return its numbers.

    With ``--quick`` and no ``--backend``, *quick_backend* (e.g. ``'numpy'``: a smoke test
    without Cython compilation) replaces the default ``'runtime'``.
    """
    from neurolab_snn.experiment import get_protocol, run_protocol
    from neurolab_snn.plotting.report import write_protocol_outputs

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
    for key, value in result.numbers.items():
        print(f"{name}: {key} = {value}")
    return {"numbers": result.numbers, "files": [str(p) for p in paths]}
