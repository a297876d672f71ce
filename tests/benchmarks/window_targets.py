"""Targets that drive the real main window offscreen: Step frames, Run throughput, Run memory.

``report.py`` sets QT_QPA_PLATFORM=offscreen before this module imports Qt. Every window
gets its own settings file in a temporary folder, so no user setting changes what is drawn.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cases import Case, tutorial_case
from measure import Goal, Row, count_text, interleave, resident_bytes

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from gui.controller import Controller
from gui.main_window import MainWindow

MEGABYTE = 1024**2


def application() -> QApplication:
    return QApplication.instance() or QApplication(sys.argv[:1])


@contextmanager
def shown_window(session):
    """Yield (controller, window) for a session, shown with fresh settings, then close and delete the window."""
    app = application()
    with tempfile.TemporaryDirectory(prefix="gradstep-benchmark-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        controller = Controller(session)
        window = MainWindow(controller, settings)
        window.show()
        app.processEvents()
        try:
            yield controller, window
        finally:
            controller.pause()
            window.close()
            window.deleteLater()
            app.processEvents()


class PaintCounter(QObject):
    """Counter of the paint events of the widget it is installed on."""

    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _loss_plot_viewport(window: MainWindow):
    """Return the widget the loss curve is painted on: the viewport of the loss plot's PlotWidget."""
    plot_widget = window.loss_plot.findChild(pg.PlotWidget)
    if plot_widget is None:
        raise RuntimeError("the loss plot has no pyqtgraph PlotWidget to count repaints on")
    return plot_widget.viewport()


def step_frame(cases: list[Case], settings) -> list[Row]:
    """Time Step → events processed → window grabbed, alternating between one window per case."""
    app = application()
    rows = []
    with shown_window(cases[0].session()) as first, shown_window(cases[1].session()) as second:
        windows = {cases[0].label: first, cases[1].label: second}

        def frame_runner(controller, window):
            def frame() -> float:
                started = time.perf_counter()
                controller.step()
                app.processEvents()
                window.grab()
                return time.perf_counter() - started
            return frame

        runners = {label: frame_runner(*pair) for label, pair in windows.items()}
        interleave(runners, settings.warmup_steps)
        times = interleave(runners, settings.frame_steps)
        for case, goal in zip(cases, (16.0, 50.0)):
            milliseconds = [seconds * 1000 for seconds in times[case.label]]
            rows.append(Row("step_frame", case.label, milliseconds, "ms", Goal("<=", goal, "ms"),
                            note=f"{count_text(len(milliseconds), 'timed step')} after {settings.warmup_steps} untimed, "
                                 f"alternating between the two windows; an iteration has "
                                 f"{first[0].session.steps_per_iteration} steps"))
    return rows


def run_throughput(settings) -> list[Row]:
    """Measure iterations and loss-plot repaints per second while Run trains the tutorial network."""
    app = application()
    rates, frame_rates = [], []
    for _ in range(settings.run_repeats):
        with shown_window(tutorial_case().session()) as (controller, window):
            counter = PaintCounter(_loss_plot_viewport(window))
            loop = QEventLoop()
            QTimer.singleShot(round(settings.run_seconds * 1000), loop.quit)
            before = controller.session.finished_iterations
            painted = counter.count
            started = time.perf_counter()
            controller.start_run()
            loop.exec()
            elapsed = time.perf_counter() - started
            controller.pause()
            rates.append((controller.session.finished_iterations - before) / elapsed)
            frame_rates.append((counter.count - painted) / elapsed)
            app.processEvents()
    note = f"{count_text(settings.run_repeats, 'run')} of {settings.run_seconds:g} s"
    return [Row("run_throughput", "3-4-2 iterations", rates, "it/s", Goal(">=", 5000, "it/s"), note=note),
            Row("run_throughput", "3-4-2 loss plot", frame_rates, "frames/s", Goal(">=", 20, "frames/s"), note=note)]


def run_memory(settings) -> Row:
    """Measure resident memory growth while Run's frames train the tutorial network for ``settings.memory_iterations``.

    The loop also stops after ``settings.memory_seconds`` unless that is None. The row then
    reports the growth over the iterations reached and is marked incomplete.
    """
    app = application()
    with shown_window(tutorial_case().session()) as (controller, window):
        counter = PaintCounter(_loss_plot_viewport(window))
        for _ in range(10):
            controller.run_frame()
            app.processEvents()
        session = controller.session
        start = session.finished_iterations
        before = peak = resident_bytes()
        started = time.perf_counter()
        frames = 0
        deadline = None if settings.memory_seconds is None else started + settings.memory_seconds
        while session.finished_iterations - start < settings.memory_iterations:
            if deadline is not None and time.perf_counter() > deadline:
                break
            controller.run_frame()
            app.processEvents()
            frames += 1
            peak = max(peak, resident_bytes())
        elapsed = time.perf_counter() - started
        growth = resident_bytes() - before
        done = session.finished_iterations - start
    complete = done >= settings.memory_iterations
    note = (f"one run: {done:,} iterations in {elapsed:.0f} s ({done / elapsed:,.0f} it/s), {frames:,} frames, "
            f"{counter.count:,} loss-plot repaints, peak growth {(peak - before) / MEGABYTE:.1f} MB")
    if not complete:
        note += (f"; stopped at the {settings.memory_seconds:g} s limit before {settings.memory_iterations:,} "
                 "iterations (--memory-seconds 0 removes the limit)")
    return Row("run_memory", f"3-4-2 {settings.memory_iterations:,} iterations", [growth / MEGABYTE], "MB",
               Goal("<=", 100, "MB"), note=note, complete=complete)
