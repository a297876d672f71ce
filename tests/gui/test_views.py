"""Tests of the render-only views, built from a real traced iteration of the engine."""

import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QFont, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from engine.chain import weight_chain
from engine.iteration import trace_iteration
from engine.network import Layer, NetworkSpec, init_parameters
from engine.symbols import format_number
from gui import theme
from gui.chain_view import ChainView
from gui.loss_plot import LossPlot
from gui.matrix_view import MatrixView
from gui.network_view import MAX_DRAWN_EDGES, NetworkView
from gui.step_panel import StepPanel

TIMEOUT_MS = 5000


@pytest.fixture(scope="module")
def tutorial():
    """The tutorial's 3-4-2 network, its two samples and one traced iteration."""
    spec = NetworkSpec(inputs=3, layers=(Layer(4, "relu"), Layer(2, "softmax")), loss="cross_entropy")
    parameters = init_parameters(spec, seed=435)
    inputs = np.array([[2.0, 8.0, 6.0], [1.0, 2.0, 3.0]])
    targets = np.array([[1.0, 0.0], [0.0, 1.0]])
    trace = trace_iteration(spec, parameters, inputs, targets, 0.1)
    return SimpleNamespace(spec=spec, parameters=parameters, inputs=inputs, targets=targets, trace=trace)


@pytest.fixture(scope="module")
def wide():
    """A 784-128-10 network, as for MNIST, with He-initialised weights."""
    spec = NetworkSpec(inputs=784, layers=(Layer(128, "relu"), Layer(10, "softmax")), loss="cross_entropy")
    return SimpleNamespace(spec=spec, parameters=init_parameters(spec, "he", seed=1))


def step_by_key(trace, key, phase=None):
    return next(step for step in trace.steps if step.key == key and (phase is None or step.phase == phase))


def shown(qtbot, widget, width=900, height=600):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget, timeout=TIMEOUT_MS)
    return widget


