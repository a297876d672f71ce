"""The panel that shows the current step: where it is, its symbol, formula, value and one element explained.

``StepPanel`` renders a ``Step`` it is given and keeps only view state: which element is in
focus and, for the per-sample softmax Jacobian, which sample's C × C matrix is shown.
Clicking a cell changes that focus and emits ``element_focused``; nothing here changes
the session.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.symbols import format_number
from gui import theme
from gui.matrix_view import MatrixView

logger = logging.getLogger(__name__)

# Row and column captions of a value by the kind of quantity its key names.
_BATCH_PREFIXES = ("z", "a", "da", "dz", "dadz")
_WEIGHT_PREFIXES = ("W", "dW")
_BIAS_PREFIXES = ("b", "db")


def _key_prefix(key: str) -> str:
    return key.rstrip("0123456789")


def axis_labels(step) -> tuple[str, str]:
    """Return the (row, column) header labels of step's value: sample/unit, in/out, or unit."""
    prefix = _key_prefix(step.key)
    if step.value.ndim == 3:
        return "a", "z"
    if prefix in _WEIGHT_PREFIXES:
        return "in", "out"
    if prefix in _BIAS_PREFIXES:
        return "", "unit"
    if prefix in _BATCH_PREFIXES:
        return "sample", "unit"
    return "", ""


def header_text(step, iteration: int, total_steps: int) -> str:
    """Return the header line: ``Iteration 3 · step 9 of 19 · backward``."""
    return f"Iteration {iteration} · step {step.index} of {total_steps} · {step.phase}"


