"""The startup target: a whole ``gradstep --screenshot`` process against a bare PySide6 + pyqtgraph one.

Both run as child processes of this Python with QT_QPA_PLATFORM=offscreen, in alternating
order. Python's bytecode cache goes to a private folder (PYTHONPYCACHEPREFIX), so the
measurement neither reads nor writes __pycache__ folders in the work tree or the virtual
environment. "warm bytecode cache" fills that folder with one untimed run of each side
first, as a user's second start would find it. "no bytecode cache" compiles every module
from source in every run, as a process started with PYTHONDONTWRITEBYTECODE=1 does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from measure import Goal, Row, interleave

ROOT = Path(__file__).resolve().parents[2]
BARE_WINDOW = Path(__file__).with_name("bare_window.py")
PROCESS_TIMEOUT_SECONDS = 120


def _environment(folder: Path, bytecode_cache: bool) -> dict[str, str]:
    environment = dict(os.environ)
    environment["QT_QPA_PLATFORM"] = "offscreen"
    # gradstep --screenshot writes an empty settings file under the user's configuration folder.
    environment["XDG_CONFIG_HOME"] = str(folder / "config")
    if bytecode_cache:
        environment["PYTHONPYCACHEPREFIX"] = str(folder / "bytecode")
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        environment["PYTHONPYCACHEPREFIX"] = str(folder / "no-bytecode")
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def _timed_run(command: list[str], environment: dict[str, str]) -> float:
    """Run command to completion and return its wall-clock seconds; raise RuntimeError unless it exits 0."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=PROCESS_TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with status {result.returncode}: {result.stderr.strip()[-500:]}")
    return elapsed


def startup(settings) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="gradstep-benchmark-") as name:
        folder = Path(name)
        app_command = [sys.executable, "-m", "gui.app", "--screenshot", str(folder / "gradstep.png")]
        bare_command = [sys.executable, str(BARE_WINDOW), str(folder / "bare.png")]
        variants = [("warm bytecode cache", True, settings.startup_repeats, Goal("<=", 1.3))]
        if not settings.quick:
            variants.append(("no bytecode cache", False, settings.startup_repeats, None))
        for label, bytecode_cache, repeats, goal in variants:
            environment = _environment(folder, bytecode_cache)
            if bytecode_cache:
                _timed_run(app_command, environment)
                _timed_run(bare_command, environment)
            times = interleave({"app": lambda: _timed_run(app_command, environment),
                                "bare": lambda: _timed_run(bare_command, environment)}, repeats)
            ratios = [app / bare for app, bare in zip(times["app"], times["bare"])]
            rows.append(Row("startup", label, ratios, "x", goal,
                            note=f"gradstep {median(times['app']):.2f} s, bare window {median(times['bare']):.2f} s"))
    return rows