def cell_text(view: MatrixView, row: int, column: int) -> str:
    model = view.matrix_model()
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def click_cell(qtbot, view: MatrixView, row: int, column: int) -> None:
    rect = view.visualRect(view.matrix_model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def network_point(view: NetworkView, scene_position: QPointF) -> QPoint:
    return view.graphics_view().mapFromScene(scene_position)


def settle_layout(qtbot, view: NetworkView) -> None:
    """Wait until the graph's layout stops moving, so scene positions computed now stay valid."""
    def stable():
        before = view.neuron_scene_position(0, 0)
        QApplication.processEvents()
        assert view.neuron_scene_position(0, 0) == before

    qtbot.waitUntil(stable, timeout=TIMEOUT_MS)


@pytest.fixture
def every_mouse_move():
    """Let pyqtgraph's scene handle every mouse move; by default it drops moves less than 10 ms apart."""
    previous = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", -1)
    yield
    pg.setConfigOption("mouseRateLimit", previous)


def hover(qtbot, view: NetworkView, point: QPoint) -> None:
    qtbot.mouseMove(view.graphics_view().viewport(), point)


def click(view: NetworkView, point: QPoint) -> None:
    viewport = view.graphics_view().viewport()
    for kind, buttons in ((QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
                          (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        event = QMouseEvent(kind, QPointF(point), QPointF(viewport.mapToGlobal(point)), Qt.MouseButton.LeftButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)


def along_edge(view: NetworkView, layer: int, i: int, j: int, fraction: float) -> QPointF:
    start = view.neuron_scene_position(layer - 1, i)
    end = view.neuron_scene_position(layer, j)
    return start + (end - start) * fraction


def is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# MatrixView


def test_matrix_view_shows_engine_numbers(qtbot, tutorial):
    """Every cell's text is format_number of the engine's value at that index."""
    view = shown(qtbot, MatrixView())
    for key in ("z1", "dW2", "db1"):
        value = step_by_key(tutorial.trace, key).value
        view.set_matrix(value)
        grid = value.reshape(1, -1) if value.ndim == 1 else value
        model = view.matrix_model()
        assert (model.rowCount(), model.columnCount()) == grid.shape, key
        for row, column in np.ndindex(grid.shape):
            assert cell_text(view, row, column) == format_number(grid[row, column]), (key, row, column)


def test_matrix_view_scalar_is_one_cell(qtbot, tutorial):
    loss = step_by_key(tutorial.trace, "L")
    view = shown(qtbot, MatrixView())
    view.set_matrix(loss.value)
    model = view.matrix_model()
    assert (model.rowCount(), model.columnCount()) == (1, 1)
    assert cell_text(view, 0, 0) == format_number(loss.value)
    assert model.element_index(0, 0) == ()


def test_matrix_view_headers_count_from_zero(qtbot):
    view = shown(qtbot, MatrixView())
    view.set_matrix(np.zeros((2, 3)), row_label="sample", column_label="unit")
    model = view.matrix_model()
    assert model.headerData(0, Qt.Orientation.Vertical) == "sample 0"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "unit 2"


def test_matrix_view_marks_nan_and_infinity(qtbot):
    view = shown(qtbot, MatrixView())
    view.set_matrix(np.array([[np.nan, np.inf], [-np.inf, 1.5]]))
    model = view.matrix_model()
    assert cell_text(view, 0, 0) == "NaN"
    assert cell_text(view, 0, 1) == "∞"
    assert cell_text(view, 1, 0) == "−∞"
    for row, column in ((0, 0), (0, 1), (1, 0)):
        index = model.index(row, column)
        assert model.data(index, Qt.ItemDataRole.ForegroundRole) == theme.INVALID
        assert model.data(index, Qt.ItemDataRole.BackgroundRole) == theme.INVALID_BACKGROUND
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ForegroundRole) == theme.TEXT


def test_matrix_view_tints_sign(qtbot):
    """Negative cells lean blue, positive ones red, and zero stays near white."""
    view = shown(qtbot, MatrixView())
    view.set_matrix(np.array([-2.0, 0.0, 2.0]))
    model = view.matrix_model()
    negative, zero, positive = (model.data(model.index(0, j), Qt.ItemDataRole.BackgroundRole) for j in range(3))
    assert negative.blue() > negative.red()
    assert positive.red() > positive.blue()
    assert min(zero.red(), zero.green(), zero.blue()) > 220


def test_matrix_view_click_emits_element_index(qtbot, tutorial):
    view = shown(qtbot, MatrixView())
    view.set_matrix(step_by_key(tutorial.trace, "z1").value)
    with qtbot.waitSignal(view.cell_clicked, timeout=TIMEOUT_MS) as blocker:
        click_cell(qtbot, view, 1, 2)
    assert blocker.args == [(1, 2)]


def test_matrix_view_click_on_vector_emits_one_index(qtbot, tutorial):
    view = shown(qtbot, MatrixView())
    view.set_matrix(step_by_key(tutorial.trace, "db1").value)
    with qtbot.waitSignal(view.cell_clicked, timeout=TIMEOUT_MS) as blocker:
        click_cell(qtbot, view, 0, 3)
    assert blocker.args == [(3,)]


def test_matrix_view_focus_is_bold(qtbot, tutorial):
    view = shown(qtbot, MatrixView())
    view.set_matrix(step_by_key(tutorial.trace, "z1").value, focus=(1, 2))
    model = view.matrix_model()
    assert model.focus_cell == (1, 2)
    assert model.data(model.index(1, 2), Qt.ItemDataRole.FontRole).weight() == QFont.Weight.Bold
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).weight() == QFont.Weight.Normal
    view.set_focus((0, 0))
    assert model.focus_cell == (0, 0)


def test_matrix_view_large_batch_serves_far_cells(qtbot):
    """A 64 × 784 batch is shown through the lazy model, focused cell scrolled into view."""
    values = np.random.default_rng(0).standard_normal((64, 784))
    view = shown(qtbot, MatrixView())
    view.set_matrix(values, column_label="feature", focus=(63, 783))
    model = view.matrix_model()
    assert (model.rowCount(), model.columnCount()) == (64, 784)
    assert cell_text(view, 63, 783) == format_number(values[63, 783])
    far_cell = model.index(63, 783)
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(far_cell)), timeout=TIMEOUT_MS)
    assert not view.grab().isNull()


