"""The breakpoints panel: every edit goes through the controller, and the list mirrors the session."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QListWidget, QPushButton, QSpinBox

from engine.breakpoints import Breakpoints, GradientNormBreakpoint
from engine.network import Layer, NetworkSpec
from engine.session import Session
from gui.breakpoints_panel import BreakpointsPanel, describe_breakpoint



@pytest.fixture
def panel(controller, qtbot):
    panel = BreakpointsPanel(controller)
    qtbot.addWidget(panel)
    return panel


def _click(qtbot, panel, name: str) -> None:
    qtbot.mouseClick(panel.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def test_starts_empty_with_nan_switch_on(controller, panel):
    assert panel.breakpoint_texts() == []
    assert panel.findChild(QCheckBox, "nonFiniteCheck").isChecked()
    assert controller.session.breakpoints.non_finite


def test_iteration_add_button(controller, panel, qtbot):
    panel.findChild(QSpinBox).setValue(300)
    with qtbot.waitSignal(controller.breakpoints_changed, timeout=1000):
        _click(qtbot, panel, "addIterationButton")
    assert controller.session.breakpoints.iterations == {300}
    assert panel.breakpoint_texts() == ["Before iteration 300"]


def test_loss_add_button(controller, panel, qtbot):
    edits = panel.findChildren(QLineEdit)
    loss_edit = next(edit for edit in edits if edit.placeholderText() == "loss value")
    loss_edit.setText("0.05")
    with qtbot.waitSignal(controller.breakpoints_changed, timeout=1000):
        _click(qtbot, panel, "addLossButton")
    assert controller.session.breakpoints.loss_thresholds == [0.05]
    assert panel.breakpoint_texts() == ["Loss crosses 0.05"]
    assert loss_edit.text() == ""


def test_gradient_norm_breakpoints(controller, panel):
    assert panel.add_gradient_norm(1, "10", above=True)
    assert panel.add_gradient_norm(2, "1e-4", above=False)
    assert controller.session.breakpoints.gradient_norms == [
        GradientNormBreakpoint(1, 10.0, True),
        GradientNormBreakpoint(2, 1e-4, False),
    ]
    assert panel.breakpoint_texts() == ["‖∂L/∂W1‖ above 10", "‖∂L/∂W2‖ below 0.0001"]


def test_list_order_is_iteration_loss_gradient(panel):
    panel.add_gradient_norm(1, "3")
    panel.add_loss("0.5")
    panel.add_iteration(20)
    panel.add_iteration(10)
    assert panel.breakpoint_texts() == [
        "Before iteration 10", "Before iteration 20", "Loss crosses 0.5", "‖∂L/∂W1‖ above 3",
    ]


def test_remove_selected_removes_each_kind(controller, panel, qtbot):
    panel.add_iteration(300)
    panel.add_loss("0.05")
    panel.add_gradient_norm(1, "10")
    panel.add_iteration(500)
    panel.select_rows([0, 2, 3])

    _click(qtbot, panel, "removeButton")

    breakpoints = controller.session.breakpoints
    assert breakpoints.iterations == {500}
    assert breakpoints.loss_thresholds == []
    assert breakpoints.gradient_norms == []
    assert panel.breakpoint_texts() == ["Before iteration 500"]


def test_delete_key_removes_selection(controller, panel, qtbot):
    panel.add_iteration(300)
    panel.add_loss("0.05")
    panel.select_rows([1])

    qtbot.keyClick(panel.findChild(QListWidget, "breakpointList"), Qt.Key.Key_Delete)

    assert controller.session.breakpoints.loss_thresholds == []
    assert controller.session.breakpoints.iterations == {300}


def test_clear_all(controller, panel, qtbot):
    panel.add_iteration(300)
    panel.add_loss("0.05")
    panel.add_gradient_norm(2, "1")
    _click(qtbot, panel, "clearButton")
    assert panel.breakpoint_texts() == []
    assert controller.session.breakpoints == Breakpoints()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "enter a number"), ("abc", "is not a finite number"), ("1e400", "is not a finite number")],
)
def test_invalid_loss_text_shows_message(controller, panel, text, expected):
    assert not panel.add_loss(text)
    assert expected in panel.message_text()
    assert controller.session.breakpoints.loss_thresholds == []


def test_negative_gradient_threshold_shows_message(controller, panel):
    assert not panel.add_gradient_norm(1, "-1")
    assert "0 or more" in panel.message_text()
    assert controller.session.breakpoints.gradient_norms == []


def test_message_clears_after_valid_add(panel):
    panel.add_loss("abc")
    assert panel.add_loss("0.1")
    assert panel.message_text() == ""


def test_duplicate_is_not_added_twice(controller, panel):
    assert panel.add_gradient_norm(1, "10")
    assert panel.add_gradient_norm(1, "10")
    assert panel.add_loss("0.05")
    assert panel.add_loss("0.05")
    assert len(controller.session.breakpoints.gradient_norms) == 1
    assert controller.session.breakpoints.loss_thresholds == [0.05]


def test_nan_switch_calls_controller(controller, panel, qtbot):
    check = panel.findChild(QCheckBox, "nonFiniteCheck")
    with qtbot.waitSignal(controller.breakpoints_changed, timeout=1000):
        check.click()
    assert controller.session.breakpoints.non_finite is False


def test_nan_switch_mirrors_controller_without_echo(controller, panel, qtbot):
    """Setting the switch from the session must not call the controller a second time."""
    emitted = []
    controller.breakpoints_changed.connect(lambda: emitted.append(True))

    controller.set_break_on_non_finite(False)

    assert not panel.findChild(QCheckBox, "nonFiniteCheck").isChecked()
    assert emitted == [True]


def test_layer_spin_follows_network_depth(controller, panel):
    spec = NetworkSpec(3, (Layer(5, "tanh"), Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy")
    assert controller.new_session(spec, controller.session.data, controller.session.training)
    layer_spin = next(spin for spin in panel.findChildren(QSpinBox) if spin.prefix())
    assert layer_spin.maximum() == 3


def test_new_breakpoints_object_rerenders(controller, panel):
    panel.add_iteration(300)
    session = Session(controller.session.spec, controller.session.data, controller.session.training,
                      breakpoints=Breakpoints(iterations={42}, non_finite=False))
    controller.replace_session(session)
    assert panel.breakpoint_texts() == ["Before iteration 42"]
    assert not panel.findChild(QCheckBox, "nonFiniteCheck").isChecked()


def test_breakpoint_beyond_depth_is_marked_inactive(controller, panel):
    panel.add_gradient_norm(2, "5")
    spec = NetworkSpec(3, (Layer(2, "softmax"),), "cross_entropy")
    assert controller.new_session(spec, controller.session.data, controller.session.training)
    assert panel.breakpoint_texts() == ["‖∂L/∂W2‖ above 5  (inactive: the network has 1 layer)"]


def test_run_stops_at_panel_breakpoint(controller, panel, qtbot):
    """Run, with an iteration breakpoint added through the panel, pauses before that iteration."""
    assert panel.add_iteration(300)
    with qtbot.waitSignal(controller.running_changed, check_params_cb=lambda running: not running,
                          timeout=10_000):
        controller.start_run()
    assert controller.session.cursor == (300, 0)


def test_describe_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown breakpoint kind"):
        describe_breakpoint("epoch", 3)
