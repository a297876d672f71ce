"""Text placed at a point of a pyqtgraph view and drawn at a fixed size in pixels.

``SceneText`` is Qt's simple text item with an anchor: (0.5, 0.5) centres the text on its
position, (1, 0.5) puts it to the left. The network graph has a label and a value per
neuron and two headers per column. pyqtgraph's TextItem lays its text out as a rich-text
document, so creating the 24 of the tutorial's graph took about 9 ms of every start. Each
new value was laid out again too.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

# Blank pixels around the text, inside the fill: the document margin of pyqtgraph's
# TextItem, so the graph's layout and fills look as they did with it.
MARGIN = 4


class SceneText(QGraphicsSimpleTextItem):
    """A line of text at a view position, in pixels on screen, placed by ``anchor`` (fractions of its size)."""

    def __init__(self, text: str, anchor: tuple[float, float], colour: QColor, font: QFont,
                 fill: QColor | None = None, parent: QGraphicsItem | None = None):
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._anchor = anchor
        self._fill = fill
        self._colour = QColor(colour)
        self.setBrush(self._colour)
        super().setFont(font)
        self.setText(text)

    def colour(self) -> QColor:
        return self._colour

    def set_colour(self, colour: QColor) -> None:
        """Draw the text in colour, and change nothing when it already has that colour."""
        if colour != self._colour:
            self._colour = QColor(colour)
            self.setBrush(self._colour)

    def setText(self, text: str) -> None:
        self.prepareGeometryChange()
        super().setText(text)
        rect = self.boundingRect()
        self.setTransform(QTransform.fromTranslate(-rect.left() - self._anchor[0] * rect.width(),
                                                   -rect.top() - self._anchor[1] * rect.height()))

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)

    def paint(self, painter, option, widget=None) -> None:
        if self._fill is not None:
            painter.fillRect(self.boundingRect(), self._fill)
        super().paint(painter, option, widget)
