"""The headless command line: ``gradstep run`` and ``gradstep gradcheck``.

Bad input exits with status 2 and one line on stderr naming the problem; nothing here
imports Qt, so these commands work on a machine with no display.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from engine.datasets import load_csv
from engine.errors import GradstepError, one_line
from engine.files import open_session, save_session
from engine.gradcheck import gradient_check
from engine.session import MAX_TRACED_ITERATIONS, Session

COMMANDS = ("run", "gradcheck")
GRADCHECK_TOLERANCE = 1e-6
# One command trains at most this many iterations: its history (and the file it writes with
# --trace none, about 75 bytes an iteration) stays well below the 200 MiB file limit.
MAX_RUN_ITERATIONS = 2_000_000
# The gradient check runs four forward passes per parameter, so it is refused above this.
MAX_GRADCHECK_PARAMETERS = 20_000


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
    except (UsageError, GradstepError, OSError) as error:
        print(f"gradstep: {one_line(error)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("gradstep: out of memory; use a smaller file, network or batch", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gradstep: interrupted; nothing was written", file=sys.stderr)
        return 130


def _run(arguments) -> int:
    if arguments.iterations > MAX_RUN_ITERATIONS:
        raise UsageError(f"--iterations: {arguments.iterations} is above the limit of {MAX_RUN_ITERATIONS:,} "
                         "for one command; continue from the exported file")
    if not Path(arguments.export).name or Path(arguments.export).is_dir():
        raise UsageError(f"--export: expected a file name, got {arguments.export!r}")
    if (arguments.target or arguments.standardize) and not arguments.data:
        raise UsageError("--target and --standardize need --data")
    session = open_session(arguments.path)
    if arguments.data:
        data = load_csv(arguments.data, _target_columns(arguments.target), standardize=arguments.standardize)
        try:
            session = Session(session.spec, data, session.training, session.initial_parameters)
        except GradstepError as error:
            raise UsageError(f"{Path(arguments.data).name} does not fit the network of "
                             f"{Path(arguments.path).name}: {error}") from None
    last = session.finished_iterations + arguments.iterations + 1
    if arguments.trace == "all" and last > MAX_TRACED_ITERATIONS:
        raise UsageError(f"--trace all: {last:,} iterations is above the limit of {MAX_TRACED_ITERATIONS:,}; "
                         "use --trace last or none")
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
    columns: list[str | int] = []
    for name in names:
        # int() also reads digit separators, but a column named 1_0 is a name, not index 10.
        if "_" in name:
            columns.append(name)
            continue
        try:
            columns.append(int(name))
        except ValueError:
            columns.append(name)
    return columns


def _gradcheck(arguments) -> int:
    session = open_session(arguments.path)
    count = session.spec.parameter_count()
    if count > MAX_GRADCHECK_PARAMETERS:
        raise UsageError(f"gradcheck: the network has {count:,} parameters, above the limit of "
                         f"{MAX_GRADCHECK_PARAMETERS:,} (each needs four forward passes)")
    _, inputs, targets = session.batch(session.finished_iterations + 1)
    with np.errstate(all="ignore"):
        errors = gradient_check(session.spec, session.parameters, inputs, targets)
    for name, error in errors.items():
        print(f"{name}: worst relative error {error:.3e}")
    if not all(math.isfinite(error) for error in errors.values()):
        print("FAILED: the loss or a gradient is not finite at these parameters, so they can't be compared")
        return 1
    worst = max(errors.values())
    passed = worst <= GRADCHECK_TOLERANCE
    print(f"{'passed' if passed else 'FAILED'}: tolerance {GRADCHECK_TOLERANCE:g}")
    return 0 if passed else 1
