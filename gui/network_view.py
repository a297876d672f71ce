"""The network graph: neurons in columns, one per layer, and the weights between them as edges.

``NetworkView`` draws with pyqtgraph and only renders what it is given: the spec and
parameters, edge values (weights or gradients), the selected sample's neuron values and
the current step, whose operands it highlights. Edges are drawn as a few batched curves,
one per colour bucket, so a 784-128-10 network redraws as fast as a 3-4-2 one. Clicks and
hovers are hit-tested in pixels and reported through signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QGraphicsView, QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from engine.symbols import display_symbol, format_number
from gui import theme
from gui.colour_scale import ColourScale
from gui.scene_text import SceneText
from gui.image_export import export_widget

# Drawing budget. Above these a column shows an evenly spaced subset of its neurons and
# the graph shows only the strongest edges, and a note under the graph lists what is left out.
MAX_DRAWN_NEURONS = 40
MAX_DRAWN_EDGES = 3000
EDGE_BUCKETS = 16
# Antialiased wide lines are slow in Qt's raster engine: 2,000 long edges took about 0.35 s
# a frame with antialiasing and 0.04 s without (one measurement, offscreen platform), so
# antialiasing is kept for small graphs only.
MAX_ANTIALIASED_EDGES = 400
# Neuron labels and values are drawn only in columns with at most this many drawn neurons.
MAX_LABELLED_NEURONS = 16

EDGE_MIN_WIDTH = 0.6
EDGE_MAX_WIDTH = 4.5
DIMMED_EDGE = QColor(175, 184, 193, 70)
VALUE_FILL = QColor(255, 255, 255, 215)  # behind a neuron's value, so edges under it do not hide it
INVALID_EDGE = QColor(207, 34, 46)
HIT_DISTANCE = 4.0  # pixels between the mouse and an edge that still count as "on" it

# Pixel margins around the columns: room for the headers above and the values beside.
TOP_MARGIN = 58
HEADER_LINE = 19
BOTTOM_MARGIN = 50  # the lowest neuron's radius and the value drawn under a hidden neuron
SIDE_MARGIN = 36
SIDE_MARGIN_WITH_VALUES = 96
# Normalised vertical distance of neighbouring neurons is at most this, so a column of 2
# sits in the middle instead of touching the top and the bottom.
MAX_NORMAL_SPACING = 1 / 3

# Neuron fills are the map's colour blended toward white, so the label inside stays readable.
NEURON_TINT = 0.8

EDGE_MODES = ("weight", "gradient")


@dataclass
class _Column:
    """One layer's column: which neurons are drawn and where (y in [0, 1], 1 at the top)."""

    layer: int
    units: int
    title: str
    subtitle: str
    drawn: np.ndarray  # indices of the drawn neurons, ascending
    y: np.ndarray  # one y per drawn neuron
    spacing: float  # normalised distance of neighbours (1.0 for a single neuron)
    prefix: str  # label prefix: x, h or ŷ


def neuron_label(prefix: str, index: int) -> str:
    """Return a neuron's label. Indices are 0-based, like the engine's element names (W2[1,0])."""
    return f"{prefix}{index}"


def drawn_indices(units: int, limit: int = MAX_DRAWN_NEURONS) -> np.ndarray:
    """Return the neurons drawn of a column of units: all, or limit evenly spaced ones including both ends."""
    if units <= limit:
        return np.arange(units)
    return np.unique(np.round(np.linspace(0, units - 1, limit)).astype(int))


def build_columns(spec) -> list[_Column]:
    """Lay out one column per layer of spec, inputs first."""
    columns = []
    depth = len(spec.layers)
    for layer, units in enumerate(spec.widths):
        if layer == 0:
            title, prefix = "Input", "x"
            subtitle = f"X · {units} feature{'s' if units != 1 else ''}"
        else:
            activation = spec.layers[layer - 1].activation
            title = f"Output ({activation})" if layer == depth else f"Hidden {layer} ({activation})"
            prefix = "ŷ" if layer == depth else "h"
            subtitle = f"layer {layer} · {units} unit{'s' if units != 1 else ''}"
        drawn = drawn_indices(units)
        if drawn.size < units:
            subtitle += f" · {drawn.size} drawn"
        count = drawn.size
        spacing = 1.0 if count == 1 else min(1.0 / (count - 1), MAX_NORMAL_SPACING)
        y = 0.5 + spacing * ((count - 1) / 2 - np.arange(count))
        columns.append(_Column(layer, units, title, subtitle, drawn, y, spacing, prefix))
    return columns


