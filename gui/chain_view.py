"""The whole chain rule of one weight: ∂L/∂W_l[i,j] as a sum over samples of products of factors.

``ChainView`` renders the chain object the engine builds for a clicked edge (its ``text``,
and its ``samples`` when present) and nothing else. It reads attributes defensively, so
a chain without per-sample data still shows its text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextOption
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from engine.symbols import format_number
from gui import theme


def chain_title(chain) -> str:
    """Return "Chain for W2[1,0]" from the chain's layer, i and j, or a generic title without them."""
    layer, i, j = (getattr(chain, name, None) for name in ("layer", "i", "j"))
    if None in (layer, i, j):
        return "Chain for the selected weight"
    return f"Chain for W{layer}[{i},{j}]"


def chain_summary(chain) -> str:
    """Return the one-line result ``∂L/∂W2[1,0] = −0.01168 over 2 samples``, or "" without a value."""
    value = getattr(chain, "value", None)
    element = getattr(chain, "element", None)
    if value is None or element is None:
        return ""
    samples = getattr(chain, "samples", None)
    count = f" over {len(samples)} sample{'s' if len(samples) != 1 else ''}" if samples else ""
    return f"{element} = {format_number(value)}{count}"


class ChainView(QWidget):
    """A title, a one-line result and the chain's text in a selectable monospace box."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._title = QLabel()
        self._title.setFont(theme.ui_font(10, QFont.Weight.DemiBold))
        self._summary = QLabel()
        self._summary.setFont(theme.math_font(12))
        self._summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text = QPlainTextEdit()
        self._text.setReadOnly(True)
        self._text.setFont(theme.monospace_font(10))
        self._text.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self._text.setFrameShape(QFrame.Shape.StyledPanel)
        self._text.setStyleSheet(
            f"QPlainTextEdit {{ background: {theme.css_colour(theme.PANEL_BACKGROUND)}; "
            f"color: {theme.css_colour(theme.TEXT)}; }}"
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        layout.addWidget(self._title)
        layout.addWidget(self._summary)
        layout.addWidget(self._text, 1)
        self.show_empty("Click an edge of the network to see the whole chain rule for its weight.")

    def show_chain(self, chain) -> None:
        """Show chain: an object with ``text`` and, optionally, ``layer``, ``i``, ``j``, ``element``, ``value``, ``samples``."""
        self._title.setText(chain_title(chain))
        summary = chain_summary(chain)
        self._summary.setText(summary)
        self._summary.setVisible(bool(summary))
        self._text.setPlainText(str(getattr(chain, "text", "")) or "The chain has no text to show.")

    def show_empty(self, message: str) -> None:
        """Show message in place of a chain, as before any edge is clicked."""
        self._title.setText("Chain")
        self._summary.hide()
        self._text.setPlainText(message)

    # Read-back for the window and for tests

    def title(self) -> str:
        return self._title.text()

    def text(self) -> str:
        return self._text.toPlainText()
