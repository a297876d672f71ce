"""The breakpoints panel: the places where Run stops, listed in words, with rows to add more.

``BreakpointsPanel`` reads ``controller.session.breakpoints`` and redraws the list whenever
the controller announces a change or a new session. Every edit (add, remove, clear, the
NaN switch) goes through the controller's breakpoint methods. Input the panel or the
controller rejects is explained in a line under the add rows.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtGui import QDoubleValidator, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.breakpoints import GradientNormBreakpoint
from engine.symbols import format_number
from gui import theme

MAX_ITERATION = 1_000_000_000
DEFAULT_ITERATION = 100
ADD_BUTTON_PADDING = 28  # pixels around the text of an Add button
LINE_EDIT_PADDING = 16  # pixels of frame and cursor room around a line edit's placeholder
# The role under which each list item stores its (kind, value) for Controller.remove_breakpoint.
BREAKPOINT_ROLE = Qt.ItemDataRole.UserRole


def describe_breakpoint(kind: str, value) -> str:
    """Return a breakpoint in words: "Before iteration 300", "Loss crosses 0.05", "‖∂L/∂W1‖ above 10"."""
    if kind == "iteration":
        return f"Before iteration {value:,}"
    if kind == "loss":
        return f"Loss crosses {format_number(value)}"
    if kind == "gradient_norm":
        direction = "above" if value.above else "below"
        return f"‖∂L/∂W{value.layer}‖ {direction} {format_number(value.threshold)}"
    raise ValueError(f"unknown breakpoint kind {kind!r}: expected iteration, loss or gradient_norm")


def explain_breakpoint(kind: str, value) -> str:
    """Return the tooltip of a breakpoint: exactly when Run stops there."""
    if kind == "iteration":
        return f"Run stops before iteration {value:,} starts."
    if kind == "loss":
        return (f"Run stops at the loss step of the first iteration whose loss reaches or moves across "
                f"{value!r}, from above or from below.")
    direction = "rises above" if value.above else "falls below"
    return (f"Run stops at ∂L/∂W{value.layer} in the first iteration where its Frobenius norm "
            f"{direction} {value.threshold!r}.")


def parse_number(text: str) -> float:
    """Return text as a finite float. Raise ValueError for anything else, NaN and ±Inf included."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


