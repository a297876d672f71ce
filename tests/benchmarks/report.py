"""Measure Gradstep's performance targets and print one line per target with PASS or FAIL.

Usage: uv run python tests/benchmarks/report.py [--quick] [--only NAME ...]

The full report takes under 5 minutes on 2 cores, because run_memory stops after 120 s
(``--memory-seconds``) and is then reported INCOMPLETE. ``--quick`` runs tiny sizes and
counts in seconds, to check that every target still runs, and prints "quick" in place of a
verdict. Exit status: 0 when every target passed or was skipped, 1 when one failed its goal
or is incomplete, 2 when one raised an error.
README.md beside this file describes each target.
"""

from __future__ import annotations

import os

# Qt reads the platform once, when the first QApplication starts, and window_targets imports Qt.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402

import numpy as np  # noqa: E402

TARGETS = ("fast_vs_numpy", "fast_vs_torch", "traced_vs_numpy", "step_frame", "run_throughput", "run_memory",
           "startup", "session_io")
# Printed without a goal: context for the targets above.
EXTRA_ROWS = ("minor_faults", "blas_one_thread")


@dataclass(frozen=True)
class Settings:
    """Sizes and counts of one report, as in ``FULL`` and ``QUICK`` below."""

    quick: bool
    block_seconds: float  # length of one timed block of iterations
    repeats: int  # interleaved blocks per side of a ratio
    warmup_steps: int  # untimed Steps in each window before step_frame's timed ones
    frame_steps: int  # timed Steps in each window
    run_repeats: int
    run_seconds: float  # length of one Run for run_throughput
    memory_iterations: int
    memory_seconds: float | None  # time limit of run_memory, or None to run all memory_iterations
    startup_repeats: int  # process pairs per startup variant
    session_iterations: int  # length of the session that session_io exports and imports
    io_repeats: int


FULL = Settings(quick=False, block_seconds=0.1, repeats=21, warmup_steps=3, frame_steps=57,
                run_repeats=3, run_seconds=3.0, memory_iterations=1_000_000, memory_seconds=120.0,
                startup_repeats=7, session_iterations=100_000, io_repeats=7)
QUICK = Settings(quick=True, block_seconds=0.003, repeats=3, warmup_steps=1, frame_steps=2,
                 run_repeats=1, run_seconds=0.3, memory_iterations=5_000, memory_seconds=None,
                 startup_repeats=1, session_iterations=500, io_repeats=1)


