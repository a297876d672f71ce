"""Starting the window: command-line arguments, the QApplication, and ``--screenshot``.

``gradstep [PATH]`` opens the window on PATH or on the tutorial preset. With
``--screenshot OUT.png [--run K] [--steps N]`` it trains K iterations, takes N steps, saves a
picture of the window and exits, which the README's images and the smoke test use.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from engine.errors import GradstepError
from engine.files import open_session, tutorial_preset


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradstep",
        description="Step through backpropagation one computation at a time.",
        epilog="Headless commands: 'gradstep run FILE --iterations N --export OUT.json' trains and saves; "
               "'gradstep gradcheck FILE' checks every gradient against central differences. "
               "Add --help after a command for its options.",
    )
    parser.add_argument("path", nargs="?", help="a session or preset file to open (default: the tutorial)")
    parser.add_argument("--screenshot", metavar="OUT.png", help="save a picture of the window and exit")
    parser.add_argument("--run", type=int, default=0, metavar="K", help="iterations to train before the steps")
    parser.add_argument("--steps", type=int, default=0, metavar="N", help="steps to take before the screenshot")
    parser.add_argument("--focus", metavar="I,J", help="element of the step to explain in the screenshot, e.g. 1,0")
    parser.add_argument("--size", default="1440x900", metavar="WxH", help="window size for the screenshot")
    return parser


def _parse_size(text: str) -> tuple[int, int] | None:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        return None
    if not (320 <= width <= 8000 and 240 <= height <= 8000):
        return None
    return width, height


def _no_display() -> bool:
    """Return True on Linux when Qt would find no screen to open a window on."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _parse_focus(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        return None


def run_window(argv: list[str]) -> int:
    """Open the window (or take a screenshot) and return the exit status."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    size = _parse_size(arguments.size)
    if size is None:
        parser.error(f"--size: expected WIDTHxHEIGHT between 320x240 and 8000x8000, got {arguments.size!r}")
    if arguments.run < 0 or arguments.steps < 0:
        parser.error("--run and --steps: expected non-negative integers")
    if not arguments.screenshot and _no_display():
        print("gradstep: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); run it in a desktop "
              "session, under xvfb-run, or use the headless commands (gradstep --help)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    path = arguments.path or str(tutorial_preset())
    try:
        session = open_session(path)
    except (GradstepError, OSError) as error:
        print(f"gradstep: {error}", file=sys.stderr)
        return 2

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.controller import Controller
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Gradstep")
    app.setOrganizationName("Gradstep")
    controller = Controller(session)
    controller.path = path if arguments.path else ""
    if arguments.screenshot:
        settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Gradstep", "screenshot")
        settings.clear()
        window = MainWindow(controller, settings)
        window.resize(*size)
        window.show()
        if arguments.run > 0:
            controller.session.run(arguments.run)
        for _ in range(arguments.steps):
            controller.step()
        if arguments.focus:
            step = controller.session.current_step()
            focus = _parse_focus(arguments.focus)
            if step is None or focus is None or len(focus) != step.value.ndim or any(
                    not 0 <= i < n for i, n in zip(focus, step.value.shape)):
                shape = "no step" if step is None else f"shape {step.value.shape}"
                print(f"gradstep: --focus {arguments.focus}: not an element of the step after "
                      f"{arguments.steps} steps ({shape})", file=sys.stderr)
                window.close()
                return 2
            controller.set_focus(focus)
        app.processEvents()
        saved = window.grab().save(arguments.screenshot)
        window.close()
        if not saved:
            print(f"gradstep: could not write {arguments.screenshot}", file=sys.stderr)
            return 2
        return 0

    window = MainWindow(controller)
    window.show()
    return app.exec()
