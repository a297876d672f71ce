"""The real main window, driven through its actions as a user would, offscreen."""

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication, QWidget

from engine.files import open_session, tutorial_preset
from engine.iteration import trace_iteration
from engine.network import check_parameters
from engine.symbols import format_number
from gui.controller import Controller
from gui.main_window import MainWindow

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "tutorial_3_4_2.json").read_text())


@pytest.fixture
def window(qtbot, tmp_path):
    controller = Controller(open_session(tutorial_preset()))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(controller, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    controller.pause()


def _first_iteration():
    session = open_session(tutorial_preset())
    parameters = check_parameters(session.spec, REFERENCE["initial_parameters"])
    return trace_iteration(session.spec, parameters, REFERENCE["inputs"], REFERENCE["targets"], 0.1)


def test_window_opens_on_the_tutorial(window):
    assert window.controller.session.spec.widths == (3, 4, 2)
    assert window.step_panel.step() is None
    assert window.position_label.text() == "Iteration 1 · step 0 of 19"


def test_nineteen_steps_show_the_engine_values(window):
    expected = _first_iteration().steps
    for index, engine_step in enumerate(expected, start=1):
        window.actions["step"].trigger()
        shown = window.step_panel.step()
        assert shown.symbol == engine_step.symbol
        assert np.array_equal(shown.value, engine_step.value)
        assert window.step_panel.header() == f"Iteration 1 · step {index} of 19 · {engine_step.phase}"
        if engine_step.value.ndim == 2:
            model = window.step_panel.main_matrix().matrix_model()
            rows, columns = engine_step.value.shape
            assert (model.rowCount(), model.columnCount()) == (rows, columns)
            corner = model.data(model.index(rows - 1, columns - 1))
            assert corner == format_number(engine_step.value[rows - 1, columns - 1])
    assert window.position_label.text() == "Iteration 1 · step 19 of 19 · update"


def test_tutorial_explanation_line_is_shown(window):
    for _ in range(9):
        window.actions["step"].trigger()
    window.controller.set_focus((1, 0))
    text = window.step_panel.explanation_text()
    assert "∂L/∂W2[1,0] = a1[0,1]·∂L/∂z2[0,0] + a1[1,1]·∂L/∂z2[1,0]" in text
    assert text.rstrip().endswith("= −0.012983")


def test_step_back_returns_exactly(window):
    for _ in range(25):
        window.actions["step"].trigger()
    before = window.step_panel.step()
    window.actions["step"].trigger()
    window.actions["step"].trigger()
    window.actions["step_back"].trigger()
    window.actions["step_back"].trigger()
    after = window.step_panel.step()
    assert after.symbol == before.symbol
    assert np.array_equal(after.value, before.value)
    assert window.controller.session.cursor == (2, 6)


def test_next_iteration_and_loss_plot(window):
    window.actions["next_iteration"].trigger()
    window.actions["next_iteration"].trigger()
    assert window.controller.session.cursor == (2, 19)
    curve = window.loss_plot.curve()
    x, y = curve.xData, curve.yData  # the whole history, not the part clipped to the view
    assert x.tolist() == [1, 2]
    assert np.array_equal(y, window.controller.session.history.loss[:2])
    assert window.loss_label.text() == f"loss of iteration 2: {format_number(y[-1])}"


def test_loss_appears_at_the_loss_step(window):
    for _ in range(4):
        window.actions["step"].trigger()
    assert window.loss_label.text() == "loss: not computed yet"
    assert window.loss_plot.readout_text() == "no iterations yet"
    window.actions["step"].trigger()
    assert window.step_panel.step().symbol == "L"
    assert window.loss_label.text() == "loss of iteration 1: 0.693404"
    assert window.accuracy_label.text() == "training accuracy 50.0%"


def test_run_and_pause(window, qtbot):
    controller = window.controller
    with qtbot.waitSignal(controller.running_changed, timeout=2000):
        window.actions["run"].trigger()
    assert window.actions["run"].text() == "Pause"
    assert not window.actions["step"].isEnabled()
    qtbot.waitUntil(lambda: controller.session.finished_iterations > 200, timeout=10_000)
    with qtbot.waitSignal(controller.running_changed, timeout=2000):
        window.actions["run"].trigger()
    assert window.actions["run"].text() == "Run"
    assert window.actions["step"].isEnabled()
    finished = controller.session.finished_iterations
    curve = window.loss_plot.curve()
    x, y = curve.xData, curve.yData  # the whole history, not the part clipped to the view
    assert len(y) == finished
    assert window.loss_plot.readout_text().startswith(f"{finished} iterations")


def test_run_stops_at_breakpoint_with_reason(window, qtbot):
    controller = window.controller
    controller.session.breakpoints.loss_thresholds.append(0.3)
    with qtbot.waitSignal(controller.running_changed, check_params_cb=lambda running: not running, timeout=10_000):
        window.actions["run"].trigger()
    assert window.step_panel.step().symbol == "L"
    assert window.statusBar().currentMessage().startswith("Stopped: loss went below 0.3 at iteration ")


def test_save_and_open_round_trip(window, tmp_path, monkeypatch):
    controller = window.controller
    controller.session.run(5)
    for _ in range(3):
        window.actions["step"].trigger()
    path = tmp_path / "saved.json"
    monkeypatch.setattr(window, "ask_save_path", lambda *args: str(path))
    window.actions["save_as"].trigger()
    assert path.exists()
    assert window.windowTitle() == "saved.json — Gradstep"

    window.actions["reset"].trigger()
    assert controller.session.cursor == (1, 0)
    monkeypatch.setattr(window, "ask_open_path", lambda: str(path))
    window.actions["open"].trigger()
    assert controller.session.cursor == (6, 3)
    assert window.step_panel.step().symbol == "z2"
    assert window.recent_menu.actions()[0].text() == "saved.json"


def test_bad_file_shows_message_and_keeps_session(window, tmp_path, monkeypatch):
    controller = window.controller
    controller.session.run(4)
    window.actions["step"].trigger()
    session = controller.session
    parameters = session.parameters
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "gradstep.session", "version": 2}')
    monkeypatch.setattr(window, "ask_open_path", lambda: str(bad))
    window.actions["open"].trigger()
    assert controller.session is session
    assert controller.session.cursor == (5, 1)
    for name, value in parameters.items():
        assert np.array_equal(controller.session.parameters[name], value)
    assert window._banner.isVisible()
    assert "broken.json" in window._banner_label.text()
    assert "version" in window._banner_label.text()


