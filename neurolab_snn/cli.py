"""``neurolab`` command line (layer L6): argparse front end, no logic of its own."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


from .sim.devices import BACKENDS as _BACKEND_TABLE

_BACKENDS = tuple(_BACKEND_TABLE)


def _cmd_models(args) -> int:
    from .models import MODELS, get_model
    for name in MODELS:
        print(get_model(name).describe(), end="\n\n")
    return 0


def _cmd_protocol_list(args) -> int:
    from .experiment import protocols
    for name, fn in sorted(protocols().items()):
        doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        print(f"{name:20s} {doc}")
    return 0


def _cmd_protocol_run(args) -> int:
    from .experiment import run_protocol
    from .plotting.report import write_protocol_outputs
    kwargs = {"backend": args.backend, "seed": args.seed, "quick": args.quick}
    if args.model is not None:
        kwargs["model"] = args.model
    if args.preset is not None:
        kwargs["preset"] = args.preset
    result = run_protocol(args.name, **kwargs)
    for path in write_protocol_outputs(result, args.out):
        print(f"wrote {path}")
    for key, value in result.numbers.items():
        print(f"{key}: {value}")
    return 0


def _cmd_figures(args) -> int:
    from .gallery import run_gallery
    run_gallery(args.out, quick=args.quick, only=args.only)
    return 0


def _cmd_fit_gif(args) -> int:
    from .plotting.gif_fit import fit_gif_command
    fit_gif_command(args)
    return 0


def _cmd_fit_model(args) -> int:
    from .plotting.gradient_fit import fit_model_command
    fit_model_command(args)
    return 0


def _cmd_train(args) -> int:
    from .plotting.training import train_command
    return train_command(args) or 0


class _OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (no usage block) with exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} -h)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="neurolab", description="neurolab_snn command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("models", help="list the neuron models with equations and presets") \
        .set_defaults(func=_cmd_models)
    proto = sub.add_parser("protocol", help="list or run protocols")
    psub = proto.add_subparsers(dest="protocol_command", required=True)
    psub.add_parser("list", help="list the protocols").set_defaults(func=_cmd_protocol_list)
    run = psub.add_parser("run", help="run one protocol, writing JSON + PNG")
    run.add_argument("name")
    run.add_argument("--model", help="LIF, AdaptiveLIF, GIF or HH")
    run.add_argument("--preset", help="parameter preset of the model")
    run.add_argument("--backend", default="runtime", choices=_BACKENDS)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, default=Path("results/protocols"))
    run.add_argument("--quick", action="store_true", help="short run for a smoke test")
    run.set_defaults(func=_cmd_protocol_run)
    figs = sub.add_parser("figures", help="run every protocol script and figure panel")
    figs.add_argument("--out", type=Path, default=Path("results"))
    figs.add_argument("--quick", action="store_true")
    figs.add_argument("--only", nargs="*", help="names of panels/protocols to run")
    figs.set_defaults(func=_cmd_figures)
    from .plotting.gif_fit import add_fit_gif_arguments
    fit = sub.add_parser("fit-gif", help="fit a GIF model to recordings (Pozzorini et al. 2015)")
    add_fit_gif_arguments(fit)
    fit.set_defaults(func=_cmd_fit_gif)
    from .plotting.gradient_fit import add_fit_model_arguments
    fit_model = sub.add_parser("fit-model", help="fit any neuron model to recorded traces by "
                               "the exact discrete gradient")
    add_fit_model_arguments(fit_model)
    fit_model.set_defaults(func=_cmd_fit_model)
    from .plotting.training import add_train_arguments
    train = sub.add_parser("train", help="train a spiking network with surrogate gradients")
    add_train_arguments(train)
    train.set_defaults(func=_cmd_train)
    return parser


def main(argv=None) -> int:
    """Entry point of ``neurolab``; bad input exits with status 2 and a one-line message."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, KeyError, FileNotFoundError, RuntimeError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"neurolab: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
