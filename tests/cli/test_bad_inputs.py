"""Every file of the bad-input corpus, through the command line and through the window.

Each one must give one line that names the field, row or column at fault: exit status 2
and no traceback on the command line, a message in the window, and the session that was
open before stays exactly as it was.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.files import open_session, tutorial_preset
from gui.controller import Controller
from gui.new_network_dialog import NewNetworkDialog

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"

JSON_CASES = {
    "truncated.json": "invalid JSON at line 23, column 90",
    "wrong_format.json": 'format: expected "gradstep.session", got "gradstep.preset"',
    "future_version.json": "version: this file is version 2; this Gradstep reads version 1",
    "units_zero.json": "network.layers[0].units: expected a positive integer, got 0",
    "units_text.json": 'network.layers[0].units: expected a positive integer, got "4x"',
    "learning_rate_negative.json": "training.learning_rate: expected a positive finite number, got -0.1",
    "learning_rate_zero.json": "training.learning_rate: expected a positive finite number, got 0",
    "learning_rate_nan.json": 'training.learning_rate: expected a positive finite number, got "NaN"',
    "inputs_nan.json": 'data.inputs[1][2]: expected a finite number, got "NaN"',
    "inputs_text.json": 'data.inputs[0][1]: expected a finite number, got "eight"',
    "targets_wrong_width.json": "data.targets: expected rows of 2 values for 2 output units, got shape (2, 3)",
    "cross_entropy_rows.json": "data.targets[1]: cross_entropy needs each target row to sum to 1, got 0.7",
    "binary_targets_range.json": "data.targets[1][0]: binary_cross_entropy needs targets in [0, 1], got 1.5",
    "parameter_shape.json": "initial_parameters.W2: expected shape (4, 2), got (3, 2)",
    "network_too_large.json": "network: training needs about 298.0 GiB, above the limit of 4 GiB",
    "layers_200.json": "network.layers: 200 layers is above the limit of 64",
    "deeply_nested.json": "arrays and objects nest deeper than 64 levels",
    "not_utf8.json": "not UTF-8 text: byte 0xe9 at byte offset 231",
}
CSV_CASES = {
    "text_cell.csv": 'text_cell.csv row 3, column "x2": expected a number, got "two"',
    "empty_cell.csv": 'empty_cell.csv row 3, column "x2": empty cell, expected a number',
    "ragged_rows.csv": "ragged_rows.csv row 3: has 3 cells, expected 4 like row 1",
    "no_rows.csv": "no_rows.csv has a header row but no data rows",
}


def test_corpus_is_complete():
    assert sorted(path.name for path in BAD.iterdir() if path.suffix in (".json", ".csv")) == sorted(
        [*JSON_CASES, *CSV_CASES]
    )


def _gradstep(*arguments):
    return subprocess.run([sys.executable, "-m", "gui.app", *map(str, arguments)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _assert_one_line(result, expected):
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", sorted(JSON_CASES))
def test_bad_session_file_on_command_line(name, tmp_path):
    _assert_one_line(_gradstep("run", BAD / name, "--iterations", 1, "--export", tmp_path / "out.json"),
                     JSON_CASES[name])
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_bad_csv_on_command_line(name, tmp_path):
    result = _gradstep("run", tutorial_preset(), "--data", BAD / name, "--target", "label",
                       "--iterations", 1, "--export", tmp_path / "out.json")
    _assert_one_line(result, CSV_CASES[name])


def test_file_above_size_limit_on_command_line(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: nothing is written to disk
    _assert_one_line(_gradstep("run", big, "--iterations", 1, "--export", tmp_path / "out.json"),
                     "above the limit of 209,715,200 bytes")


@pytest.fixture
def controller(qtbot):
    controller = Controller(open_session(tutorial_preset()))
    controller.session.run(3)
    controller.step()
    controller.step()
    return controller


def _state(controller):
    session = controller.session
    return session, session.cursor, session.parameters, session.history.loss.copy()


def _assert_untouched(controller, before):
    session, cursor, parameters, losses = before
    assert controller.session is session
    assert controller.session.cursor == cursor
    for name, value in parameters.items():
        assert np.array_equal(controller.session.parameters[name], value), name
    assert np.array_equal(controller.session.history.loss, losses)


@pytest.mark.parametrize("name", sorted(JSON_CASES))
def test_bad_session_file_in_window(name, controller, qtbot):
    before = _state(controller)
    with qtbot.waitSignal(controller.error_occurred, timeout=5000) as blocker:
        assert not controller.open_file(str(BAD / name))
    message = blocker.args[0]
    assert message.startswith(f"Could not open {name}: ")
    assert JSON_CASES[name] in message
    assert "\n" not in message
    _assert_untouched(controller, before)


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_bad_csv_in_new_network_dialog(name, controller, qtbot):
    before = _state(controller)
    dialog = NewNetworkDialog(controller)
    qtbot.addWidget(dialog)
    dialog.set_csv_file(BAD / name, "label")
    assert not dialog.create()
    assert CSV_CASES[name] in dialog.error_text() or CSV_CASES[name] in dialog.preview_text()
    _assert_untouched(controller, before)


def test_file_above_size_limit_in_window(controller, qtbot, tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(300 * 1024 * 1024)
    before = _state(controller)
    with qtbot.waitSignal(controller.error_occurred, timeout=5000) as blocker:
        controller.open_file(str(big))
    assert "above the limit of 209,715,200 bytes" in blocker.args[0]
    _assert_untouched(controller, before)