def test_matrix_view_rejects_three_dimensions(qtbot):
    view = shown(qtbot, MatrixView())
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2\)"):
        view.set_matrix(np.zeros((2, 2, 2)))


# StepPanel


def test_step_panel_header_for_step_nine(qtbot, tutorial):
    panel = shown(qtbot, StepPanel())
    step = tutorial.trace.steps[8]
    panel.show_step(step, 1, len(tutorial.trace.steps))
    assert panel.header() == "Iteration 1 · step 9 of 19 · backward"


def test_step_panel_explanation_matches_engine(qtbot, tutorial):
    """The text shown for the focused element is the engine's explanation, for every step."""
    panel = shown(qtbot, StepPanel())
    total = len(tutorial.trace.steps)
    for step in tutorial.trace.steps:
        panel.show_step(step, 1, total)
        first = (0,) * step.value.ndim
        assert panel.explanation_text() == step.explain(first).text, step.symbol
        last = tuple(n - 1 for n in step.value.shape)
        panel.set_focus(last)
        assert panel.explanation_text() == step.explain(last).text, step.symbol


def test_step_panel_shows_value_table(qtbot, tutorial):
    panel = shown(qtbot, StepPanel())
    step = step_by_key(tutorial.trace, "dW2")
    panel.show_step(step, 1, len(tutorial.trace.steps), focus=(1, 0))
    model = panel.main_matrix().matrix_model()
    assert model.focus_cell == (1, 0)
    assert cell_text(panel.main_matrix(), 1, 0) == format_number(step.value[1, 0])


def test_step_panel_cell_click_focuses_element(qtbot, tutorial):
    panel = shown(qtbot, StepPanel(), 1000, 800)
    step = step_by_key(tutorial.trace, "dW2")
    panel.show_step(step, 1, len(tutorial.trace.steps))
    with qtbot.waitSignal(panel.element_focused, timeout=TIMEOUT_MS) as blocker:
        click_cell(qtbot, panel.main_matrix(), 1, 0)
    assert blocker.args == [(1, 0)]
    assert panel.focus() == (1, 0)
    assert panel.explanation_text() == step.explain((1, 0)).text


def test_step_panel_set_focus_does_not_emit(qtbot, tutorial):
    panel = shown(qtbot, StepPanel())
    panel.show_step(step_by_key(tutorial.trace, "z1"), 1, len(tutorial.trace.steps))
    with qtbot.assertNotEmitted(panel.element_focused):
        panel.set_focus((1, 3))
    assert panel.focus() == (1, 3)


def test_step_panel_fused_step_shows_both_routes(qtbot, tutorial):
    panel = shown(qtbot, StepPanel(), 1200, 800)
    step = next(step for step in tutorial.trace.steps if step.kind == "chain_fused")
    panel.show_step(step, 1, len(tutorial.trace.steps))
    alternative = panel.alternative_matrix()
    assert alternative.isVisible()
    for row, column in np.ndindex(step.alternative.shape):
        assert cell_text(alternative, row, column) == format_number(step.alternative[row, column])
        assert cell_text(panel.main_matrix(), row, column) == format_number(step.value[row, column])
    difference = float(np.max(np.abs(step.alternative - step.value)))
    assert panel.difference_text() == f"max |fused − Jacobian| = {difference:.3g}".replace("-", "−")