def test_edge_click_shows_chain(window):
    window.actions["step"].trigger()
    window.network_view.edge_clicked.emit(2, 1, 0)
    assert window.chain_view.title().endswith("W2[1,0]")
    assert "sum over 2 samples" in window.chain_view.text()


def test_learning_rate_change_is_recorded(window):
    window.learning_rate_spin.setValue(0.05)
    assert window.controller.session.rates.at(1) == 0.05
    assert window.rate_label.text() == "α 0.05"
    assert window.learning_rate_spin.minimum() > 0


def test_gradient_edge_mode(window):
    for _ in range(9):
        window.actions["step"].trigger()
    window.edge_mode_combo.setCurrentIndex(1)
    assert window.edge_mode == "gradient"
    assert "gradients" in window._graph_caption.text()


def test_shortcuts_are_in_tooltips(window):
    assert window.actions["step"].toolTip().endswith("(F10)")
    assert window.actions["run"].toolTip().endswith("(F5)")


def _take_steps(window, count: int) -> None:
    """Press Step count times, letting the window handle its events after each."""
    for _ in range(count):
        window.controller.step()
        QApplication.instance().processEvents()


class _LayoutRequestCounter(QObject):
    """Counter of the LayoutRequest events that widgets of one window receive."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.receivers = []

    @property
    def count(self) -> int:
        return len(self.receivers)

    def eventFilter(self, watched, event) -> bool:
        # Windows of earlier tests may still be closing, so only this window's widgets count.
        if event.type() == QEvent.Type.LayoutRequest and isinstance(watched, QWidget) \
                and watched.window() is self.window:
            self.receivers.append(f"{type(watched).__name__} {watched.objectName()}")
        return False


def test_steps_leave_window_layout_alone(window):
    # Each Step changes the inspector's labels and tables. Re-laying-out the whole window for
    # that repainted all of it, so those changes must stop inside the docks.
    _take_steps(window, 1)
    counter = _LayoutRequestCounter(window)
    window.installEventFilter(counter)
    _take_steps(window, 19)
    window.removeEventFilter(counter)
    assert window.controller.session.cursor == (2, 1)
    assert counter.count == 0, counter.receivers


def test_step_layout_settles_in_one_pass(window):
    # A layout change left to the event loop climbs one level per pass and repaints the
    # inspector each time, so the window applies a Step's layout changes before returning.
    app = QApplication.instance()
    counter = _LayoutRequestCounter(window)
    for _ in range(19):
        window.controller.step()
        app.processEvents()
        app.installEventFilter(counter)
        app.processEvents()
        app.removeEventFilter(counter)
    assert window.controller.session.cursor == (1, 19)
    assert counter.count == 0, counter.receivers


def test_small_window_keeps_inspector_minimum(window):
    app = QApplication.instance()
    for _ in range(4):
        window.controller.step()
    window.resize(700, 500)
    app.processEvents()
    window.controller.step()
    app.processEvents()
    panel = window.step_panel
    assert panel.height() >= panel.minimumSizeHint().height()
    assert panel.width() >= panel.minimumSizeHint().width()


def test_window_shrinks_again_after_reset(window, qtbot):
    # Steps may grow the window to fit the inspector. Once the Steps pause, the smaller
    # minimum of the reset inspector reaches the window, so it can be made small again.
    app = QApplication.instance()
    window.resize(800, 520)
    _take_steps(window, 8)
    window.controller.reset()
    app.processEvents()
    qtbot.waitUntil(lambda: window.minimumSizeHint().height() <= 520, timeout=5000)
    window.resize(800, 520)
    app.processEvents()
    assert window.size().toTuple() == (800, 520)