# ---------------------------------------------------------------- header


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_description() -> str:
    """Return NumPy's BLAS library (from numpy.show_config) and its thread count (from threadpoolctl)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        library = f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip()
    except (KeyError, TypeError, ValueError):
        library = "unknown"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threads = "unknown (threadpoolctl is not installed)"
    else:
        pools = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
        if pools:
            threads = ", ".join(f"{pool['num_threads']} ({pool['internal_api']}, {pool.get('architecture', '?')})"
                                for pool in pools)
        else:
            threads = "unknown (threadpoolctl found no BLAS)"
    return f"{library}, threads: {threads}"


def header(settings: Settings) -> list[str]:
    import pyqtgraph
    import PySide6

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    thread_variables = [f"{name}={os.environ[name]}" for name in
                        ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "MALLOC_TOP_PAD_",
                         "MALLOC_TRIM_THRESHOLD_", "PYTHONDONTWRITEBYTECODE") if name in os.environ]
    return [
        f"Gradstep benchmark report ({'quick: tiny sizes, no verdicts' if settings.quick else 'full'})",
        f"date:     {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"machine:  {cpu_model()}, {os.cpu_count()} cores ({usable} usable), load average {load} at start",
        f"python:   {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"numpy:    {np.__version__}, BLAS: {blas_description()}",
        f"qt:       PySide6 {PySide6.__version__}, pyqtgraph {pyqtgraph.__version__}, "
        f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}",
        f"settings: {' '.join(thread_variables) if thread_variables else 'none of the BLAS, malloc or bytecode variables set'}",
    ]


# ---------------------------------------------------------------- running


def measure_all(settings: Settings, selected: set[str], progress) -> list:
    """Run the selected targets and return their rows. Torch is imported last, after every NumPy timing."""
    import cases
    import engine_targets
    from measure import Row

    all_cases = cases.all_cases()
    wide = all_cases[2]
    jobs = []
    if "fast_vs_numpy" in selected:
        for case in all_cases:
            jobs.append(("fast_vs_numpy", case.label, lambda case=case: engine_targets.fast_vs_numpy(case, settings)))
        jobs.append(("blas_one_thread", wide.label, lambda: engine_targets.one_blas_thread(wide, settings)))
    if "traced_vs_numpy" in selected:
        for case in all_cases:
            jobs.append(("traced_vs_numpy", case.label,
                         lambda case=case: engine_targets.traced_vs_numpy(case, settings)))
    if "session_io" in selected:
        jobs.append(("session_io", "tutorial", lambda: engine_targets.session_io(settings)))
    if selected & {"step_frame", "run_throughput", "run_memory"}:
        import window_targets
        if "step_frame" in selected:
            jobs.append(("step_frame", "3-4-2 and 784-128-10",
                         lambda: window_targets.step_frame([all_cases[0], wide], settings)))
        if "run_throughput" in selected:
            jobs.append(("run_throughput", "3-4-2", lambda: window_targets.run_throughput(settings)))
        if "run_memory" in selected:
            jobs.append(("run_memory", "3-4-2", lambda: [window_targets.run_memory(settings)]))
    if "startup" in selected:
        import startup_target
        jobs.append(("startup", "whole process", lambda: startup_target.startup(settings)))
    if "fast_vs_torch" in selected:
        jobs.append(("fast_vs_torch", "3-4-2 and 2-8-8-1", lambda: fast_vs_torch(all_cases[:2], settings)))

    rows = []
    for name, case, job in jobs:
        progress(f"measuring {name} {case}")
        try:
            rows.extend(job())
        except Exception as error:  # noqa: BLE001: one broken target must not hide the others' results
            traceback.print_exc(file=sys.stderr)
            rows.append(Row(name, case, error=f"{type(error).__name__}: {error}"))
    return rows


def fast_vs_torch(torch_cases, settings: Settings) -> list:
    import engine_targets
    from measure import Row

    try:
        import torch
    except (ImportError, OSError) as error:
        return [Row("fast_vs_torch", case.label, skipped=f"import torch failed ({error})") for case in torch_cases]
    return [engine_targets.fast_vs_torch(case, settings, torch) for case in torch_cases]


def render(rows: list, settings: Settings) -> list[str]:
    """Format rows as aligned columns in the order of TARGETS, each note on the line below its row."""
    order = {name: index for index, name in enumerate(TARGETS + EXTRA_ROWS)}
    rows = sorted(rows, key=lambda row: order[row.name])  # sorted() is stable, so cases keep their order
    table = [(f"{row.name}  {row.case}", row.measured_text(), str(row.goal) if row.goal else "-",
              row.verdict(settings.quick), row.note) for row in rows]
    widths = [max(len(cells[column]) for cells in table) for column in range(3)]
    lines = [f"{'target':<{widths[0]}}  {'median (min, max, n)':<{widths[1]}}  {'goal':<{widths[2]}}  verdict"]
    for name, measured, goal, verdict, note in table:
        lines.append(f"{name:<{widths[0]}}  {measured:<{widths[1]}}  {goal:<{widths[2]}}  {verdict}")
        if note:
            lines.append(f"{'':<{widths[0]}}    {note}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure Gradstep's performance targets.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and counts, a few seconds in all; checks that the targets run, no verdicts")
    parser.add_argument("--only", action="append", choices=TARGETS, metavar="NAME",
                        help=f"measure only this target (repeatable): {', '.join(TARGETS)}")
    parser.add_argument("--memory-seconds", type=float, metavar="SECONDS",
                        help=f"time limit of run_memory in seconds, 0 for none (default {FULL.memory_seconds:g}; "
                             "no limit with --quick)")
    arguments = parser.parse_args(argv)
    settings = QUICK if arguments.quick else FULL
    if arguments.memory_seconds is not None:
        settings = replace(settings, memory_seconds=arguments.memory_seconds or None)
    selected = set(arguments.only or TARGETS)

    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:5.0f} s] {message}", file=sys.stderr, flush=True)

    lines = header(settings)
    rows = measure_all(settings, selected, progress)
    lines.append(f"duration: {time.perf_counter() - started:.0f} s")
    lines.append("")
    lines.extend(render(rows, settings))
    print("\n".join(lines))

    verdicts = {row.verdict(settings.quick) for row in rows}
    if "ERROR" in verdicts:
        return 2
    return 1 if verdicts & {"FAIL", "INCOMPLETE"} else 0


if __name__ == "__main__":
    sys.exit(main())