def test_step_panel_jacobian_has_sample_selector(qtbot, tutorial):
    panel = shown(qtbot, StepPanel())
    step = step_by_key(tutorial.trace, "dadz2")
    assert step.value.ndim == 3
    panel.show_step(step, 1, len(tutorial.trace.steps))
    selector = panel.sample_selector()
    assert selector.isVisible()
    assert (selector.minimum(), selector.maximum()) == (0, step.value.shape[0] - 1)

    with qtbot.waitSignal(panel.element_focused, timeout=TIMEOUT_MS) as blocker:
        selector.setValue(1)
    assert blocker.args == [(1, 0, 0)]
    matrix = panel.main_matrix()
    for row, column in np.ndindex(step.value.shape[1:]):
        assert cell_text(matrix, row, column) == format_number(step.value[1, row, column])
    assert panel.explanation_text() == step.explain((1, 0, 0)).text


def test_step_panel_show_step_does_not_emit(qtbot, tutorial):
    """Pushing a 3-D step into the panel must not echo back as a user's sample choice."""
    panel = shown(qtbot, StepPanel())
    with qtbot.assertNotEmitted(panel.element_focused):
        panel.show_step(step_by_key(tutorial.trace, "dadz2"), 1, 19, focus=(1, 1, 0))
    assert panel.sample_selector().value() == 1


def test_step_panel_empty_message(qtbot, tutorial):
    panel = shown(qtbot, StepPanel())
    panel.show_step(tutorial.trace.steps[0], 1, 19)
    panel.show_empty("Press Step to begin.")
    assert panel.step() is None
    assert panel.header() == ""
    assert not panel.main_matrix().isVisible()


def test_step_panel_rejects_focus_outside_shape(qtbot, tutorial):
    panel = shown(qtbot, StepPanel())
    with pytest.raises(IndexError, match="outside shape"):
        panel.show_step(step_by_key(tutorial.trace, "z1"), 1, 19, focus=(5, 0))


# NetworkView


