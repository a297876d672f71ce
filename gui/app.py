"""The ``gradstep`` entry point: the window, or a headless command.

``gradstep`` opens the window on the tutorial preset, ``gradstep PATH`` on a file, and
``gradstep run …`` / ``gradstep gradcheck …`` run without Qt (see ``engine.cli``).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from engine.cli import COMMANDS

    if argv and argv[0] in COMMANDS:
        from engine.cli import main as cli_main

        return cli_main(argv)
    from gui.window_app import run_window

    return run_window(argv)


if __name__ == "__main__":
    sys.exit(main())