# Neuron fills use this many shades, and brushes and pens are shared, so pyqtgraph re-renders
# a neuron symbol only when its shade changes, not on every Step.
NEURON_SHADES = 64
_BRUSHES: dict[int, object] = {}
_PENS: dict[tuple[int, float], object] = {}


def _quantized(value: float, limit: float) -> float:
    """Round value to one of NEURON_SHADES steps across ±limit (NaN and ±inf stay as they are)."""
    if not (limit > 0 and np.isfinite(value)):
        return value
    step = 2 * limit / NEURON_SHADES
    return round(value / step) * step


def _cached_brush(colour: QColor):
    key = colour.rgba()
    if key not in _BRUSHES:
        _BRUSHES[key] = pg.mkBrush(colour)
    return _BRUSHES[key]


def _cached_pen(colour: QColor, width: float):
    key = (colour.rgba(), width)
    if key not in _PENS:
        _PENS[key] = pg.mkPen(colour, width=width)
    return _PENS[key]


def bucket_of(values: np.ndarray, limit: float, buckets: int = EDGE_BUCKETS) -> np.ndarray:
    """Return the colour bucket (0 … buckets-1) of each value on a symmetric scale of ±limit."""
    positions = theme.symmetric_positions(values, limit)
    return np.minimum((positions * buckets).astype(int), buckets - 1)


