"""The colour scale under the network graph: the diverging colour map from −limit to +limit, with ticks.

``ColourScale`` is a plain widget that paints itself. A pyqtgraph colour bar is a whole
plot with its own axes: it took about half of the graph's construction (10 of 21 ms in
one measurement), and it rebuilt its axis whenever the limit changed, on most Steps.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import theme

BAR_HEIGHT = 10
TICK_LENGTH = 4
MAX_WIDTH = 360
SIDE_MARGIN = 24  # room for the outermost tick labels
GRADIENT_STOPS = 33
FADED_OPACITY = 0.3


def nice_ticks(limit: float, max_count: int = 7) -> list[float]:
    """Return evenly spaced round values in [−limit, limit], 0 included, at most ``max_count`` of them.

    The spacing is 1, 2 or 5 times a power of ten. A limit of 0 or below gives [0].
    """
    if not limit > 0 or not math.isfinite(limit):
        return [0.0]
    for exponent in range(math.floor(math.log10(limit)) - 1, math.floor(math.log10(limit)) + 2):
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0**exponent
            if step <= 0:
                continue  # 10**exponent underflows to 0 below about 1e-323
            count = math.floor(limit / step * (1 + 1e-9))  # 0.3 / 0.1 is 2.9999999999999996
            if 2 * count + 1 <= max_count:
                return [k * step for k in range(-count, count + 1)]
    return [0.0]


def tick_text(value: float, step: float) -> str:
    """Return a tick label with as many decimals as the tick spacing needs, and a true minus sign."""
    if value == 0:
        return "0"
    if step >= 1e5 or step < 1e-4:
        # As many significant digits as the value has above the spacing: 1.5e-4 at spacing 5e-5.
        digits = max(1, math.floor(math.log10(abs(value))) - math.floor(math.log10(step) + 1e-9) + 1)
        text = f"{value:.{digits - 1}e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    else:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        text = f"{value:.{decimals}f}"
    return text.replace("-", "−")


class ColourScale(QWidget):
    """The colour map as a horizontal bar from −limit (left) to +limit (right), with ticks below."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._limit = 1.0
        self._faded = False
        self.setFont(theme.ui_font(8))
        metrics = QFontMetricsF(self.font())
        self.setFixedHeight(math.ceil(BAR_HEIGHT + TICK_LENGTH + metrics.height() + 4))
        self.setMaximumWidth(MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._colours = theme.diverging_colormap().map(np.linspace(0.0, 1.0, GRADIENT_STOPS), mode="qcolor")

    def sizeHint(self) -> QSize:
        return QSize(MAX_WIDTH, self.height())

    def limit(self) -> float:
        return self._limit

    def is_faded(self) -> bool:
        return self._faded

    def set_limit(self, limit: float) -> None:
        """Show the scale from −limit to +limit, or from −1 to 1 for a limit of 0 or below."""
        limit = float(limit) if limit > 0 else 1.0
        if limit != self._limit:
            self._limit = limit
            self.update()

    def set_faded(self, faded: bool) -> None:
        """Draw the scale faded, for a step whose edges all dim, so the graph below does not move."""
        if faded != self._faded:
            self._faded = faded
            self.update()

    def tick_values(self) -> list[float]:
        return nice_ticks(self._limit)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()  # an exception with the painter still active would crash Qt

    def _paint(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._faded:
            painter.setOpacity(FADED_OPACITY)
        bar = QRectF(SIDE_MARGIN, 1, max(self.width() - 2 * SIDE_MARGIN, 1), BAR_HEIGHT)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for index, colour in enumerate(self._colours):
            gradient.setColorAt(index / (len(self._colours) - 1), colour)
        painter.setPen(QPen(theme.GRID, 1))
        painter.setBrush(gradient)
        painter.drawRect(bar)

        ticks = self.tick_values()
        step = ticks[1] - ticks[0] if len(ticks) > 1 else self._limit
        metrics = QFontMetricsF(self.font())
        painter.setPen(QPen(theme.MUTED_TEXT, 1))
        for value in ticks:
            x = bar.left() + (value / self._limit + 1) / 2 * bar.width()
            painter.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + TICK_LENGTH))
            text = tick_text(value, step)
            width = metrics.horizontalAdvance(text)
            label = QRectF(x - width / 2 - 2, bar.bottom() + TICK_LENGTH, width + 4, metrics.height() + 2)
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
