"""A million Run iterations in one process, with the loss plot redrawn as Run does it."""

import pytest

from engine.files import open_session, tutorial_preset
from gui.controller import Controller
from gui.loss_plot import LossPlot

ITERATIONS = 1_000_000
FRAME = 20_000  # iterations between plot updates, so the test spends its time training


def _resident_megabytes() -> float:
    try:
        with open("/proc/self/status") as status:
            lines = status.readlines()
    except OSError:
        pytest.skip("no /proc/self/status on this system")
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no VmRSS line in /proc/self/status")


@pytest.mark.slow
def test_million_run_iterations_with_plot(qtbot):
    controller = Controller(open_session(tutorial_preset()))
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    controller.history_changed.connect(lambda: plot.set_loss_history(controller.session.history.loss))

    controller.session.run(FRAME)
    controller.history_changed.emit()
    start = _resident_megabytes()
    while controller.session.finished_iterations < ITERATIONS:
        controller.session.run(min(FRAME, ITERATIONS - controller.session.finished_iterations))
        controller.history_changed.emit()
    growth = _resident_megabytes() - start

    assert controller.session.finished_iterations == ITERATIONS
    assert len(controller.session.history.loss) == ITERATIONS + 1
    x, y = plot.curve().xData, plot.curve().yData
    assert len(y) == ITERATIONS + 1
    # The history itself needs 24 MB (loss and one gradient norm a layer, float64), and
    # its arrays double when full, so 100 MB leaves room without hiding a leak per iteration.
    assert growth < 100, f"resident memory grew by {growth:.0f} MB"
