"""The controller drives the session without any widget; views only listen."""

import json
from pathlib import Path

import numpy as np
import pytest

from engine.breakpoints import GradientNormBreakpoint
from engine.datasets import Dataset, load_builtin
from engine.network import Layer, NetworkSpec
from engine.session import Session, TrainingConfig
from gui.controller import Controller

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "tutorial_3_4_2.json").read_text())


def _tutorial_session() -> Session:
    spec = NetworkSpec.from_dict(REFERENCE["network"])
    return Session(spec, load_builtin("tutorial"), TrainingConfig(learning_rate=0.1, seed=435),
                   REFERENCE["initial_parameters"])


@pytest.fixture
def controller(qtbot):
    controller = Controller(_tutorial_session())
    yield controller
    controller.pause()


def test_step_emits_step_changed(controller, qtbot):
    with qtbot.waitSignal(controller.step_changed, timeout=1000):
        controller.step()
    assert controller.session.current_step().symbol == "z1"


def test_finishing_an_iteration_emits_history_changed(controller, qtbot):
    for _ in range(18):
        controller.step()
    with qtbot.waitSignals([controller.history_changed, controller.step_changed], order="strict", timeout=1000):
        controller.step()
    assert len(controller.session.history.loss) == 2


def test_run_until_iteration_breakpoint(controller, qtbot):
    controller.session.breakpoints.iterations.add(300)
    messages = []
    controller.message_posted.connect(messages.append)
    with qtbot.waitSignal(controller.running_changed, check_params_cb=lambda running: not running, timeout=10_000):
        controller.start_run()
    assert controller.session.cursor == (300, 0)
    assert messages[-1] == "Stopped: breakpoint at iteration 300"


def test_pause_stops_the_timer(controller, qtbot):
    with qtbot.waitSignal(controller.history_changed, timeout=5000):
        controller.start_run()
    with qtbot.waitSignal(controller.running_changed, timeout=1000) as blocker:
        controller.pause()
    assert blocker.args == [False]
    finished = controller.session.finished_iterations
    assert finished > 0
    assert not controller.running


def test_gradient_norm_stop_focuses_the_step(controller):
    controller.session.breakpoints.gradient_norms.append(GradientNormBreakpoint(1, 0.05, True))
    for _ in range(100):
        controller.run_frame()
        if controller.session.current_step() is not None:
            break
    assert controller.session.current_step().symbol == "∂L/∂W1"


def test_invalid_learning_rate_reports_error_and_keeps_rate(controller, qtbot):
    with qtbot.waitSignal(controller.error_occurred, timeout=1000) as blocker:
        assert not controller.set_learning_rate(-1.0)
    assert "learning rate: expected a positive finite number, got -1.0" in blocker.args[0]
    assert controller.session.learning_rate == 0.1


def test_bad_file_leaves_session_untouched(controller, qtbot, tmp_path):
    controller.session.run(7)
    before = controller.session
    parameters = before.parameters
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "gradstep.session", "version": 1, "network": {"inputs": 3, "layers": [{"units": "4x"')
    with qtbot.waitSignal(controller.error_occurred, timeout=1000) as blocker:
        assert not controller.open_file(str(bad))
    assert blocker.args[0].startswith("Could not open bad.json: ")
    assert controller.session is before
    assert controller.session.cursor == (8, 0)
    for name in parameters:
        assert np.array_equal(controller.session.parameters[name], parameters[name])


def test_save_and_open_round_trip(controller, qtbot, tmp_path):
    controller.session.run(4)
    controller.step()
    controller.step()
    path = tmp_path / "session.json"
    assert controller.save_file(str(path), "last")
    reopened = Controller(_tutorial_session())
    with qtbot.waitSignal(reopened.session_changed, timeout=1000):
        assert reopened.open_file(str(path))
    assert reopened.session.cursor == controller.session.cursor
    assert reopened.session.current_step().symbol == controller.session.current_step().symbol
    for name, value in controller.session.parameters.items():
        assert np.array_equal(reopened.session.parameters[name], value)
    assert np.array_equal(reopened.session.history.loss, controller.session.history.loss)


def test_export_loss_csv(controller, tmp_path):
    controller.session.run(3)
    path = tmp_path / "loss.csv"
    assert controller.export_loss_csv(str(path))
    lines = path.read_text().splitlines()
    assert lines[0] == "iteration,loss,learning_rate"
    assert len(lines) == 5
    assert float(lines[1].split(",")[1]) == controller.session.history.loss[0]


def test_divergence_stop_reports_first_non_finite_step(qtbot):
    spec = NetworkSpec(1, (Layer(1, "linear"),), "half_sse")
    data = Dataset("diverge", np.array([[1.0]]), np.array([[3.0]]), ("x",), ("y",))
    controller = Controller(Session(spec, data, TrainingConfig(learning_rate=1.5), {"W1": [[0.0]], "b1": [0.0]}))
    messages = []
    controller.message_posted.connect(messages.append)
    with qtbot.waitSignal(controller.running_changed, check_params_cb=lambda running: not running, timeout=10_000):
        controller.start_run()
    step = controller.session.current_step()
    assert not np.isfinite(step.value).all()
    assert messages[-1].startswith("Stopped: iteration ")
    assert f"({step.symbol})" in messages[-1]