class _FactorModel(QAbstractTableModel):
    """The factors of an explanation, one row each: the term they belong to, the symbol and the value."""

    HEADERS = ("term", "factor", "value")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[tuple[int, str, float]] = []
        self._font = theme.monospace_font(9.5)

    def set_terms(self, terms) -> None:
        self.beginResetModel()
        self._rows = [
            (number, factor.symbol, factor.value)
            for number, term in enumerate(terms, start=1)
            for factor in term
        ]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        term, symbol, value = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(term), symbol, format_number(value))[index.column()]
        if role == Qt.ItemDataRole.FontRole:
            return self._font
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0:
            return theme.MUTED_TEXT
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class _ValueBox(QWidget):
    """A caption above a MatrixView."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setFont(theme.ui_font(9, QFont.Weight.DemiBold))
        self.caption.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.matrix = MatrixView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMaximumSize)
        layout.addWidget(self.caption)
        layout.addWidget(self.matrix, 1)


class PhaseBar(QWidget):
    """A thin upright bar in the colour of the shown step's phase, or nothing without a colour.

    It paints itself, because setting a style sheet on every Step restyles the widget and
    re-lays-out the panel.
    """

    WIDTH = 4

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedWidth(self.WIDTH)
        self._colour: QColor | None = None

    def colour(self) -> QColor | None:
        return self._colour

    def set_colour(self, colour: QColor | None) -> None:
        if colour == self._colour:
            return
        self._colour = None if colour is None else QColor(colour)
        self.update()

    def paintEvent(self, event) -> None:
        if self._colour is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._colour)
        painter.drawRoundedRect(self.rect(), 2, 2)


class StepPanel(QWidget):
    """The current step: header, symbol, formula, value table and the focused element's explanation."""

    element_focused = Signal(tuple)  # index into step.value of the element now explained

    def __init__(self, parent=None):
        super().__init__(parent)
        self._step = None
        self._focus: tuple[int, ...] = ()
        self._build()
        self.show_empty("No step yet. Press Step to run the first computation.")

    # Construction

    def _build(self) -> None:
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), theme.BACKGROUND)
        self.setPalette(palette)

        self._phase_bar = PhaseBar()
        self._header = QLabel()
        self._header.setFont(theme.ui_font(9.5, QFont.Weight.DemiBold))
        self._header.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")

        self._symbol = QLabel()
        self._symbol.setFont(theme.math_font(22))
        self._symbol.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._formula = QLabel()
        self._formula.setFont(theme.math_font(14))
        self._formula.setWordWrap(True)
        self._formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._details = QLabel()
        self._details.setFont(theme.ui_font(9))
        self._details.setWordWrap(True)
        self._details.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")

        self._message = QLabel()
        self._message.setFont(theme.ui_font(10.5))
        self._message.setWordWrap(True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setStyleSheet(f"color: {theme.css_colour(theme.FAINT_TEXT)};")

        # Sample selector of a 3-D value (the softmax Jacobian, one C × C matrix per sample).
        self._sample_label = QLabel("sample")
        self._sample_label.setFont(theme.ui_font(9))
        self._sample_spin = QSpinBox()
        self._sample_spin.setKeyboardTracking(False)
        self._sample_spin.valueChanged.connect(self._on_sample_spin_value_changed)
        sample_row = QHBoxLayout()
        sample_row.setContentsMargins(0, 0, 0, 0)
        sample_row.addWidget(self._sample_label)
        sample_row.addWidget(self._sample_spin)
        sample_row.addStretch(1)
        self._sample_row = QWidget()
        self._sample_row.setLayout(sample_row)

        self._main_value = _ValueBox()
        self._alternative_value = _ValueBox()
        self._main_value.matrix.cell_clicked.connect(self._on_main_matrix_cell_clicked)
        self._alternative_value.matrix.cell_clicked.connect(self._on_alternative_matrix_cell_clicked)
        values_row = QHBoxLayout()
        values_row.setContentsMargins(0, 0, 0, 0)
        values_row.addWidget(self._main_value, 1)
        values_row.addWidget(self._alternative_value, 1)
        values_row.addStretch(0)
        self._difference = QLabel()
        self._difference.setFont(theme.ui_font(9))
        self._difference.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._difference.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._sample_row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        values = QWidget()
        values_layout = QVBoxLayout(values)
        values_layout.setContentsMargins(0, 0, 0, 0)
        values_layout.setSpacing(4)
        # A short matrix caps the table's height; this constraint passes the cap on to the
        # splitter, which then gives the spare height to the explanation.
        values_layout.setSizeConstraint(QLayout.SizeConstraint.SetMaximumSize)
        values_layout.addWidget(self._sample_row)
        values_layout.addLayout(values_row, 1)
        values_layout.addWidget(self._difference)

        explanation = QWidget()
        explanation_layout = QVBoxLayout(explanation)
        explanation_layout.setContentsMargins(0, 6, 0, 0)
        explanation_layout.setSpacing(4)
        self._element_title = QLabel()
        self._element_title.setFont(theme.ui_font(9, QFont.Weight.DemiBold))
        self._element_title.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")
        self._explanation = QPlainTextEdit()
        self._explanation.setReadOnly(True)
        self._explanation.setFont(theme.monospace_font(10.5))
        self._explanation.setWordWrapMode(QTextOption.WrapMode.WordWrap)  # break at spaces, never inside a symbol
        self._explanation.setFrameShape(QFrame.Shape.StyledPanel)
        self._explanation.setStyleSheet(
            f"QPlainTextEdit {{ background: {theme.css_colour(theme.PANEL_BACKGROUND)}; "
            f"color: {theme.css_colour(theme.TEXT)}; }}"
        )
        self._note = QLabel()
        self._note.setFont(theme.ui_font(9))
        self._note.setWordWrap(True)
        self._note.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")
        self._factors_model = _FactorModel(self)
        self._factors = QTableView()
        self._factors.setModel(self._factors_model)
        self._factors.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._factors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._factors.verticalHeader().hide()
        # The factor symbols (∂L/∂a1[0,3]) are the widest cells; they get their full width and
        # the numbers take what is left, so no symbol is cut to "∂L/…".
        self._factors.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self._factors.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._factors.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._factors.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        explanation_row = QHBoxLayout()
        explanation_row.setContentsMargins(0, 0, 0, 0)
        explanation_row.addWidget(self._explanation, 1)
        explanation_row.addWidget(self._factors, 1)
        explanation_layout.addWidget(self._element_title)
        explanation_layout.addLayout(explanation_row, 1)
        explanation_layout.addWidget(self._note)

        self._splitter = QSplitter(Qt.Orientation.Vertical)
        self._splitter.addWidget(values)
        self._splitter.addWidget(explanation)
        self._splitter.setChildrenCollapsible(False)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)

        header_row = QHBoxLayout()
        header_row.setContentsMargins(0, 0, 0, 0)
        header_row.setSpacing(8)
        header_row.addWidget(self._phase_bar)
        title_column = QVBoxLayout()
        title_column.setSpacing(2)
        title_column.addWidget(self._header)
        title_column.addWidget(self._symbol)
        title_column.addWidget(self._formula)
        title_column.addWidget(self._details)
        header_row.addLayout(title_column, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addLayout(header_row)
        layout.addWidget(self._message, 1)
        layout.addWidget(self._splitter, 1)

    # Setters

    def show_empty(self, message: str) -> None:
        """Show message in place of a step, as before the first step of a session."""
        self._step = None
        self._focus = ()
        self._header.setText("")
        self._symbol.setText("")
        self._formula.setText("")
        self._details.setText("")
        self._phase_bar.set_colour(None)
        self._message.setText(message)
        self._message.show()
        self._splitter.hide()

    def show_step(self, step, iteration: int, total_steps: int, focus=None) -> None:
        """Show step of iteration (1-based) out of total_steps, with element focus (default: the first) explained."""
        self._step = step
        self._focus = self._checked_focus(step, focus)
        self._message.hide()
        self._splitter.show()

        self._header.setText(header_text(step, iteration, total_steps))
        colour = theme.PHASE_COLOURS.get(step.phase, theme.ACCENT)
        self._phase_bar.set_colour(colour)
        self._symbol.setText(step.symbol)
        self._formula.setText(step.formula)
        self._details.setText(self._details_text(step))
        self._render_value()
        self._render_explanation()

    def set_focus(self, focus) -> None:
        """Explain element focus of the shown step (an index into step.value) without emitting element_focused."""
        if self._step is None:
            return
        self._focus = self._checked_focus(self._step, focus)
        self._render_value()
        self._render_explanation()

    # Read-back for the window and for tests

    def step(self):
        return self._step

    def focus(self) -> tuple[int, ...]:
        return self._focus

    def header(self) -> str:
        return self._header.text()

    def explanation_text(self) -> str:
        return self._explanation.toPlainText()

    def main_matrix(self) -> MatrixView:
        return self._main_value.matrix

    def alternative_matrix(self) -> MatrixView:
        return self._alternative_value.matrix

    def sample_selector(self) -> QSpinBox:
        return self._sample_spin

    def difference_text(self) -> str:
        return self._difference.text()

    # Rendering

    @staticmethod
    def _checked_focus(step, focus) -> tuple[int, ...]:
        shape = step.value.shape
        if focus is None:
            return (0,) * len(shape)
        focus = tuple(int(i) for i in focus)
        if len(focus) != len(shape) or not all(0 <= i < n for i, n in zip(focus, shape)):
            raise IndexError(f"{step.symbol}: element {focus} is outside shape {shape}")
        return focus

    @staticmethod
    def _details_text(step) -> str:
        shape = " × ".join(str(n) for n in step.value.shape) or "scalar"
        parts = [f"shape {shape}"]
        if step.layer is not None:
            parts.append(f"layer {step.layer}")
        text = " · ".join(parts)
        if not step.feeds_gradient:
            text += (". Shown for the derivation only: the gradient flows through the fused "
                     "∂L/∂z of the next steps, not through this value.")
        return text

    def _render_value(self) -> None:
        step = self._step
        value = step.value
        row_label, column_label = axis_labels(step)
        is_fused = step.kind == "chain_fused" and step.alternative is not None

        if value.ndim == 3:
            sample = self._focus[0]
            # Blocked so that setting the range and value here does not read as a user's choice.
            self._sample_spin.blockSignals(True)
            self._sample_spin.setRange(0, value.shape[0] - 1)
            self._sample_spin.setValue(sample)
            self._sample_spin.blockSignals(False)
            self._sample_label.setText(f"sample (of {value.shape[0]})")
            self._sample_row.show()
            shown, focus = value[sample], self._focus[1:]
            layer = step.layer
            caption = f"{step.symbol} of sample {sample}: row i, column j is ∂a{layer}[{sample},i]/∂z{layer}[{sample},j]"
        else:
            self._sample_row.hide()
            shown, focus = value, self._focus
            caption = f"{step.symbol} = {step.formula.split(' = ')[-1]}" if is_fused else step.symbol

        self._main_value.caption.setText(f"fused route: {caption}" if is_fused else caption)
        self._main_value.matrix.set_matrix(shown, row_label, column_label, focus, step.symbol)

        if is_fused:
            alternative = step.alternative
            self._alternative_value.caption.setText(f"Jacobian route: {step.alternative_formula}")
            self._alternative_value.matrix.set_matrix(alternative, row_label, column_label, focus, step.symbol)
            self._alternative_value.show()
            # np.max lets a NaN through (a NaN on either route is what the user must see).
            difference = np.abs(np.asarray(alternative) - np.asarray(value))
            largest = float(np.max(difference)) if difference.size else 0.0
            shown = f"{largest:.3g}".replace("-", "−") if np.isfinite(largest) else format_number(largest)
            self._difference.setText(f"max |fused − Jacobian| = {shown}")
            self._difference.show()
        else:
            self._alternative_value.hide()
            self._difference.hide()

    def _render_explanation(self) -> None:
        step = self._step
        try:
            explanation = step.explain(self._focus)
        except (ImportError, LookupError, ValueError, NotImplementedError) as error:
            # A missing or failing explainer must not blank the rest of the step.
            logger.warning("cannot explain %s%s: %s", step.symbol, list(self._focus), error)
            self._element_title.setText("Element")
            self._explanation.setPlainText(f"No explanation available for this element: {error}")
            self._factors_model.set_terms(())
            self._note.hide()
            return

        self._element_title.setText(f"Element {explanation.element}")
        self._explanation.setPlainText(explanation.text)
        self._factors_model.set_terms(explanation.terms)
        self._note.setText(explanation.note)
        self._note.setVisible(bool(explanation.note))

    # User input

    def _focus_element(self, focus: tuple[int, ...]) -> None:
        if self._step is None or focus == self._focus:
            return
        self._focus = focus
        self._render_value()
        self._render_explanation()
        self.element_focused.emit(focus)

    def _on_main_matrix_cell_clicked(self, cell: tuple) -> None:
        self._focus_element(self._element_of_cell(cell))

    def _on_alternative_matrix_cell_clicked(self, cell: tuple) -> None:
        self._focus_element(self._element_of_cell(cell))

    def _on_sample_spin_value_changed(self, sample: int) -> None:
        if self._step is None or self._step.value.ndim != 3:
            return
        self._focus_element((sample,) + self._focus[1:])

    def _element_of_cell(self, cell: tuple) -> tuple[int, ...]:
        if self._step.value.ndim == 3:
            return (self._sample_spin.value(),) + tuple(cell)
        return tuple(cell)