class BreakpointsPanel(QWidget):
    """The active breakpoints in words, the NaN and ±Inf switch, and rows that add breakpoints."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self._controller = controller
        self._controller_error = ""
        self._build()

        controller.breakpoints_changed.connect(self._on_controller_breakpoints_changed)
        controller.session_changed.connect(self._on_controller_session_changed)
        controller.error_occurred.connect(self._on_controller_error_occurred)
        self._render()

    # ------------------------------------------------------------------ public helpers

    def breakpoint_texts(self) -> list[str]:
        """Return the list's lines in order, without the note shown when the list is empty."""
        return [self._list.item(row).text() for row in range(self._list.count())
                if self._list.item(row).data(BREAKPOINT_ROLE) is not None]

    def message_text(self) -> str:
        """Return the line under the add rows: why the last add failed, or ""."""
        return self._message_label.text()

    def add_iteration(self, iteration: int) -> bool:
        """Add a breakpoint before iteration, as the Add button of that row does."""
        self._iteration_spin.setValue(iteration)
        return self._add_iteration()

    def add_loss(self, text: str) -> bool:
        """Add a loss breakpoint from text typed into the loss field."""
        self._loss_edit.setText(text)
        return self._add_loss()

    def add_gradient_norm(self, layer: int, text: str, above: bool = True) -> bool:
        """Add a gradient-norm breakpoint on layer from a threshold typed as text."""
        self._layer_spin.setValue(layer)
        self._direction_combo.setCurrentIndex(self._direction_combo.findData(above))
        self._norm_edit.setText(text)
        return self._add_gradient_norm()

    def eventFilter(self, watched, event) -> bool:
        """Remove the selected breakpoints when Delete or Backspace is pressed in the list."""
        # A key filter rather than a QAction shortcut, because a shortcut fires only in the
        # active window, and an offscreen test has none.
        if watched is self._list and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected_entries():
            self._remove_selected()
            return True
        return super().eventFilter(watched, event)

    def select_rows(self, rows) -> None:
        """Select the list rows given, as a click with Ctrl held would."""
        self._list.clearSelection()
        for row in rows:
            self._list.item(row).setSelected(True)

    # ------------------------------------------------------------------ building the widgets

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)

        self._list = QListWidget()
        self._list.setObjectName("breakpointList")
        self._list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._list.setAlternatingRowColors(True)
        self._list.setWordWrap(True)
        self._list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._list.setFont(theme.ui_font(10))
        self._list.setToolTip("Run stops at each of these. Select some and press Delete to remove them")
        self._list.itemSelectionChanged.connect(self._on_list_item_selection_changed)
        self._list.installEventFilter(self)

        self._non_finite_check = QCheckBox("Stop on NaN or ±Inf")
        self._non_finite_check.setObjectName("nonFiniteCheck")
        self._non_finite_check.setToolTip("Run stops at the first step whose value contains NaN or ±Inf, "
                                          "with that element in focus")
        self._non_finite_check.toggled.connect(self._on_non_finite_check_toggled)
        layout.addWidget(self._non_finite_check)
        layout.addWidget(self._list, 1)

        self._remove_button = QPushButton("Remove selected")
        self._remove_button.setObjectName("removeButton")
        self._remove_button.setToolTip("Remove the selected breakpoints (Delete)")
        self._remove_button.clicked.connect(self._on_remove_button_clicked)
        self._clear_button = QPushButton("Clear all")
        self._clear_button.setObjectName("clearButton")
        self._clear_button.setToolTip("Remove every breakpoint in the list. The NaN switch stays as it is")
        self._clear_button.clicked.connect(self._on_clear_button_clicked)
        list_buttons = QHBoxLayout()
        list_buttons.addStretch(1)
        list_buttons.addWidget(self._remove_button)
        list_buttons.addWidget(self._clear_button)
        layout.addLayout(list_buttons)

        layout.addWidget(self._build_add_rows())

        self._message_label = QLabel()
        self._message_label.setObjectName("messageLabel")
        self._message_label.setWordWrap(True)
        self._message_label.setStyleSheet(f"color: {theme.css_colour(theme.INVALID)};")
        self._message_label.hide()
        layout.addWidget(self._message_label)

    def _build_add_rows(self) -> QWidget:
        rows = QWidget()
        grid = QGridLayout(rows)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)

        self._iteration_spin = QSpinBox()
        self._iteration_spin.setRange(1, MAX_ITERATION)
        self._iteration_spin.setValue(DEFAULT_ITERATION)
        self._iteration_spin.setGroupSeparatorShown(True)
        self._iteration_spin.setToolTip("Run stops before this iteration starts")
        self._iteration_spin.lineEdit().returnPressed.connect(self._on_iteration_add_button_clicked)
        self._add_row(grid, 0, QLabel("Before iteration"), [self._iteration_spin],
                      self._on_iteration_add_button_clicked, "addIterationButton")

        self._loss_edit = QLineEdit()
        self._loss_edit.setPlaceholderText("loss value")
        self._loss_edit.setValidator(_number_validator(bottom=-math.inf))
        self._loss_edit.setToolTip("Run stops in the iteration whose loss moves across this value, "
                                   "from either side")
        self._loss_edit.returnPressed.connect(self._on_loss_add_button_clicked)
        self._add_row(grid, 1, QLabel("Loss crosses"), [self._loss_edit], self._on_loss_add_button_clicked,
                      "addLossButton")

        self._layer_spin = QSpinBox()
        self._layer_spin.setPrefix("‖∂L/∂W")
        self._layer_spin.setSuffix("‖")
        self._layer_spin.setToolTip("The layer whose weight gradient is watched, 1 to the network's depth")
        self._direction_combo = QComboBox()
        self._direction_combo.addItem("above", True)
        self._direction_combo.addItem("below", False)
        self._direction_combo.setToolTip("Stop when the norm rises above the threshold, or falls below it")
        self._norm_edit = QLineEdit()
        self._norm_edit.setPlaceholderText("threshold")
        self._norm_edit.setValidator(_number_validator(bottom=0.0))
        self._norm_edit.setToolTip("Threshold of the Frobenius norm ‖∂L/∂W‖, 0 or more")
        self._norm_edit.returnPressed.connect(self._on_gradient_add_button_clicked)
        # The layer spin box shows "‖∂L/∂W1‖" and is in the label column, so the row reads
        # like the breakpoint it adds: ‖∂L/∂W1‖ above 10.
        self._add_row(grid, 2, self._layer_spin, [self._direction_combo, self._norm_edit],
                      self._on_gradient_add_button_clicked, "addGradientNormButton")
        return rows

    @staticmethod
    def _add_row(grid: QGridLayout, row: int, label: QWidget, fields, on_clicked, button_name: str) -> None:
        grid.addWidget(label, row, 0)
        cell = QHBoxLayout()
        cell.setSpacing(4)
        for field in fields:
            if isinstance(field, QLineEdit):
                margins = field.textMargins().left() + field.textMargins().right()
                field.setMinimumWidth(field.fontMetrics().horizontalAdvance(field.placeholderText()) + margins
                                      + LINE_EDIT_PADDING)
            cell.addWidget(field, 1 if isinstance(field, (QLineEdit, QSpinBox)) else 0)
        grid.addLayout(cell, row, 1)
        button = QPushButton("Add")
        button.setObjectName(button_name)
        # Qt 6.11's Fusion style makes a push button with text at least 80 pixels wide, but "Add" needs less.
        button.setFixedWidth(button.fontMetrics().horizontalAdvance(button.text()) + ADD_BUTTON_PADDING)
        button.setToolTip("Add this breakpoint (Enter in the field does the same)")
        button.clicked.connect(on_clicked)
        grid.addWidget(button, row, 2)

    # ------------------------------------------------------------------ rendering

    def _render(self) -> None:
        """Redraw the list and the NaN switch from the session's breakpoints, keeping the selection."""
        session = self._controller.session
        breakpoints = session.breakpoints
        depth = session.spec.depth
        selected = set(self._selected_entries())

        self._list.clear()
        entries = [("iteration", iteration) for iteration in sorted(breakpoints.iterations)]
        entries += [("loss", threshold) for threshold in breakpoints.loss_thresholds]
        entries += [("gradient_norm", breakpoint_) for breakpoint_ in breakpoints.gradient_norms]
        for kind, value in entries:
            item = QListWidgetItem(describe_breakpoint(kind, value))
            item.setData(BREAKPOINT_ROLE, (kind, value))
            item.setToolTip(explain_breakpoint(kind, value))
            if kind == "gradient_norm" and value.layer > depth:
                # A new, shallower network keeps the breakpoint, but the engine skips it.
                layers = "1 layer" if depth == 1 else f"{depth} layers"
                item.setText(f"{item.text()}  (inactive: the network has {layers})")
                item.setForeground(theme.FAINT_TEXT)
            self._list.addItem(item)
            item.setSelected((kind, value) in selected)
        if not entries:
            note = QListWidgetItem("No breakpoints yet")
            note.setFlags(Qt.ItemFlag.NoItemFlags)
            note.setForeground(theme.FAINT_TEXT)
            self._list.addItem(note)

        # The switch mirrors the session. Without blocking, setting it would call the
        # controller again as if the user had clicked it.
        self._non_finite_check.blockSignals(True)
        self._non_finite_check.setChecked(breakpoints.non_finite)
        self._non_finite_check.blockSignals(False)

        self._layer_spin.setRange(1, depth)
        self._clear_button.setEnabled(bool(entries))
        self._update_remove_button()

    def _update_remove_button(self) -> None:
        self._remove_button.setEnabled(bool(self._selected_entries()))

    def _selected_entries(self) -> list[tuple[str, object]]:
        """Return the (kind, value) of each selected breakpoint. The empty-list note has none."""
        entries = [item.data(BREAKPOINT_ROLE) for item in self._list.selectedItems()]
        return [entry for entry in entries if entry is not None]

    def _show_message(self, text: str) -> None:
        self._message_label.setText(text)
        self._message_label.setVisible(bool(text))

    # ------------------------------------------------------------------ adding

    def _add_iteration(self) -> bool:
        self._iteration_spin.interpretText()
        iteration = self._iteration_spin.value()
        if iteration in self._controller.session.breakpoints.iterations:
            return self._report_duplicate("iteration", iteration)
        return self._call_controller(self._controller.add_iteration_breakpoint, iteration)

    def _add_loss(self) -> bool:
        threshold = self._read_number(self._loss_edit, "Loss threshold", "0.05")
        if threshold is None:
            return False
        if threshold in self._controller.session.breakpoints.loss_thresholds:
            return self._report_duplicate("loss", threshold)
        if self._call_controller(self._controller.add_loss_breakpoint, threshold):
            self._loss_edit.clear()
            return True
        return False

    def _add_gradient_norm(self) -> bool:
        threshold = self._read_number(self._norm_edit, "Gradient-norm threshold", "10")
        if threshold is None:
            return False
        self._layer_spin.interpretText()
        breakpoint_ = GradientNormBreakpoint(self._layer_spin.value(), threshold, self._direction_combo.currentData())
        if breakpoint_ in self._controller.session.breakpoints.gradient_norms:
            return self._report_duplicate("gradient_norm", breakpoint_)
        added = self._call_controller(self._controller.add_gradient_norm_breakpoint,
                                      breakpoint_.layer, breakpoint_.threshold, breakpoint_.above)
        if added:
            self._norm_edit.clear()
        return added

    def _read_number(self, edit: QLineEdit, name: str, example: str) -> float | None:
        """Return the edit's number, or None after explaining what is wrong with its text."""
        text = edit.text()
        if not text.strip():
            self._show_message(f"{name}: enter a number first, for example {example}.")
            return None
        acceptable = edit.validator().validate(text, 0)[0] == QValidator.State.Acceptable
        try:
            value = parse_number(text)
        except ValueError:
            acceptable = False
        if not acceptable:
            bottom = edit.validator().bottom()
            expected = "a number of 0 or more" if bottom == 0 else "a finite number"
            self._show_message(f'{name}: "{text}" is not {expected}, such as 0.05 or 1e-3.')
            return None
        return value

    def _call_controller(self, method, *arguments) -> bool:
        """Call a controller add method, and show the controller's message when it rejects the value."""
        self._controller_error = ""
        if method(*arguments):
            self._show_message("")
            return True
        self._show_message(self._controller_error or "The breakpoint was not added.")
        return False

    def _report_duplicate(self, kind: str, value) -> bool:
        """Select an existing breakpoint instead of adding it twice. Return True, because it is set."""
        self._show_message("")
        for row in range(self._list.count()):
            item = self._list.item(row)
            if item.data(BREAKPOINT_ROLE) == (kind, value):
                self._list.setCurrentItem(item)
        return True

    # ------------------------------------------------------------------ slots

    def _on_iteration_add_button_clicked(self) -> None:
        self._add_iteration()

    def _on_loss_add_button_clicked(self) -> None:
        self._add_loss()

    def _on_gradient_add_button_clicked(self) -> None:
        self._add_gradient_norm()

    def _on_remove_button_clicked(self) -> None:
        self._remove_selected()

    def _remove_selected(self) -> None:
        # Each removal redraws the list, so the entries are read before the first one.
        for kind, value in self._selected_entries():
            self._controller.remove_breakpoint(kind, value)
        self._show_message("")

    def _on_clear_button_clicked(self) -> None:
        self._controller.clear_breakpoints()
        self._show_message("")

    def _on_non_finite_check_toggled(self, checked: bool) -> None:
        self._controller.set_break_on_non_finite(checked)

    def _on_list_item_selection_changed(self) -> None:
        self._update_remove_button()

    def _on_controller_breakpoints_changed(self) -> None:
        self._render()

    def _on_controller_session_changed(self) -> None:
        self._render()

    def _on_controller_error_occurred(self, message: str) -> None:
        self._controller_error = message


def _number_validator(bottom: float) -> QDoubleValidator:
    """Return a validator of plain or scientific numbers with a decimal point, whatever the system locale."""
    validator = QDoubleValidator()
    validator.setLocale(QLocale.c())
    validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
    validator.setBottom(bottom)
    return validator
