"""The loss against iteration, with a cursor at the iteration being stepped through.

``LossPlot`` draws one curve item, created once and refreshed with ``setData``, and lets
pyqtgraph downsample (peak mode) and clip to the visible range, so a history of a million
iterations pans and zooms smoothly. A check box switches the y axis to a log scale.
"""

from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.symbols import format_number
from gui import theme
from gui.image_export import export_widget


SEGMENTED_ABOVE = 2000  # points


class LossPlot(QWidget):
    """Loss history as a line; ``values[k]`` is the loss of iteration k + 1, computed before its update."""

    log_scale_toggled = Signal(bool)  # True when the y axis switched to log scale

    def __init__(self, parent=None):
        super().__init__(parent)
        self._values = np.zeros(0)
        self._current: int | None = None
        self._build()

    def _build(self) -> None:
        self._plot_widget = pg.PlotWidget(background=theme.BACKGROUND, enableMenu=False)  # no menu to build
        self._plot = self._plot_widget.getPlotItem()
        self._plot.setMenuEnabled(False)
        # An opaque light grid at the major ticks only: Qt draws translucent lines about ten
        # times slower, and the grid dominated the plot's paint time (14 ms against 1 ms).
        self._plot.showGrid(x=True, y=True, alpha=1.0)
        for name in ("left", "bottom"):
            axis = self._plot.getAxis(name)
            axis.setPen(theme.LIGHT_GRID)
            axis.setTextPen(theme.MUTED_TEXT)
            axis.setStyle(maxTickLevel=0)
            axis.setZValue(-1000)  # the axes draw the grid; beneath the curve, not across it
        label_style = {"color": theme.css_colour(theme.MUTED_TEXT), "font-size": "9pt"}
        self._plot.setLabel("bottom", "iteration", **label_style)
        self._plot.setLabel("left", "loss", **label_style)
        # Without this pyqtgraph rescales the axis to "loss (x0.001)" for small losses.
        self._plot.getAxis("left").enableAutoSIPrefix(False)

        self._curve = self._plot.plot(pen=pg.mkPen(theme.ACCENT, width=1.6), connect="finite", antialias=True)
        self._curve.setDownsampling(auto=True, method="peak")
        self._curve.curve.setSegmentedLineMode("off")
        self._curve.setClipToView(True)

        self._cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.FOCUS, width=1.2))
        self._cursor.setVisible(False)
        self._plot.addItem(self._cursor, ignoreBounds=True)
        self._marker = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(theme.FOCUS), pen=pg.mkPen(theme.BACKGROUND, width=1.5))
        self._plot.addItem(self._marker)

        self._log_check = QCheckBox("log scale")
        self._log_check.setFont(theme.ui_font(9))
        self._log_check.toggled.connect(self._on_log_check_toggled)
        self._readout = QLabel()
        self._readout.setFont(theme.monospace_font(9))
        self._readout.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")
        self._readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 0)
        controls.addWidget(self._readout, 1)
        controls.addWidget(self._log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(controls)
        layout.addWidget(self._plot_widget, 1)
        self._render_readout()

    # Setters

    def set_loss_history(self, values) -> None:
        """Replace the whole history: values (n,) contains the loss of iterations 1 … n."""
        self._values = np.asarray(values, dtype=np.float64).reshape(-1)
        iterations = np.arange(1, self._values.size + 1, dtype=np.float64)
        # Long histories are drawn as separate segments: one antialiased path of thousands of
        # points took about 0.5 s a paint, segments about 40 ms. Short ones stay one path,
        # because segments leave hairline gaps at their joints.
        self._curve.curve.setSegmentedLineMode("on" if self._values.size > SEGMENTED_ABOVE else "off")
        self._curve.setData(iterations, self._values)
        if self._values.size < 2:
            # Too few points for autorange to choose a width; show the first iterations.
            self._plot.setXRange(0, max(10, (self._current or 0) + 1), padding=0)
            self._plot.enableAutoRange(x=False)
        else:
            self._plot.enableAutoRange(x=True)
        self._render_cursor()

    def set_current_iteration(self, iteration: int | None) -> None:
        """Put the cursor on iteration (1-based), or hide it with None."""
        self._current = None if iteration is None else int(iteration)
        self._render_cursor()

    def set_log_scale(self, enabled: bool) -> None:
        """Switch the y axis to a log scale without emitting log_scale_toggled."""
        # Blocked so that pushing the state into the check box is not read back as a user's click.
        self._log_check.blockSignals(True)
        self._log_check.setChecked(enabled)
        self._log_check.blockSignals(False)
        self._apply_log_scale(enabled)

    def export_image(self, path) -> None:
        """Write the plot to path: SVG for a .svg suffix, otherwise a raster image (PNG, JPEG)."""
        export_widget(self._plot_widget, path, "the loss plot")

    # Read-back for the window and for tests

    def curve(self) -> pg.PlotDataItem:
        return self._curve

    def readout_text(self) -> str:
        return self._readout.text()

    def is_log_scale(self) -> bool:
        return self._log_check.isChecked()

    def log_scale_check(self) -> QCheckBox:
        return self._log_check

    # Rendering

    def _render_cursor(self) -> None:
        iteration = self._current
        if iteration is None:
            self._cursor.setVisible(False)
            self._marker.setData(x=[], y=[])
        else:
            self._cursor.setPos(iteration)
            self._cursor.setVisible(True)
            value = self._loss_at(iteration)
            shown = value is not None and np.isfinite(value) and (value > 0 or not self.is_log_scale())
            if shown:
                y = np.log10(value) if self.is_log_scale() else value
                self._marker.setData(x=[iteration], y=[y])
            else:
                self._marker.setData(x=[], y=[])
        self._render_readout()

    def _render_readout(self) -> None:
        count = self._values.size
        if count == 0:
            self._readout.setText("no iterations yet")
            return
        parts = [f"{count:,} iteration{'s' if count != 1 else ''}"]
        if self._current is not None:
            value = self._loss_at(self._current)
            loss = format_number(value) if value is not None else "not run yet"
            parts.append(f"iteration {self._current:,}: L = {loss}")
        else:
            parts.append(f"last L = {format_number(self._values[-1])}")
        self._readout.setText(" · ".join(parts))

    def _loss_at(self, iteration: int) -> float | None:
        if 1 <= iteration <= self._values.size:
            return float(self._values[iteration - 1])
        return None

    def _apply_log_scale(self, enabled: bool) -> None:
        # NOTE: in log mode pyqtgraph drops values ≤ 0 from the curve (a loss of exactly 0
        # after a perfect fit leaves a gap), because log10 of them is not finite.
        self._plot.setLogMode(x=False, y=enabled)
        self._render_cursor()

    # User input

    def _on_log_check_toggled(self, checked: bool) -> None:
        self._apply_log_scale(checked)
        self.log_scale_toggled.emit(checked)