class NetworkView(QWidget):
    """Neurons and edges of one network, coloured by weight or gradient, with the current step highlighted."""

    edge_clicked = Signal(int, int, int)  # layer l (1-based), i (neuron of layer l-1), j (neuron of layer l)
    neuron_clicked = Signal(int, int)  # layer (0 = inputs), neuron index
    item_hovered = Signal(str)  # description of the neuron or edge under the mouse; "" when there is none

    def __init__(self, parent=None):
        super().__init__(parent)
        self._spec = None
        self._columns: list[_Column] = []
        self._weights: dict[int, np.ndarray] = {}
        self._biases: dict[int, np.ndarray] = {}
        self._gradients: dict[int, np.ndarray] = {}
        self._edge_values: dict[int, np.ndarray] = {}
        self._mode = "weight"
        self._neuron_values: dict[int, np.ndarray] = {}
        self._pre_activations: dict[int, np.ndarray] = {}
        self._highlight_columns: set[int] | None = None
        self._highlight_edges: set[int] = set()
        self._selected_edge: tuple[int, int, int] | None = None
        self._hover_text = ""
        self._note_plain = ""
        self._item_edges: dict[pg.PlotCurveItem, tuple] = {}  # what _set_pairs last gave each edge item
        self._empty_edges()
        self._build()

    # Construction

    def _empty_edges(self) -> None:
        empty_int = np.zeros(0, dtype=int)
        self._candidate_known = np.zeros(0, dtype=bool)
        self._edge_layer = empty_int
        self._edge_i = empty_int
        self._edge_j = empty_int
        self._edge_x = np.zeros((0, 2))
        self._edge_y = np.zeros((0, 2))
        self._candidate_values = np.zeros(0)
        self._visible = empty_int

    def _build(self) -> None:
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground(theme.BACKGROUND)
        # Repaint the whole view on a change, not the union of the changed items. With that
        # union as the clip, drawing 2,000 edge lines took about 40 ms instead of 2 ms
        # (784-128-10, offscreen raster engine).
        self._graphics.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self._graphics.ci.setContentsMargins(6, 6, 6, 4)
        self._graphics.ci.setSpacing(2)

        self._plot = self._graphics.addPlot(row=0, col=0, enableMenu=False)  # no menu to build
        self._plot.hideAxis("left")
        self._plot.hideAxis("bottom")
        self._plot.hideButtons()
        self._plot.setMenuEnabled(False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._view_box = self._plot.getViewBox()
        self._view_box.disableAutoRange()
        self._view_box.sigResized.connect(self._on_view_box_resized)

        # Edge items: one per colour bucket, then dimmed, invalid (NaN) and selected edges.
        colormap = theme.diverging_colormap()
        self._bucket_items = []
        for bucket in range(EDGE_BUCKETS):
            centre = (bucket + 0.5) / EDGE_BUCKETS
            strength = abs(centre - 0.5) * 2
            pen = pg.mkPen(colormap.map(centre, mode="qcolor"), width=EDGE_MIN_WIDTH + (EDGE_MAX_WIDTH - EDGE_MIN_WIDTH) * strength)
            pen.setCosmetic(True)
            item = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=False, skipFiniteCheck=True)
            item.setZValue(strength)
            self._plot.addItem(item)
            self._bucket_items.append(item)
        self._dimmed_item = pg.PlotCurveItem(pen=pg.mkPen(DIMMED_EDGE, width=1), connect="pairs", skipFiniteCheck=True)
        self._dimmed_item.setZValue(-1)
        self._invalid_item = pg.PlotCurveItem(
            pen=pg.mkPen(INVALID_EDGE, width=2, style=Qt.PenStyle.DashLine), connect="pairs", skipFiniteCheck=True
        )
        self._invalid_item.setZValue(2)
        # The selected edge is a wide halo under the coloured edges, so its own colour stays visible.
        halo = QColor(theme.FOCUS)
        halo.setAlpha(170)
        self._selected_item = pg.PlotCurveItem(pen=pg.mkPen(halo, width=9), connect="pairs", antialias=True)
        self._selected_item.setZValue(-0.5)
        for item in (self._dimmed_item, self._invalid_item, self._selected_item):
            self._plot.addItem(item)
        for item in self.edge_items():
            # Separate segments through QPainter.drawLines: stroking them as one path of
            # 2,000 subpaths took about 0.8 s a frame at 784-128-10 (offscreen raster engine).
            item.setSegmentedLineMode("on")

        self._neurons = pg.ScatterPlotItem(pxMode=True, symbol="o", antialias=True)
        self._neurons.setZValue(10)
        self._plot.addItem(self._neurons)
        self._headers: list[SceneText] = []
        self._labels: dict[tuple[int, int], SceneText] = {}
        self._value_texts: dict[tuple[int, int], SceneText] = {}

        self._colour_scale = ColourScale()
        self._legend = _caption_label(theme.MUTED_TEXT)
        self._note = _caption_label(theme.FOCUS)

        scene = self._graphics.scene()
        scene.sigMouseMoved.connect(self._on_scene_mouse_moved)
        scene.sigMouseClicked.connect(self._on_scene_mouse_clicked)

        # The scale and captions are widgets under the graph, not items in it, so a new
        # caption text re-lays-out no graph items.
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), theme.BACKGROUND)
        self.setPalette(palette)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addWidget(self._graphics, 1)
        layout.addWidget(self._colour_scale, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self._legend)
        layout.addWidget(self._note)

    # Setters

    def set_network(self, spec, parameters: dict[str, np.ndarray]) -> None:
        """Lay out spec's neurons and draw its edges coloured by the weights in parameters (W1, b1, …)."""
        self._spec = spec
        self._columns = build_columns(spec)
        # Copies, because the caller may update its parameters in place after this call and
        # the tooltips must keep matching the colours drawn now.
        self._weights = {layer: _copy(parameters[f"W{layer}"]) for layer in range(1, spec.depth + 1)}
        self._biases = {layer: _copy(parameters[f"b{layer}"]).reshape(-1) for layer in range(1, spec.depth + 1)}
        self._gradients = {}
        self._edge_values = {}
        self._mode = "weight"
        self._neuron_values = {}
        self._pre_activations = {}
        self._highlight_columns = None
        self._highlight_edges = set()
        self._selected_edge = None

        self._build_edge_candidates()
        self._build_neuron_items()
        self.set_edge_values(self._weights, "weight")
        self._relayout()

    def set_edge_values(self, layer_values: dict[int, np.ndarray], mode: str) -> None:
        """Colour edges by layer_values ({layer: (n_in, n_out)}), which are weights or gradients as mode names.

        Layers left out keep their previous values of the same mode. In weight mode that is
        the last weights given; in gradient mode a layer never given is drawn dimmed.
        """
        self._store_edge_values(layer_values, mode)
        self._select_visible_edges()
        self._render_edges()
        self._render_legend()
        self._render_note()

    def show_state(self, layer_values: dict[int, np.ndarray], mode: str, values: dict[int, np.ndarray],
                   pre_activations: dict[int, np.ndarray] | None, step) -> None:
        """Set edge values, neuron values and the highlighted step together, drawing each item once.

        The same as ``set_edge_values``, ``set_neuron_values`` and ``set_highlight`` in a row,
        which would draw the neurons three times; the window calls this on every Step.
        """
        self._store_edge_values(layer_values, mode)
        if step is None or self._spec is None:
            self._highlight_columns, self._highlight_edges = None, set()
        else:
            self._highlight_columns, self._highlight_edges = highlighted_parts(step, self._spec.depth)
        had_values = bool(self._neuron_values)
        self._neuron_values = {layer: np.asarray(value).reshape(-1) for layer, value in values.items()}
        self._pre_activations = {layer: np.asarray(value).reshape(-1) for layer, value in (pre_activations or {}).items()}

        self._select_visible_edges()
        self._render_edges()
        self._render_legend()
        self._render_note()
        if had_values != bool(self._neuron_values):
            self._relayout()  # the side margin depends on whether values are shown; it draws the neurons
        else:
            self._render_neurons()
            self._place_value_texts()

    def _store_edge_values(self, layer_values: dict[int, np.ndarray], mode: str) -> None:
        if mode not in EDGE_MODES:
            raise ValueError(f"edge colour mode must be one of {', '.join(EDGE_MODES)}, got {mode!r}")
        if self._spec is None:
            return
        for layer, values in layer_values.items():
            expected = (self._spec.widths[layer - 1], self._spec.widths[layer])
            if np.shape(values) != expected:
                raise ValueError(f"edge values of layer {layer}: expected shape {expected}, got {np.shape(values)}")
        if mode != self._mode:
            self._edge_values = dict(self._weights) if mode == "weight" else {}
        self._mode = mode
        self._edge_values.update({layer: _copy(values) for layer, values in layer_values.items()})
        if mode == "weight":
            self._weights.update(self._edge_values)
        else:
            self._gradients.update(self._edge_values)

        self._candidate_values = np.full(self._edge_layer.size, np.nan)
        self._candidate_known = np.isin(self._edge_layer, list(self._edge_values))
        for layer, values in self._edge_values.items():
            mask = self._edge_layer == layer
            self._candidate_values[mask] = values[self._edge_i[mask], self._edge_j[mask]]

    def set_highlight(self, step) -> None:
        """Emphasise the operands of step (a ``Step``) and dim the rest; None removes the highlight."""
        if step is None or self._spec is None:
            self._highlight_columns, self._highlight_edges = None, set()
        else:
            self._highlight_columns, self._highlight_edges = highlighted_parts(step, self._spec.depth)
        self._render_edges()
        self._render_legend()
        self._render_neurons()

    def set_neuron_values(self, values: dict[int, np.ndarray], pre_activations: dict[int, np.ndarray] | None = None) -> None:
        """Show one sample's value of every layer ({0: x (n_in,), 1: a1 (n_1,), …}) in and beside the neurons.

        pre_activations ({layer: z (n_l,)}) are shown in tooltips next to the activations.
        """
        self._neuron_values = {layer: np.asarray(value).reshape(-1) for layer, value in values.items()}
        self._pre_activations = {layer: np.asarray(value).reshape(-1) for layer, value in (pre_activations or {}).items()}
        self._render_neurons()
        self._relayout()

    def set_selected_edge(self, edge: tuple[int, int, int] | None) -> None:
        """Outline the edge (layer, i, j), or none with None."""
        self._selected_edge = None if edge is None else tuple(int(part) for part in edge)
        self._render_selected_edge()

    def export_image(self, path) -> None:
        """Write the graph with its colour scale and captions to path: SVG for a .svg suffix, otherwise PNG or JPEG."""
        export_widget(self, path, "the network graph")

    # Read-back for the window and for tests

    def legend_text(self) -> str:
        return self._legend.text()

    def colour_scale(self) -> ColourScale:
        return self._colour_scale

    def note_text(self) -> str:
        """Return the note under the graph (which neurons and edges are left out), or ""."""
        return self._note_plain

    def hover_text(self) -> str:
        return self._hover_text

    def edge_items(self) -> list[pg.PlotCurveItem]:
        """Return every item that draws edges: the colour buckets, then dimmed, invalid and selected."""
        return [*self._bucket_items, self._dimmed_item, self._invalid_item, self._selected_item]

    def drawn_neurons(self) -> list[np.ndarray]:
        """Return the indices of the drawn neurons of every column, inputs first."""
        return [column.drawn for column in self._columns]

    def visible_edge_count(self) -> int:
        return int(self._visible.size)

    def neuron_scene_position(self, layer: int, index: int) -> QPointF:
        """Return the scene position of a drawn neuron's centre."""
        column = self._columns[layer]
        row = int(np.searchsorted(column.drawn, index))
        if row >= column.drawn.size or column.drawn[row] != index:
            raise ValueError(f"neuron {index} of layer {layer} is not drawn")
        return self._view_box.mapViewToScene(QPointF(layer, float(column.y[row])))

    def edge_scene_position(self, layer: int, i: int, j: int) -> QPointF:
        """Return the scene position of the middle of a drawn edge."""
        start = self.neuron_scene_position(layer - 1, i)
        end = self.neuron_scene_position(layer, j)
        return (start + end) / 2

    def graphics_view(self) -> pg.GraphicsLayoutWidget:
        return self._graphics

    # Edges

    def _build_edge_candidates(self) -> None:
        """List every edge between drawn neurons, with its endpoints in view coordinates."""
        layers, starts, ends, x, y = [], [], [], [], []
        for below, above in zip(self._columns, self._columns[1:]):
            rows, cols = np.meshgrid(np.arange(below.drawn.size), np.arange(above.drawn.size), indexing="ij")
            rows, cols = rows.ravel(), cols.ravel()
            layers.append(np.full(rows.size, above.layer))
            starts.append(below.drawn[rows])
            ends.append(above.drawn[cols])
            x.append(np.column_stack([np.full(rows.size, below.layer, float), np.full(rows.size, above.layer, float)]))
            y.append(np.column_stack([below.y[rows], above.y[cols]]))
        if not layers:
            self._empty_edges()
            return
        self._edge_layer = np.concatenate(layers)
        self._edge_i = np.concatenate(starts)
        self._edge_j = np.concatenate(ends)
        self._edge_x = np.concatenate(x)
        self._edge_y = np.concatenate(y)

    def _select_visible_edges(self) -> None:
        """Keep every candidate edge, or the MAX_DRAWN_EDGES strongest by |value|.

        A NaN counts as strongest, so a diverging weight is never culled, and an edge of a
        layer without values counts as weakest.
        """
        count = self._candidate_values.size
        if count <= MAX_DRAWN_EDGES:
            self._visible = np.arange(count)
            return
        strength = np.abs(self._candidate_values)
        strength = np.where(np.isnan(strength), np.inf, strength)
        strength = np.where(self._candidate_known, strength, -1.0)
        strongest = np.argpartition(-strength, MAX_DRAWN_EDGES - 1)[:MAX_DRAWN_EDGES]
        self._visible = np.sort(strongest)

    def _scaled_layers(self) -> list[int]:
        """Return the layers whose edges are coloured: the highlighted ones, or all when nothing is highlighted."""
        if self._highlight_columns is not None and self._highlight_edges:
            return sorted(layer for layer in self._highlight_edges if layer in self._edge_values)
        return sorted(self._edge_values)

    def _colour_limit(self) -> float:
        # The scale follows the coloured layers only, because gradients of different layers
        # can differ by orders of magnitude and one shared scale would wash the small ones out.
        return max((theme.finite_limit(self._edge_values[layer]) for layer in self._scaled_layers()), default=0.0)

    def _render_edges(self) -> None:
        visible = self._visible
        values = self._candidate_values[visible]
        emphasised = np.ones(visible.size, dtype=bool)
        if self._highlight_columns is not None:
            emphasised = np.isin(self._edge_layer[visible], list(self._highlight_edges))
        known = self._candidate_known[visible]
        invalid = known & np.isnan(values)
        coloured = emphasised & known & ~invalid

        buckets = bucket_of(values, self._colour_limit())
        for bucket, item in enumerate(self._bucket_items):
            self._set_pairs(item, visible[coloured & (buckets == bucket)])
        self._set_pairs(self._dimmed_item, visible[~coloured & ~invalid])
        self._set_pairs(self._invalid_item, visible[invalid])
        self._render_selected_edge()

    def _set_pairs(self, item: pg.PlotCurveItem, edges: np.ndarray) -> None:
        antialias = self._visible.size <= MAX_ANTIALIASED_EDGES
        # An item that keeps its edges is not set again, so it is not drawn anew.
        previous = self._item_edges.get(item)
        if previous is not None and previous[0] is self._edge_x and previous[1] == antialias \
                and np.array_equal(previous[2], edges):
            return
        self._item_edges[item] = (self._edge_x, antialias, edges)
        item.setData(x=self._edge_x[edges].ravel(), y=self._edge_y[edges].ravel(), connect="pairs", antialias=antialias)
        # Qt skips hidden items when it paints, but it would still ask an empty one for its bounds.
        item.setVisible(edges.size > 0)

    def _render_selected_edge(self) -> None:
        if self._selected_edge is None:
            self._set_pairs(self._selected_item, np.zeros(0, dtype=int))
            return
        layer, i, j = self._selected_edge
        found = np.flatnonzero((self._edge_layer == layer) & (self._edge_i == i) & (self._edge_j == j))
        self._set_pairs(self._selected_item, found)

    def _render_legend(self) -> None:
        self._colour_scale.set_limit(self._colour_limit())
        prefix = "W" if self._mode == "weight" else "∂L/∂W"
        names = ", ".join(f"{prefix}{layer}" for layer in self._scaled_layers())
        kind = "weight" if self._mode == "weight" else "gradient"
        if self._highlight_columns is not None and not self._highlight_edges:
            # The bar stays in place so the graph does not jump, but faded, because no edge uses it.
            self._colour_scale.set_faded(True)
            _set_label_text(self._legend, "This step reads no weights, so every edge is dimmed")
            return
        self._colour_scale.set_faded(False)
        _set_label_text(self._legend,
                        f"Edge colour: {kind} {names} (blue negative, red positive); width grows with |value|")

    def _render_note(self) -> None:
        parts = []
        subsampled = [column for column in self._columns if column.drawn.size < column.units]
        if subsampled:
            names = ", ".join(f"{column.drawn.size} of {column.units} in {column.title.split(' (')[0].lower()}"
                              for column in subsampled)
            parts.append(f"neurons drawn evenly spaced: {names}")
        total = sum(a * b for a, b in zip(self._spec.widths, self._spec.widths[1:])) if self._spec else 0
        shown = self._visible.size
        if shown < total:
            text = f"showing {shown:,} of {total:,} edges"
            if self._candidate_values.size > MAX_DRAWN_EDGES:
                text += " (strongest |w|)" if self._mode == "weight" else " (strongest |∂L/∂W|)"
            parts.append(text)
        self._note_plain = " · ".join(parts)
        _set_label_text(self._note, self._note_plain)
        self._note.setVisible(bool(parts))

    # Neurons

    def _build_neuron_items(self) -> None:
        scene = self._graphics.scene()
        for item in [*self._headers, *self._labels.values(), *self._value_texts.values()]:
            scene.removeItem(item)
        self._headers, self._labels, self._value_texts = [], {}, {}

        # Texts are children of the view's item group, so they move with the view's range
        # like the plot's own items, without the bookkeeping of PlotItem.addItem.
        group = self._view_box.childGroup
        title_font, subtitle_font = theme.ui_font(9.5, QFont.Weight.DemiBold), theme.ui_font(8)
        label_font, value_font = theme.ui_font(8.5, QFont.Weight.DemiBold), theme.monospace_font(8)
        for column in self._columns:
            title = SceneText(column.title, (0.5, 0.0), theme.TEXT, title_font, parent=group)
            subtitle = SceneText(column.subtitle, (0.5, 0.0), theme.MUTED_TEXT, subtitle_font, parent=group)
            self._headers.extend((title, subtitle))
            if column.drawn.size > MAX_LABELLED_NEURONS:
                continue
            for row, index in enumerate(column.drawn):
                label = SceneText(neuron_label(column.prefix, int(index)), (0.5, 0.5), theme.TEXT, label_font,
                                  parent=group)
                label.setZValue(11)
                label.setPos(column.layer, float(column.y[row]))
                self._labels[(column.layer, int(index))] = label

                last = len(self._columns) - 1
                anchor = (1.0, 0.5) if column.layer == 0 else (0.0, 0.5) if column.layer == last else (0.5, 0.0)
                value_text = SceneText("", anchor, theme.TEXT, value_font, fill=VALUE_FILL, parent=group)
                value_text.setZValue(12)
                self._value_texts[(column.layer, int(index))] = value_text
        self._render_neurons()

    def _neuron_sizes(self) -> dict[int, float]:
        _, pixel_height = self._view_box.viewPixelSize()
        sizes = {}
        for column in self._columns:
            spacing_pixels = column.spacing / pixel_height if pixel_height > 0 else 40.0
            sizes[column.layer] = float(np.clip(0.62 * spacing_pixels, 7.0, 34.0))
        return sizes

    def _render_neurons(self) -> None:
        if not self._columns:
            self._neurons.setData([])
            return
        sizes = self._neuron_sizes()
        x, y, size, brushes, pens = [], [], [], [], []
        for column in self._columns:
            emphasised = self._highlight_columns is None or column.layer in self._highlight_columns
            values = self._neuron_values.get(column.layer)
            limit = theme.finite_limit(values) if values is not None else 0.0
            for row, index in enumerate(column.drawn):
                fill = theme.BACKGROUND
                if values is not None and index < values.size:
                    fill = theme.value_colour(_quantized(float(values[index]), limit), limit)
                    if not np.isfinite(values[index]):
                        fill = theme.INVALID_BACKGROUND
                fill = theme.tint(fill, NEURON_TINT if emphasised else 0.3)
                highlighted = self._highlight_columns is not None and emphasised
                if highlighted:
                    outline = theme.FOCUS
                elif emphasised:
                    outline = theme.NEURON_OUTLINE
                else:
                    outline = theme.GRID
                pen = _cached_pen(outline, 2.2 if highlighted else 1.2)
                x.append(column.layer)
                y.append(float(column.y[row]))
                size.append(sizes[column.layer])
                brushes.append(_cached_brush(fill))
                pens.append(pen)

                label = self._labels.get((column.layer, int(index)))
                if label is not None:
                    label.set_colour(theme.readable_text_colour(fill) if emphasised else theme.FAINT_TEXT)
                value_text = self._value_texts.get((column.layer, int(index)))
                if value_text is not None:
                    text = format_number(values[index]) if values is not None and index < values.size else ""
                    if value_text.text() != text:
                        value_text.setText(text)
                    value_text.set_colour(theme.TEXT if emphasised else theme.FAINT_TEXT)
        self._neurons.setData(x=x, y=y, size=size, brush=brushes, pen=pens, data=list(range(len(x))))

    # Layout in pixels

    def _pixel_scales(self) -> tuple[float, float, float]:
        """Return (side margin, pixels per x unit, pixels per y unit) for the widget's size now."""
        rect = self._view_box.boundingRect()
        width, height = max(rect.width(), 50.0), max(rect.height(), 50.0)
        depth = len(self._columns) - 1
        side = SIDE_MARGIN_WITH_VALUES if self._neuron_values else SIDE_MARGIN
        pixels_per_x = max((width - 2 * side) / max(depth, 1), 1.0)
        pixels_per_y = max(height - TOP_MARGIN - BOTTOM_MARGIN, 1.0)
        return side, pixels_per_x, pixels_per_y

    def _relayout(self) -> None:
        """Fit the view range to the widget so headers, neurons and values keep their pixel sizes."""
        if not self._columns:
            return
        depth = len(self._columns) - 1
        side, pixels_per_x, pixels_per_y = self._pixel_scales()
        x_range = (-side / pixels_per_x, depth + side / pixels_per_x)
        y_range = (-BOTTOM_MARGIN / pixels_per_y, 1.0 + TOP_MARGIN / pixels_per_y)
        self._view_box.setRange(xRange=x_range, yRange=y_range, padding=0.0)

        for column, title, subtitle in zip(self._columns, self._headers[0::2], self._headers[1::2]):
            title.setPos(column.layer, y_range[1])
            subtitle.setPos(column.layer, y_range[1] - HEADER_LINE / pixels_per_y)
        self._render_neurons()
        self._place_value_texts()

    def _place_value_texts(self) -> None:
        """Put each neuron's value beside or under it, and hide the ones that don't fit or are empty."""
        if not self._columns:
            return
        depth = len(self._columns) - 1
        _, pixels_per_x, pixels_per_y = self._pixel_scales()
        sizes = self._neuron_sizes()
        for (layer, index), value_text in self._value_texts.items():
            column = self._columns[layer]
            row = int(np.searchsorted(column.drawn, index))
            y = float(column.y[row])
            radius = sizes[layer] / 2 + 3
            spacing_pixels = column.spacing * pixels_per_y
            if layer == 0:
                value_text.setPos(layer - radius / pixels_per_x, y)
                fits = spacing_pixels >= 16
            elif layer == depth:
                value_text.setPos(layer + radius / pixels_per_x, y)
                fits = spacing_pixels >= 16
            else:
                value_text.setPos(layer, y - radius / pixels_per_y)
                fits = spacing_pixels >= sizes[layer] + 22 and pixels_per_x >= 90
            value_text.setVisible(fits and bool(value_text.text()))
        for (layer, _), label in self._labels.items():
            label.setVisible(sizes[layer] >= 20)

    def _on_view_box_resized(self) -> None:
        self._relayout()

    # Hit-testing, tooltips and clicks

    def _item_at(self, scene_position: QPointF):
        """Return ("neuron", layer, index), ("edge", layer, i, j) or None for a scene position."""
        if not self._columns or not self._view_box.sceneBoundingRect().contains(scene_position):
            return None
        point = self._view_box.mapSceneToView(scene_position)
        pixel_width, pixel_height = self._view_box.viewPixelSize()
        sizes = self._neuron_sizes()

        for column in self._columns:
            dx = (point.x() - column.layer) / pixel_width
            if abs(dx) > sizes[column.layer] / 2 + 2:
                continue
            dy = (point.y() - column.y) / pixel_height
            distance = np.hypot(dx, dy)
            row = int(np.argmin(distance))
            if distance[row] <= sizes[column.layer] / 2 + 2:
                return ("neuron", column.layer, int(column.drawn[row]))

        edges = self._visible
        if edges.size == 0:
            return None
        x0, x1 = self._edge_x[edges, 0] / pixel_width, self._edge_x[edges, 1] / pixel_width
        y0, y1 = self._edge_y[edges, 0] / pixel_height, self._edge_y[edges, 1] / pixel_height
        px, py = point.x() / pixel_width, point.y() / pixel_height
        dx, dy = x1 - x0, y1 - y0
        length_squared = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((px - x0) * dx + (py - y0) * dy) / length_squared, 0.0, 1.0)
        distance = np.hypot(x0 + t * dx - px, y0 + t * dy - py)
        nearest = int(np.argmin(distance))
        if distance[nearest] > HIT_DISTANCE:
            return None
        edge = edges[nearest]
        return ("edge", int(self._edge_layer[edge]), int(self._edge_i[edge]), int(self._edge_j[edge]))

    def describe(self, item) -> str:
        """Return the tooltip of a hit-test result: the neuron's values or the edge's weight and gradient."""
        if item is None:
            return ""
        if item[0] == "neuron":
            _, layer, index = item
            column = self._columns[layer]
            label = neuron_label(column.prefix, index)
            lines = [f"{label} · {column.title}, neuron {index}"]
            value = self._neuron_values.get(layer)
            if layer == 0:
                if value is not None:
                    lines.append(f"{display_symbol('a0')}[{index}] = {format_number(value[index])}")
            else:
                numbers = []
                z = self._pre_activations.get(layer)
                if z is not None:
                    numbers.append(f"z = {format_number(z[index])}")
                if value is not None:
                    numbers.append(f"a = {format_number(value[index])}")
                if numbers:
                    lines[0] = f"{label}: " + ", ".join(numbers)
                    lines.append(f"{column.title}, neuron {index}")
                lines.append(f"b{layer}[{index}] = {format_number(self._biases[layer][index])}")
            return "\n".join(lines)

        _, layer, i, j = item
        lines = [f"W{layer}[{i},{j}] = {format_number(self._weights[layer][i, j])}"]
        gradient = self._gradients.get(layer)
        if gradient is not None:
            lines.append(f"∂L/∂W{layer}[{i},{j}] = {format_number(gradient[i, j])}")
        below, above = self._columns[layer - 1], self._columns[layer]
        lines.append(f"from {neuron_label(below.prefix, i)} to {neuron_label(above.prefix, j)}")
        return "\n".join(lines)

    def _on_scene_mouse_moved(self, scene_position: QPointF) -> None:
        text = self.describe(self._item_at(scene_position))
        if text == self._hover_text:
            return
        self._hover_text = text
        if text:
            global_position = self._graphics.mapToGlobal(self._graphics.mapFromScene(scene_position))
            QToolTip.showText(global_position, text, self._graphics)
        else:
            QToolTip.hideText()
        self.item_hovered.emit(text)

    def _on_scene_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        item = self._item_at(event.scenePos())
        if item is None:
            return
        if item[0] == "neuron":
            self.neuron_clicked.emit(item[1], item[2])
        else:
            self.edge_clicked.emit(item[1], item[2], item[3])




def _caption_label(colour: QColor) -> QLabel:
    """Return a centred one-line caption in colour, as tall as one line of its font."""
    label = QLabel()
    label.setFont(theme.ui_font(8.5))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    label.setPalette(palette)
    label.setFixedHeight(label.fontMetrics().height() + 2)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    return label


def _set_label_text(label: QLabel, text: str) -> None:
    """Set a caption's text unless it already shows it, since setText re-lays-out the view."""
    if label.text() != text:
        label.setText(text)


def _copy(values) -> np.ndarray:
    return np.array(values, dtype=np.float64, copy=True)


def highlighted_parts(step, depth: int) -> tuple[set[int], set[int]]:
    """Return (columns, edge layers) that hold step's operands or result.

    Columns are numbered from 0 (inputs); edge layer l is W_l, between columns l-1 and l.
    """
    prefix = step.key.rstrip("0123456789")
    layer = step.layer
    if step.phase == "loss" or layer is None:
        return {depth}, set()
    if prefix == "z":
        return {layer - 1, layer}, {layer}
    if prefix in ("dW", "W"):
        return {layer - 1, layer}, {layer}
    if prefix == "da" and step.kind == "backpropagate":
        return {layer, layer + 1}, {layer + 1}
    return {layer}, set()
