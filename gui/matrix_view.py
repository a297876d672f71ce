"""A table of one array's numbers: X, W, b, z, a or any ∂L/∂·, with one element in focus.

``MatrixModel`` serves cells lazily from the NumPy array, so a 64 × 784 batch costs
nothing until rows scroll into view. ``MatrixView`` shows that model with cells tinted
by the shared diverging colour map, NaN and ±∞ in red, and the focused element outlined.
"""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QProxyStyle, QStyle, QTableView

from engine.symbols import format_index, format_number
from gui import theme

# Above this many elements the column width comes from a typical number instead of
# formatting every value once, which keeps set_matrix instant on a 64 × 784 batch.
MEASURE_ALL_LIMIT = 4096
WIDEST_TYPICAL_TEXT = "−0.000000e−00"
# Strength of the background tint at the largest |value|: enough to read the sign at a
# glance and still keep black text readable on the darkest cell.
TINT_STRENGTH = 0.55
# A matrix with at most this many rows (columns) gets a table exactly as tall (wide) as its cells.
FIT_ROWS = 24
FIT_COLUMNS = 16
QWIDGETSIZE_MAX = (1 << 24) - 1
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class MatrixModel(QAbstractTableModel):
    """A read-only 2-D view of an array of at most two dimensions.

    A 1-D array is one row and a scalar is a 1 × 1 table. ``element_index`` turns a
    (row, column) cell back into the index of the original array: ``(j,)`` for 1-D and
    ``()`` for a scalar.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._values = np.zeros((0, 0))
        self._original_ndim = 2
        self._limit = 0.0
        self._symbol = ""
        self._row_label = ""
        self._column_label = ""
        self._focus: tuple[int, int] | None = None
        self._font = theme.monospace_font(9.5)
        self._bold_font = theme.monospace_font(9.5, QFont.Weight.Bold)
        self._header_font = theme.ui_font(8.5)
        self._backgrounds = _tinted_colours(TINT_STRENGTH)
        self._tints = np.zeros((0, 0), dtype=int)
        self._texts: dict[tuple[int, int], str] = {}

    # Contents

    def set_matrix(self, array, row_label: str, column_label: str, symbol: str, focus) -> None:
        values = np.asarray(array, dtype=np.float64)
        if values.ndim > 2:
            raise ValueError(f"MatrixModel shows at most 2 dimensions, got an array of shape {values.shape}")

        self.beginResetModel()
        self._original_ndim = values.ndim
        self._values = values.reshape(1, -1) if values.ndim < 2 else values
        self._limit = theme.finite_limit(values)
        # Qt requests several roles of every cell on every repaint, so the per-cell work is
        # done here once: the background tint indices (−1 for NaN and ±∞) vectorised now,
        # and each text on its first request.
        finite = np.isfinite(self._values)
        positions = theme.symmetric_positions(np.where(finite, self._values, 0.0), self._limit)
        self._tints = np.where(finite, np.rint(positions * (len(self._backgrounds) - 1)), -1).astype(int)
        self._texts: dict[tuple[int, int], str] = {}
        self._symbol = symbol
        self._row_label = row_label
        self._column_label = column_label
        self._focus = self.cell_of(focus)
        self.endResetModel()

    def set_focus(self, focus) -> None:
        """Move the focus outline to the element focus (an index of the original array) or clear it with None."""
        previous = self._focus
        self._focus = self.cell_of(focus)
        for cell in (previous, self._focus):
            if cell is not None:
                model_index = self.index(*cell)
                self.dataChanged.emit(model_index, model_index)

    def cell_of(self, element) -> tuple[int, int] | None:
        """Return the (row, column) cell of an element index of the original array, or None if it is outside."""
        if element is None:
            return None
        element = tuple(int(i) for i in element)
        if len(element) != self._original_ndim:
            return None
        if self._original_ndim == 0:
            row, column = 0, 0
        elif self._original_ndim == 1:
            row, column = 0, element[0]
        else:
            row, column = element
        if not (0 <= row < self._values.shape[0] and 0 <= column < self._values.shape[1]):
            return None
        return row, column

    def element_index(self, row: int, column: int) -> tuple[int, ...]:
        if self._original_ndim == 0:
            return ()
        if self._original_ndim == 1:
            return (column,)
        return (row, column)

    @property
    def focus_cell(self) -> tuple[int, int] | None:
        return self._focus

    @property
    def values(self) -> np.ndarray:
        """The displayed array as 2-D (read-only for the view)."""
        return self._values

    # Qt model interface

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._values.shape[0]

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._values.shape[1]

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        cell = (index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._texts.get(cell)
            if text is None:
                text = self._texts[cell] = format_number(float(self._values[cell]))
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT_ALIGNED
        if role == Qt.ItemDataRole.BackgroundRole:
            tint = self._tints[cell]
            return theme.INVALID_BACKGROUND if tint < 0 else self._backgrounds[tint]
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.INVALID if self._tints[cell] < 0 else theme.TEXT
        if role == Qt.ItemDataRole.FontRole:
            return self._bold_font if self._focus == cell or self._tints[cell] < 0 else self._font
        if role == Qt.ItemDataRole.ToolTipRole:
            element = format_index(self.element_index(*cell))
            return f"{self._symbol}{element} = {format_number(float(self._values[cell]))}"
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        # Indices are 0-based, as in the engine's element names (W2[1,0]); Qt's default
        # header would count from 1 and disagree with every explanation.
        if role == Qt.ItemDataRole.DisplayRole:
            label = self._row_label if orientation == Qt.Orientation.Vertical else self._column_label
            if orientation == Qt.Orientation.Vertical and self._original_ndim < 2:
                return ""
            return f"{label} {section}" if label else str(section)
        if role == Qt.ItemDataRole.FontRole:
            return self._header_font
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.MUTED_TEXT
        return None


@functools.lru_cache(maxsize=8)
def _tinted_colours(strength: float, count: int = 257) -> tuple[QColor, ...]:
    """Return count background colours along the diverging map, blended toward white by strength.

    Computed once per process: every table shares them, and mapping them one by one took
    about 10 ms per table at start-up.
    """
    rgba = theme.diverging_colormap().map(np.linspace(0.0, 1.0, count), mode="byte")
    tinted = 255 + (rgba[:, :3].astype(np.float64) - 255) * min(max(strength, 0.0), 1.0)
    return tuple(QColor(*(int(round(channel)) for channel in row)) for row in tinted)


class _GridColourStyle(QProxyStyle):
    """The application's style with the theme's colour for table grid lines."""

    def styleHint(self, hint, option=None, widget=None, return_data=None):
        if hint == QStyle.StyleHint.SH_Table_GridLineColor:
            # Qt reads the int as an unsigned ARGB value, and PySide6 needs a signed 32-bit int.
            rgba = theme.GRID.rgba()
            return rgba - (1 << 32) if rgba >= 1 << 31 else rgba
        return super().styleHint(hint, option, widget, return_data)


class MatrixView(QTableView):
    """A table of one array with a focused element; clicking a cell emits its element index."""

    cell_clicked = Signal(tuple)  # element index of the original array: (i, j), (j,) or ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._model = MatrixModel(self)
        self.setModel(self._model)

        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        self.setFont(theme.monospace_font(9.5))
        # The grid colour comes from a proxy style, because a style sheet would route the
        # painting of every cell through Qt's slower style-sheet style.
        self._style = _GridColourStyle()
        self._style.setParent(self)
        self.setStyle(self._style)

        # Fixed section sizes: Qt never measures all 50,000 cells of a large batch.
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setHighlightSections(False)
        self.verticalHeader().setDefaultSectionSize(QFontMetrics(self.font()).height() + 8)

        self.clicked.connect(self._on_table_clicked)
        self.activated.connect(self._on_table_clicked)

    def set_matrix(self, array, row_label: str = "sample", column_label: str = "", focus=None, symbol: str = "") -> None:
        """Show array (scalar, 1-D or 2-D) with focus outlined; symbol names cells in tooltips (``a1`` → a1[0,1])."""
        self._model.set_matrix(array, row_label, column_label, symbol, focus)
        self.horizontalHeader().setDefaultSectionSize(self._column_width())
        self._fit_to_contents()
        self._scroll_to_focus()

    def set_focus(self, focus) -> None:
        """Outline the element focus (an index of the shown array), or none with None."""
        self._model.set_focus(focus)
        self._scroll_to_focus()

    def matrix_model(self) -> MatrixModel:
        return self._model

    def _fit_to_contents(self) -> None:
        """Cap the size at the cells' size for a small matrix, so the table leaves no empty band."""
        rows, columns = self._model.rowCount(), self._model.columnCount()
        frame = 2 * self.frameWidth()
        if rows > FIT_ROWS:
            self.setMaximumHeight(QWIDGETSIZE_MAX)
        else:
            self.setMaximumHeight(
                frame
                + self.horizontalHeader().sizeHint().height()
                + rows * self.verticalHeader().defaultSectionSize()
                + self.horizontalScrollBar().sizeHint().height()
            )
        if columns > FIT_COLUMNS:
            self.setMaximumWidth(QWIDGETSIZE_MAX)
        else:
            self.setMaximumWidth(
                frame
                + self.verticalHeader().sizeHint().width()
                + columns * self.horizontalHeader().defaultSectionSize()
                + self.verticalScrollBar().sizeHint().width()
            )

    def _scroll_to_focus(self) -> None:
        cell = self._model.focus_cell
        if cell is None:
            return
        # The scroll bars still have the previous matrix's range until geometries update,
        # and scrollTo would clamp to that range.
        self.updateGeometries()
        self.scrollTo(self._model.index(*cell), QAbstractItemView.ScrollHint.EnsureVisible)

    def _column_width(self) -> int:
        metrics = QFontMetrics(self.font())
        values = self._model.values
        if values.size <= MEASURE_ALL_LIMIT:
            texts = [format_number(value) for value in values.ravel()] or ["0"]
            widest = max(metrics.horizontalAdvance(text) for text in texts)
        else:
            widest = metrics.horizontalAdvance(WIDEST_TYPICAL_TEXT)
        last_header = self._model.headerData(max(values.shape[1] - 1, 0), Qt.Orientation.Horizontal)
        header = QFontMetrics(theme.ui_font(8.5)).horizontalAdvance(last_header)
        return max(widest, header) + 18

    def paintEvent(self, event) -> None:
        # The focus outline is drawn over the cells here, once a repaint, instead of by an
        # item delegate, whose Python paint would run for every cell.
        super().paintEvent(event)
        cell = self._model.focus_cell
        if cell is None:
            return
        rect = self.visualRect(self._model.index(*cell))
        if not rect.isValid() or not event.rect().intersects(rect):
            return
        painter = QPainter(self.viewport())
        pen = QPen(theme.FOCUS)
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.end()

    def _on_table_clicked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if index.isValid():
            self.cell_clicked.emit(self._model.element_index(index.row(), index.column()))
