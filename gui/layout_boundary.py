"""A container that keeps the layout changes inside it from reaching the window around it.

Qt passes every size-hint change up to the top-level window: ``QLayout::activate`` calls
``updateGeometry`` on its widget whether or not its hints changed. For a dock's panel that
re-lays-out the main window and repaints all of it, and the step inspector changes its
labels and tables on every Step. A parent without a layout ends that chain, so this
container has none: it sizes its one child to fill it and reads its size hints from it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QSizePolicy, QSplitter, QWidget


# How long after the last Step a smaller minimum size reaches the window.
MINIMUM_REPORT_DELAY_MS = 1000


class LayoutBoundary(QWidget):
    """Container of one widget that fills it, keeping the child's layout changes inside."""

    def __init__(self, child: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.child = child
        self._reported_minimum = QSize()
        self._minimum_timer = QTimer(self)
        self._minimum_timer.setSingleShot(True)
        self._minimum_timer.setInterval(MINIMUM_REPORT_DELAY_MS)
        self._minimum_timer.timeout.connect(self._report_minimum)
        child.setParent(self)
        # Grow where the child would grow: a widget with a layout also expands where its layout does.
        directions = child.sizePolicy().expandingDirections()
        if child.layout() is not None:
            directions |= child.layout().expandingDirections()
        self.setSizePolicy(
            QSizePolicy.Policy.Expanding if directions & Qt.Orientation.Horizontal else QSizePolicy.Policy.Preferred,
            QSizePolicy.Policy.Expanding if directions & Qt.Orientation.Vertical else QSizePolicy.Policy.Preferred,
        )

    def resizeEvent(self, event) -> None:
        self.child.setGeometry(self.rect())
        super().resizeEvent(event)

    def sizeHint(self) -> QSize:
        return self.child.sizeHint()

    def minimumSizeHint(self) -> QSize:
        self._reported_minimum = self.child.minimumSizeHint()
        return self._reported_minimum

    def settle(self) -> None:
        """Apply every pending layout change inside, from the innermost layouts out.

        Left to the event loop, each layout that changes posts a request to its parent's,
        which waits for the loop's next pass, so a change deep inside repaints the panel
        once per level.
        """
        widgets = [self.child, *self.child.findChildren(QWidget)]
        for widget in reversed(widgets):
            layout = widget.layout()
            if layout is not None:
                layout.activate()
            if isinstance(widget, QSplitter):
                QApplication.sendPostedEvents(widget, QEvent.Type.LayoutRequest)
        # A minimum the child no longer fits in is passed on now, so the window makes room.
        # Any other change waits until the Steps pause, so the window can shrink again
        # without re-laying-out on every Step.
        minimum = self.child.minimumSizeHint()
        if minimum == self._reported_minimum:
            self._minimum_timer.stop()
        elif self.width() < minimum.width() or self.height() < minimum.height():
            self._report_minimum()
        else:
            self._minimum_timer.start()

    def _report_minimum(self) -> None:
        self._minimum_timer.stop()
        minimum = self.child.minimumSizeHint()
        if minimum != self._reported_minimum:
            self._reported_minimum = minimum
            self.updateGeometry()