def test_network_view_builds_tutorial_neurons(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    assert [drawn.tolist() for drawn in view.drawn_neurons()] == [[0, 1, 2], [0, 1, 2, 3], [0, 1]]
    assert view.visible_edge_count() == 3 * 4 + 4 * 2
    assert view.note_text() == ""


def test_network_view_wide_network_batches_edges(qtbot, wide):
    view = shown(qtbot, NetworkView())
    view.set_network(wide.spec, wide.parameters)
    drawn = view.drawn_neurons()
    assert [d.size for d in drawn] == [40, 40, 10]
    assert drawn[0][0] == 0
    assert drawn[0][-1] == 783
    curves = [item for item in view._plot.items if isinstance(item, (pg.PlotCurveItem, pg.PlotDataItem))]
    assert len(curves) <= 20
    assert len(view.edge_items()) <= 20
    assert "showing 2,000 of 101,632 edges" in view.note_text()
    assert "40 of 784 in input" in view.note_text()


def test_network_view_culls_to_strongest_edges(qtbot):
    spec = NetworkSpec(inputs=40, layers=(Layer(40, "tanh"), Layer(40, "tanh"), Layer(40, "sigmoid")), loss="mse")
    parameters = init_parameters(spec, "glorot", seed=3)
    view = shown(qtbot, NetworkView())
    view.set_network(spec, parameters)
    assert view.visible_edge_count() == MAX_DRAWN_EDGES
    assert view.note_text() == f"showing {MAX_DRAWN_EDGES:,} of 4,800 edges (strongest |w|)"

    values = np.abs(view._candidate_values)
    hidden = np.setdiff1d(np.arange(values.size), view._visible)
    assert values[view._visible].min() >= values[hidden].max()


def test_network_view_hover_reports_edge_value(qtbot, tutorial, every_mouse_move):
    view = shown(qtbot, NetworkView(), 800, 600)
    view.set_network(tutorial.spec, tutorial.parameters)
    settle_layout(qtbot, view)
    point = network_point(view, along_edge(view, 2, 1, 0, 0.3))
    with qtbot.waitSignal(view.item_hovered, timeout=TIMEOUT_MS) as blocker:
        hover(qtbot, view, point)
    expected = f"W2[1,0] = {format_number(tutorial.parameters['W2'][1, 0])}"
    assert blocker.args[0].splitlines()[0] == expected
    assert view.hover_text().splitlines()[0] == expected


def test_network_view_hover_reports_neuron_values(qtbot, tutorial, every_mouse_move):
    view = shown(qtbot, NetworkView(), 800, 600)
    view.set_network(tutorial.spec, tutorial.parameters)
    z1 = step_by_key(tutorial.trace, "z1").value
    a1 = step_by_key(tutorial.trace, "a1").value
    view.set_neuron_values({0: tutorial.inputs[0], 1: a1[0]}, pre_activations={1: z1[0]})
    settle_layout(qtbot, view)
    point = network_point(view, view.neuron_scene_position(1, 2))
    with qtbot.waitSignal(view.item_hovered, timeout=TIMEOUT_MS) as blocker:
        hover(qtbot, view, point)
    assert blocker.args[0].splitlines()[0] == f"h2: z = {format_number(z1[0, 2])}, a = {format_number(a1[0, 2])}"


def test_network_view_click_edge_emits_indices(qtbot, tutorial):
    view = shown(qtbot, NetworkView(), 800, 600)
    view.set_network(tutorial.spec, tutorial.parameters)
    settle_layout(qtbot, view)
    point = network_point(view, along_edge(view, 1, 2, 3, 0.25))
    with qtbot.waitSignal(view.edge_clicked, timeout=TIMEOUT_MS) as blocker:
        click(view, point)
    assert blocker.args == [1, 2, 3]


def test_network_view_click_neuron_emits_indices(qtbot, tutorial):
    view = shown(qtbot, NetworkView(), 800, 600)
    view.set_network(tutorial.spec, tutorial.parameters)
    settle_layout(qtbot, view)
    point = network_point(view, view.neuron_scene_position(2, 1))
    with qtbot.waitSignal(view.neuron_clicked, timeout=TIMEOUT_MS) as blocker:
        click(view, point)
    assert blocker.args == [2, 1]


def point_count(item) -> int:
    x, _ = item.getData()
    return 0 if x is None else len(x)


def test_network_view_highlight_dims_other_edges(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    buckets, dimmed = view.edge_items()[:16], view.edge_items()[16]

    view.set_highlight(step_by_key(tutorial.trace, "z1"))
    assert sum(point_count(item) for item in buckets) == 2 * 3 * 4
    assert point_count(dimmed) == 2 * 4 * 2

    view.set_highlight(step_by_key(tutorial.trace, "dW2"))
    assert sum(point_count(item) for item in buckets) == 2 * 4 * 2
    assert point_count(dimmed) == 2 * 3 * 4

    view.set_highlight(step_by_key(tutorial.trace, "L"))
    assert sum(point_count(item) for item in buckets) == 0

    view.set_highlight(None)
    assert point_count(dimmed) == 0


def test_network_view_selected_edge_outline(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    selected = view.edge_items()[18]
    view.set_selected_edge((2, 1, 0))
    x, y = selected.getData()
    start = view.neuron_scene_position(1, 1)
    assert x.tolist() == [1.0, 2.0]
    assert point_count(selected) == 2
    view.set_selected_edge(None)
    assert point_count(selected) == 0
    assert start == view.neuron_scene_position(1, 1)


def test_network_view_legend_names_coloured_layers(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    assert "weight W1, W2" in view.legend_text()
    view.set_highlight(step_by_key(tutorial.trace, "dW2"))
    assert "weight W2 " in view.legend_text()
    view.set_highlight(step_by_key(tutorial.trace, "a1"))
    assert view.legend_text() == "This step reads no weights, so every edge is dimmed"


def test_network_view_gradient_mode_in_tooltip(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    gradients = {1: tutorial.trace.gradients["W1"], 2: tutorial.trace.gradients["W2"]}
    view.set_edge_values(gradients, "gradient")
    lines = view.describe(("edge", 2, 1, 0)).splitlines()
    assert lines[0] == f"W2[1,0] = {format_number(tutorial.parameters['W2'][1, 0])}"
    assert lines[1] == f"∂L/∂W2[1,0] = {format_number(gradients[2][1, 0])}"


def test_network_view_gradient_of_one_layer(qtbot, tutorial):
    """A layer without gradient values is dimmed, not drawn as invalid; weight mode restores every layer."""
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    buckets, dimmed, invalid = view.edge_items()[:16], view.edge_items()[16], view.edge_items()[17]
    view.set_edge_values({2: tutorial.trace.gradients["W2"]}, "gradient")
    assert sum(point_count(item) for item in buckets) == 2 * 4 * 2
    assert point_count(dimmed) == 2 * 3 * 4
    assert point_count(invalid) == 0

    view.set_edge_values({}, "weight")
    assert sum(point_count(item) for item in buckets) == 2 * (3 * 4 + 4 * 2)
    assert point_count(dimmed) == 0


def test_network_view_keeps_its_own_copy(qtbot, tutorial):
    parameters = {name: value.copy() for name, value in tutorial.parameters.items()}
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, parameters)
    before = view.describe(("edge", 2, 1, 0))
    parameters["W2"][1, 0] = 123.0
    assert view.describe(("edge", 2, 1, 0)) == before


def test_network_view_rejects_wrong_edge_values(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    with pytest.raises(ValueError, match="expected shape"):
        view.set_edge_values({2: np.zeros((2, 4))}, "weight")
    with pytest.raises(ValueError, match="mode"):
        view.set_edge_values({}, "size")


def test_network_view_draws_nan_weights_apart(qtbot, tutorial):
    parameters = dict(tutorial.parameters)
    parameters["W2"] = parameters["W2"].copy()
    parameters["W2"][0, 1] = np.nan
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, parameters)
    invalid = view.edge_items()[17]
    assert point_count(invalid) == 2
    assert view.describe(("edge", 2, 0, 1)).splitlines()[0] == "W2[0,1] = NaN"


def test_network_view_export_png(qtbot, tutorial, tmp_path):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    path = tmp_path / "network.png"
    view.export_image(path)
    assert path.stat().st_size > 0
    assert is_png(path)
    # The whole view, with the colour scale and the captions under the graph.
    assert QImage(str(path)).size() == view.size()
    with pytest.raises(ValueError, match=r"\.gif"):
        view.export_image(tmp_path / "network.gif")


def test_network_view_export_svg(qtbot, tutorial, tmp_path):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    path = tmp_path / "network.svg"
    view.export_image(path)
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text
    assert "Edge colour" in text
    assert ">0<" in text.replace(" ", "")  # the colour scale's middle tick


# LossPlot


def test_loss_plot_history_and_cursor(qtbot):
    plot = shown(qtbot, LossPlot())
    values = np.array([0.69, 0.5, 0.3, 0.2])
    plot.set_loss_history(values)
    plot.set_current_iteration(3)
    x, y = plot.curve().getData()
    assert x.tolist() == [1, 2, 3, 4]
    assert y.tolist() == values.tolist()
    assert plot.readout_text() == f"4 iterations · iteration 3: L = {format_number(0.3)}"
    plot.set_current_iteration(9)
    assert plot.readout_text().endswith("iteration 9: L = not run yet")


def test_loss_plot_uses_one_curve_with_downsampling(qtbot):
    plot = shown(qtbot, LossPlot())
    curve = plot.curve()
    plot.set_loss_history(np.linspace(1, 0, 10))
    plot.set_loss_history(np.linspace(1, 0, 20))
    assert plot.curve() is curve
    assert curve.opts["autoDownsample"] is True
    assert curve.opts["downsampleMethod"] == "peak"
    assert curve.opts["clipToView"] is True


def test_loss_plot_log_scale_with_zero_and_nan(qtbot):
    """Log scale with a zero, a NaN and an infinity must draw without a warning (warnings are errors)."""
    plot = shown(qtbot, LossPlot())
    plot.set_loss_history(np.array([1.0, 0.1, 0.0, np.nan, np.inf, 0.01]))
    plot.set_current_iteration(3)
    with qtbot.waitSignal(plot.log_scale_toggled, timeout=TIMEOUT_MS) as blocker:
        plot.log_scale_check().click()
    assert blocker.args == [True]
    assert not plot.grab().isNull()
    plot.set_current_iteration(2)
    assert not plot.grab().isNull()


def test_loss_plot_set_log_scale_does_not_emit(qtbot):
    plot = shown(qtbot, LossPlot())
    with qtbot.assertNotEmitted(plot.log_scale_toggled):
        plot.set_log_scale(True)
    assert plot.is_log_scale()


def test_loss_plot_million_points(qtbot):
    plot = shown(qtbot, LossPlot())
    values = 1.0 / np.arange(1, 1_000_001) + 0.01
    plot.set_loss_history(values)
    plot.set_current_iteration(1_000_000)
    assert not plot.grab().isNull()
    assert plot.readout_text().startswith("1,000,000 iterations")


@pytest.mark.slow
def test_loss_plot_survives_many_updates(qtbot):
    """20,000 updates: PySide6-Essentials 6.12.0 on Python 3.11 aborted a live plot after about 1,000."""
    plot = shown(qtbot, LossPlot())
    history = np.abs(np.sin(np.arange(1, 20_001) / 500.0)) + 0.05
    for iteration in range(1, 20_001):
        start = max(0, iteration - 500)
        plot.set_loss_history(history[start:iteration])
        plot.set_current_iteration(iteration - start)
        if iteration % 1000 == 0:
            QApplication.processEvents()
    x, _ = plot.curve().getData()
    assert len(x) == 500


def test_loss_plot_export_png(qtbot, tmp_path):
    plot = shown(qtbot, LossPlot())
    plot.set_loss_history(np.linspace(1.0, 0.1, 50))
    plot.set_current_iteration(10)
    path = tmp_path / "loss.png"
    plot.export_image(path)
    assert path.stat().st_size > 0
    assert is_png(path)


# ChainView


def test_chain_view_shows_engine_chain(qtbot, tutorial):
    chain = weight_chain(tutorial.trace, 2, 1, 0)
    view = shown(qtbot, ChainView())
    view.show_chain(chain)
    assert view.title() == "Chain for W2[1,0]"
    assert view.text() == chain.text


def test_chain_view_without_optional_attributes(qtbot):
    view = shown(qtbot, ChainView())
    view.show_chain(SimpleNamespace(text="∂L/∂W1[0,0] = 0"))
    assert view.title() == "Chain for the selected weight"
    assert view.text() == "∂L/∂W1[0,0] = 0"
    view.show_chain(SimpleNamespace())
    assert view.text() == "The chain has no text to show."


# The leak guard in tests/conftest.py


def test_leak_guard_fails_test_with_open_window(pytester):
    """A test that shows a widget without qtbot.addWidget is reported as an error."""
    conftest = Path(__file__).parents[1] / "conftest.py"
    pytester.makeconftest(conftest.read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nqt_api = pyside6\n")
    pytester.makepyfile(textwrap.dedent("""
        from PySide6.QtWidgets import QWidget

        def test_leaks(qtbot):
            test_leaks.window = QWidget()
            test_leaks.window.setWindowTitle("left open")
            test_leaks.window.show()

        def test_registers(qtbot):
            widget = QWidget()
            qtbot.addWidget(widget)
            widget.show()
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*left 1 top-level window(s) open: QWidget 'left open'*"])


def test_colour_scale_follows_coloured_layers(qtbot, tutorial):
    view = shown(qtbot, NetworkView())
    view.set_network(tutorial.spec, tutorial.parameters)
    W2 = tutorial.parameters["W2"]
    view.set_highlight(step_by_key(tutorial.trace, "dW2"))
    assert view.colour_scale().limit() == pytest.approx(float(np.max(np.abs(W2))))
    assert not view.colour_scale().is_faded()
    view.set_highlight(step_by_key(tutorial.trace, "a1"))
    assert view.colour_scale().is_faded()
