"""Cheaper window furniture: a flat toolbar and a style that loads standard icons once.

Every repaint of the window paints its toolbar and dock title bars again. With the Fusion
style of PySide6 6.11.3 the toolbar's shaded background took about 1 ms a paint at the
default width, and each dock title bar read its float and close icons from disk on every
paint (measured offscreen).
"""

from __future__ import annotations

from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QProxyStyle, QToolBar

from gui import theme


class FlatToolBar(QToolBar):
    """A toolbar on a plain background with a one-pixel line under it."""

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        painter.setPen(theme.GRID)
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        painter.end()


class CachedIconStyle(QProxyStyle):
    """The application's style, with each standard icon made once and then reused."""

    def __init__(self):
        super().__init__()
        self._icons = {}

    def standardIcon(self, standard_icon, option=None, widget=None):
        icon = self._icons.get(standard_icon)
        if icon is None:
            icon = self._icons[standard_icon] = super().standardIcon(standard_icon, option, widget)
        return icon
