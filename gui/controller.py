"""The controller: the one object that changes the session in response to the user.

It owns the ``Session``, turns actions (step, run, open, save, change the learning rate)
into engine calls, and emits signals that report what changed. Errors from bad input
come back as ``error_occurred`` messages; the session stays as it was.
"""

from __future__ import annotations

import csv
import logging
import math
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from engine.breakpoints import GradientNormBreakpoint
from engine.errors import GradstepError, one_line
from engine.files import open_session, save_session
from engine.session import Session
from engine.session_file import write_atomic

log = logging.getLogger(__name__)

# Run aims at one frame (training, then drawing) this often: 22 frames a second. Training
# takes what the previous frame's drawing left of it, and at least MIN_TRAINING_SECONDS.
FRAME_SECONDS = 1 / 22
MIN_TRAINING_SECONDS = 0.005
# The speeds Run offers, in iterations per second; None is "as fast as possible".
SPEEDS = (1, 5, 20, 100, 1000, None)


class Controller(QObject):
    """Owns the session; views read it and call these methods, and listen to the signals."""

    session_changed = Signal()  # a new session was opened or created: rebuild every view
    step_changed = Signal()  # the cursor moved: show the current step
    history_changed = Signal()  # the loss history grew or shrank
    running_changed = Signal(bool)  # Run started (True) or paused (False)
    message_posted = Signal(str)  # a status-bar message: breakpoint hit, file written
    error_occurred = Signal(str)  # an action failed; the message names the problem
    sample_changed = Signal(int)  # the sample of the batch the graph shows
    focus_changed = Signal(tuple)  # the element of the current step in focus
    file_changed = Signal(str)  # the file the session was opened from or saved to ("" for none)
    breakpoints_changed = Signal()  # a breakpoint was added, removed or switched

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.sample = 0
        self.focus: tuple = ()
        self.path = ""
        self.speed: int | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._seconds_per_iteration = 1e-4
        self._training_ended: float | None = None  # when the last frame's training finished

    # ------------------------------------------------------------------ stepping

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def step(self) -> None:
        self._guarded(self.session.step, "Step")

    def step_back(self) -> None:
        self._guarded(self.session.step_back, "Step back")

    def next_iteration(self) -> None:
        self._guarded(self.session.next_iteration, "Next iteration")

    def reset(self) -> None:
        self.pause()
        self._guarded(self.session.reset, "Reset")
        self.message_posted.emit("Reset to iteration 1 with the initial parameters")

    def goto(self, iteration: int, step: int) -> None:
        self._guarded(lambda: self.session.goto(iteration, step), "Go to")

    def _guarded(self, action, name: str) -> bool:
        """Run a session action; on a bad value report it, otherwise announce the new position."""
        before = len(self.session.history)
        try:
            with np.errstate(all="ignore"):
                action()
        except (GradstepError, ValueError) as error:
            log.warning("%s failed: %s", name, error)
            self.error_occurred.emit(one_line(f"{name} failed: {error}"))
            return False
        self._reset_focus()
        if len(self.session.history) != before or name in ("Reset", "Go to"):
            self.history_changed.emit()
        self.step_changed.emit()
        return True

    def _reset_focus(self) -> None:
        step = self.session.current_step()
        if step is None:
            self.focus = ()
            return
        shape = step.value.shape
        if len(self.focus) != len(shape) or any(i >= n for i, n in zip(self.focus, shape)):
            self.focus = tuple(0 for _ in shape)
        if step.value.ndim >= 2 and self.sample < shape[0] and step.phase != "update" and step.key[:2] != "dW":
            self.focus = (self.sample,) + self.focus[1:]

    # ------------------------------------------------------------------ run

    def toggle_run(self) -> None:
        if self.running:
            self.pause()
        else:
            self.start_run()

    def start_run(self) -> None:
        if self.running:
            return
        self._timer.start(self._interval())
        self.running_changed.emit(True)
        self.message_posted.emit("Running…")

    def pause(self) -> None:
        if not self.running:
            return
        self._timer.stop()
        self._training_ended = None
        self.running_changed.emit(False)
        self.message_posted.emit(f"Paused at iteration {self.session.cursor[0]}")

    def set_speed(self, speed: int | None) -> None:
        """Set Run's speed in iterations per second (None: as fast as possible)."""
        if speed is not None and (isinstance(speed, bool) or not isinstance(speed, int) or speed < 1):
            self.error_occurred.emit(f"Speed: expected a positive number of iterations a second, got {speed!r}")
            return
        self.speed = speed
        if self.running:
            self._timer.setInterval(self._interval())

    def _interval(self) -> int:
        """Milliseconds between Run's frames: one iteration a frame below 30 iterations a second."""
        if self.speed is None:
            return 0
        return max(1, round(1000 / self.speed)) if self.speed < 30 else round(1000 * FRAME_SECONDS)

    def run_frame(self) -> None:
        """Train one frame's worth of iterations; Run's timer calls it, tests may call it directly."""
        if self.speed is None:
            now = time.perf_counter()
            # Since the last frame's training: its signals, the views' redraw and other events.
            drawing = 0.0 if self._training_ended is None else min(now - self._training_ended, FRAME_SECONDS)
            budget = max(FRAME_SECONDS - drawing, MIN_TRAINING_SECONDS)
            count = max(1, int(budget / self._seconds_per_iteration))
        else:
            count = max(1, round(self.speed * FRAME_SECONDS)) if self.speed >= 30 else 1
        started = time.perf_counter()
        try:
            result = self.session.run(count)
        except (GradstepError, ValueError) as error:
            self._timer.stop()
            self.running_changed.emit(False)
            self.error_occurred.emit(f"Run failed: {error}")
            return
        self._training_ended = time.perf_counter()
        elapsed = self._training_ended - started
        if result.iterations:
            measured = elapsed / result.iterations
            self._seconds_per_iteration = 0.7 * self._seconds_per_iteration + 0.3 * measured
        self.history_changed.emit()
        if result.stop is not None:
            self._training_ended = None
            self._timer.stop()
            self.running_changed.emit(False)
            self._reset_focus()
            if result.stop.element:
                self.focus = result.stop.element
            self.step_changed.emit()
            self.message_posted.emit(f"Stopped: {result.stop.message}")
            return
        self.step_changed.emit()

    def _on_timer_timeout(self) -> None:
        self.run_frame()

    # ------------------------------------------------------------------ settings

    def set_learning_rate(self, rate: float) -> bool:
        try:
            start = self.session.set_learning_rate(rate)
        except GradstepError as error:
            self.error_occurred.emit(one_line(error))
            return False
        self.message_posted.emit(f"Learning rate {rate:g} from iteration {start}")
        self.step_changed.emit()
        return True

    def set_sample(self, sample: int) -> None:
        if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)):
            self.error_occurred.emit(f"Sample: expected an integer, got {sample!r}")
            return
        rows = len(self.session.batch(self.session.cursor[0])[0])
        sample = min(max(0, int(sample)), rows - 1)
        if sample == self.sample:
            return
        self.sample = sample
        self._reset_focus()
        self.sample_changed.emit(sample)
        self.focus_changed.emit(self.focus)

    def set_focus(self, index: tuple) -> None:
        step = self.session.current_step()
        if step is None:
            return
        if not isinstance(index, tuple) or not all(isinstance(i, (int, np.integer)) for i in index):
            return
        index = tuple(int(i) for i in index)
        if len(index) != step.value.ndim or any(not 0 <= i < n for i, n in zip(index, step.value.shape)):
            return
        self.focus = index
        self.focus_changed.emit(index)

    # ------------------------------------------------------------------ breakpoints

    def add_iteration_breakpoint(self, iteration: int) -> bool:
        if isinstance(iteration, bool) or not isinstance(iteration, int) or iteration < 1:
            self.error_occurred.emit(f"Breakpoint iteration: expected a positive integer, got {iteration!r}")
            return False
        self.session.breakpoints.iterations.add(iteration)
        self.breakpoints_changed.emit()
        return True

    def add_loss_breakpoint(self, threshold: float) -> bool:
        if not _is_finite_number(threshold):
            self.error_occurred.emit(f"Loss threshold: expected a finite number, got {threshold!r}")
            return False
        if threshold not in self.session.breakpoints.loss_thresholds:
            self.session.breakpoints.loss_thresholds.append(float(threshold))
        self.breakpoints_changed.emit()
        return True

    def add_gradient_norm_breakpoint(self, layer: int, threshold: float, above: bool) -> bool:
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= self.session.spec.depth:
            self.error_occurred.emit(f"Gradient-norm layer: expected 1 to {self.session.spec.depth}, got {layer!r}")
            return False
        if not _is_finite_number(threshold) or threshold < 0:
            self.error_occurred.emit(f"Gradient-norm threshold: expected a non-negative number, got {threshold!r}")
            return False
        breakpoint_ = GradientNormBreakpoint(layer, float(threshold), bool(above))
        if breakpoint_ not in self.session.breakpoints.gradient_norms:
            self.session.breakpoints.gradient_norms.append(breakpoint_)
        self.breakpoints_changed.emit()
        return True

    def set_break_on_non_finite(self, enabled: bool) -> None:
        self.session.breakpoints.non_finite = bool(enabled)
        self.breakpoints_changed.emit()

    def remove_breakpoint(self, kind: str, value) -> None:
        """Remove one breakpoint: ("iteration", n), ("loss", threshold) or ("gradient_norm", GradientNormBreakpoint)."""
        breakpoints = self.session.breakpoints
        if kind == "iteration":
            breakpoints.iterations.discard(value)
        elif kind == "loss" and value in breakpoints.loss_thresholds:
            breakpoints.loss_thresholds.remove(value)
        elif kind == "gradient_norm" and value in breakpoints.gradient_norms:
            breakpoints.gradient_norms.remove(value)
        self.breakpoints_changed.emit()

    def clear_breakpoints(self) -> None:
        breakpoints = self.session.breakpoints
        breakpoints.iterations.clear()
        breakpoints.loss_thresholds.clear()
        breakpoints.gradient_norms.clear()
        self.breakpoints_changed.emit()

    # ------------------------------------------------------------------ files

    def new_session(self, spec, data, training, initial_parameters=None) -> bool:
        """Start a session on a new network; on a bad setting report it and keep the current session."""
        breakpoints = self.session.breakpoints
        try:
            session = Session(spec, data, training, initial_parameters, breakpoints)
        except (GradstepError, ValueError) as error:
            self.error_occurred.emit(one_line(f"Could not create the network: {error}"))
            return False

        self.replace_session(session, "")
        self.message_posted.emit(f"New network {' → '.join(str(width) for width in spec.widths)} on {data.name}")
        return True

    def replace_session(self, session: Session, path: str = "") -> None:
        self.pause()
        self.session = session
        self.sample = 0
        self.focus = ()
        self.path = path
        self.session_changed.emit()
        self.history_changed.emit()
        self.step_changed.emit()
        self.file_changed.emit(path)

    def open_file(self, path: str) -> bool:
        """Open a session or preset; on failure report it and keep the current session."""
        if not isinstance(path, (str, Path)) or not str(path):
            self.error_occurred.emit(f"Could not open {path!r}: expected a file path")
            return False
        try:
            session = open_session(path)
        except (GradstepError, OSError) as error:
            log.warning("open %s failed: %s", path, error)
            self.error_occurred.emit(one_line(f"Could not open {Path(path).name}: {error}"))
            return False
        self.replace_session(session, str(path))
        self.message_posted.emit(f"Opened {Path(path).name}")
        return True

    def save_file(self, path: str, trace: str = "last") -> bool:
        """Save the session; on failure report it and leave any existing file intact."""
        self.pause()
        try:
            save_session(self.session, path, trace)
        except (GradstepError, OSError, ValueError) as error:
            log.warning("save %s failed: %s", path, error)
            self.error_occurred.emit(one_line(f"Could not save {Path(path).name or path!r}: {error}"))
            return False
        self.path = str(path)
        self.file_changed.emit(self.path)
        self.message_posted.emit(f"Saved {Path(path).name}")
        return True

    def export_loss_csv(self, path: str) -> bool:
        """Write iteration, loss and learning rate per row; the last row is the current loss."""
        lines = []
        writer = csv.writer(_LineSink(lines), lineterminator="\n")
        writer.writerow(["iteration", "loss", "learning_rate"])
        for index, loss in enumerate(self.session.history.loss):
            text = repr(float(loss)) if math.isfinite(loss) else str(float(loss))
            writer.writerow([index, text, repr(self.session.rates.at(index + 1))])
        try:
            write_atomic(path, "".join(lines))
        except (OSError, ValueError) as error:
            self.error_occurred.emit(f"Could not export {Path(path).name}: {error}")
            return False
        self.message_posted.emit(f"Exported the loss history to {Path(path).name}")
        return True


def _is_finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _LineSink:
    def __init__(self, lines: list[str]):
        self._lines = lines

    def write(self, text: str) -> None:
        self._lines.append(text)
