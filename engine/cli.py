"""The headless command line: ``gradstep run`` and ``gradstep gradcheck``.

Bad input exits with status 2 and one line on stderr naming the problem; nothing here
imports Qt, so these commands work on a machine with no display.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from engine.datasets import load_csv
from engine.errors import GradstepError
from engine.files import open_session, save_session
from engine.gradcheck import gradient_check
from engine.session import Session

COMMANDS = ("run", "gradcheck")
GRADCHECK_TOLERANCE = 1e-6


class UsageError(Exception):
    """A command-line argument is invalid."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gradstep", description="Step through backpropagation, or train headless.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="train a preset or session headless and export it")
    run.add_argument("path", help="a preset or session file (.json)")
    run.add_argument("--iterations", type=_non_negative, required=True, help="iterations to train (0: re-export)")
    run.add_argument("--export", required=True, metavar="OUT.json", help="session file to write")
    run.add_argument("--trace", choices=("none", "last", "all"), default="last",
                     help="which iterations' steps the file keeps (default: last)")
    run.add_argument("--data", metavar="DATA.csv",
                     help="train on this CSV file instead of the file's own data (same network)")
    run.add_argument("--target", action="append", metavar="COLUMN",
                     help="a target column of --data, by header name or 0-based index; repeat for several "
                          "(default: the last column)")
    run.add_argument("--standardize", action="store_true", help="standardise the inputs of --data")

    check = commands.add_parser("gradcheck", help="compare analytic gradients with central differences")
    check.add_argument("path", help="a preset or session file (.json)")
    return parser


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit status."""
    try:
        arguments = _parser().parse_args(argv)
        if arguments.command == "run":
            return _run(arguments)
        return _gradcheck(arguments)
    except UsageError as error:
        print(f"gradstep: {error}", file=sys.stderr)
        return 2
    except (GradstepError, OSError) as error:
        print(f"gradstep: {error}", file=sys.stderr)
        return 2


def _run(arguments) -> int:
    session = open_session(arguments.path)
    if arguments.data:
        data = load_csv(arguments.data, _target_columns(arguments.target), standardize=arguments.standardize)
        session = Session(session.spec, data, session.training, session.initial_parameters)
    elif arguments.target or arguments.standardize:
        raise UsageError("--target and --standardize need --data")
    result = session.run(arguments.iterations)
    save_session(session, arguments.export, arguments.trace)

    loss = session.history.loss[-1]
    line = f"iterations: {session.finished_iterations}  loss: {loss:.6g}"
    accuracy = session.accuracy()
    if accuracy is not None:
        line += f"  training accuracy: {accuracy:.1%}"
    print(line)
    if result.stop is not None:
        print(f"stopped: {result.stop.message}")
    print(f"exported: {arguments.export}")
    return 0


def _target_columns(names: list[str] | None) -> list[str | int]:
    """Return the target columns: integers where the text is an index, names otherwise."""
    if not names:
        return [-1]
    return [int(name) if name.lstrip("-").isdigit() else name for name in names]


def _gradcheck(arguments) -> int:
    session = open_session(arguments.path)
    _, inputs, targets = session.batch(session.finished_iterations + 1)
    with np.errstate(all="ignore"):
        errors = gradient_check(session.spec, session.parameters, inputs, targets)
    worst = max(errors.values())
    for name, error in errors.items():
        print(f"{name}: worst relative error {error:.3e}")
    passed = worst <= GRADCHECK_TOLERANCE
    print(f"{'passed' if passed else 'FAILED'}: tolerance {GRADCHECK_TOLERANCE:g}")
    return 0 if passed else 1
