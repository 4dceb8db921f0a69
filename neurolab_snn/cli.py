"""``neurolab`` command line (layer L6): argparse front end, no logic of its own."""
from __future__ import annotations

import argparse
import contextlib
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


def _out_dir(args) -> Path:
    """The output folder a command writes into (locked while it runs), or None."""
    if args.command == "train":
        from .plotting.training import train_out_dir
        return train_out_dir(args)
    return getattr(args, "out", None)


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
    if getattr(args, "nwb", False):
        from .experiment.nwb_export import protocol_nwb_command
        print(f"wrote {protocol_nwb_command(result, args)}")
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


def _cmd_analyze_steps(args) -> int:
    from .plotting.steps import analyze_steps_command
    analyze_steps_command(args)
    return 0


def _cmd_fit_model(args) -> int:
    from .plotting.gradient_fit import fit_model_command
    fit_model_command(args)
    return 0


def _cmd_train(args) -> int:
    from .plotting.training import train_command
    return train_command(args) or 0


def _cmd_sweep(args) -> int:
    from .sweep.commands import sweep_command
    sweep_command(args)
    return 0


def _cmd_fit_gif_batch(args) -> int:
    from .sweep.commands import fit_gif_batch_command
    fit_gif_batch_command(args)
    return 0


class _OneLineParser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (no usage block) with exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} -h)\n")


def _verbosity_options(parser, default=argparse.SUPPRESS) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="print only errors and the final results")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="also print debug lines and Brian2's INFO/DEBUG messages")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="neurolab", description="neurolab_snn command line")
    _verbosity_options(parser, default=False)
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
    run.add_argument("--nwb", action="store_true", help="also write <protocol>.nwb (pynwb)")
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
    from .plotting.steps import add_analyze_steps_arguments
    steps = sub.add_parser("analyze-steps", help="features of current-step protocols (eFEL)")
    add_analyze_steps_arguments(steps)
    steps.set_defaults(func=_cmd_analyze_steps)
    from .plotting.gradient_fit import add_fit_model_arguments
    fit_model = sub.add_parser("fit-model", help="fit any neuron model to recorded traces by "
                               "the exact discrete gradient")
    add_fit_model_arguments(fit_model)
    fit_model.set_defaults(func=_cmd_fit_model)
    from .plotting.training import add_train_arguments
    train = sub.add_parser("train", help="train a spiking network with surrogate gradients")
    add_train_arguments(train)
    train.set_defaults(func=_cmd_train)
    from .sweep.commands import add_fit_gif_batch_arguments, add_sweep_arguments
    swp = sub.add_parser("sweep", help="run a protocol, fit or training over a parameter grid "
                                       "and seeds on Dask")
    add_sweep_arguments(swp)
    swp.set_defaults(func=_cmd_sweep)
    batch = sub.add_parser("fit-gif-batch", help="fit a GIF to every cell of a CSV on Dask")
    add_fit_gif_batch_arguments(batch)
    batch.set_defaults(func=_cmd_fit_gif_batch)
    for leaf in (*sub.choices.values(), *psub.choices.values()):   # also after the command
        if leaf is not proto:
            _verbosity_options(leaf)
    return parser


def main(argv=None) -> int:
    """Entry point of ``neurolab``.

    Bad input exits with status 2 and a one-line message; SIGINT / SIGTERM exit
    with 130 / 143 and one line, after the job has removed its temporary files;
    a command that writes ``--out`` holds that folder's lock while it runs.
    """
    from .console import configured_output, forget_unfinished_run
    from .files import locked_out_dir
    from .interrupt import Interrupted, signals_as_exceptions

    parser = build_parser()
    args = parser.parse_args(argv)
    verbosity = -1 if args.quiet else 1 if args.verbose else 0
    try:
        with configured_output(verbosity), signals_as_exceptions(), \
                contextlib.ExitStack() as stack:
            out = _out_dir(args)
            if out is not None:
                stack.enter_context(locked_out_dir(out))
            return args.func(args)
    except KeyboardInterrupt as err:
        forget_unfinished_run()
        name = err.signal_name if isinstance(err, Interrupted) else "SIGINT"
        print(f"neurolab: interrupted ({name}); no partial files written", file=sys.stderr)
        return err.exit_status if isinstance(err, Interrupted) else 130
    except (ValueError, TypeError, KeyError, FileNotFoundError, RuntimeError) as err:
        text = err.args[0] if isinstance(err, KeyError) and len(err.args) == 1 and \
            isinstance(err.args[0], str) else str(err)      # str(KeyError) adds quotes
        message = text.strip().splitlines()[0] if text.strip() else type(err).__name__
        print(f"neurolab: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
