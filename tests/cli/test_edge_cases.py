"""Regression tests for inputs that once crashed, printed tracebacks or stopped without a name."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.datasets import load_csv
from engine.errors import DataError
from engine.files import open_session, tutorial_preset
from engine.session_file import write_atomic
from gui.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def _gradstep(*arguments, env=None):
    return subprocess.run([sys.executable, "-m", "gui.app", *map(str, arguments)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


def _preset(tmp_path, change) -> Path:
    document = json.loads(tutorial_preset().read_text())
    change(document)
    path = tmp_path / "preset.json"
    path.write_text(json.dumps(document))
    return path


def _one_line_exit_2(result, expected):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_window_survives_weights_near_float_max(tmp_path):
    preset = _preset(tmp_path, lambda d: d["initial_parameters"]["W1"][0].__setitem__(0, 9e307))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = _gradstep(preset, "--screenshot", tmp_path / "x.png", "--steps", "19", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Warning" not in result.stderr


def test_trace_all_above_limit_is_refused_before_training(tmp_path):
    result = _gradstep("run", tutorial_preset(), "--iterations", 5000, "--trace", "all", "--export", tmp_path / "o.json")
    _one_line_exit_2(result, "--trace all: 5,001 iterations is above the limit of 2,000")


@pytest.mark.parametrize("target", ["", "."])
def test_export_without_file_name(tmp_path, target):
    result = _gradstep("run", tutorial_preset(), "--iterations", 1, "--export", target)
    _one_line_exit_2(result, "--export: expected a file name")


def test_iterations_above_limit(tmp_path):
    result = _gradstep("run", tutorial_preset(), "--iterations", 10**30, "--export", tmp_path / "o.json")
    _one_line_exit_2(result, "is above the limit of 2,000,000 for one command")


def test_divergence_with_finite_huge_gradients_names_a_step(tmp_path):
    def linear(d):
        d["network"]["layers"] = [{"units": 4, "activation": "linear"}, {"units": 2, "activation": "linear"}]
        d["network"]["loss"] = "mse"
        d["training"]["learning_rate"] = 5
    result = _gradstep("run", _preset(tmp_path, linear), "--iterations", 100000, "--export", tmp_path / "o.json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    stop = next(line for line in result.stdout.splitlines() if line.startswith("stopped: "))
    assert ", step " in stop, stop
    assert " is " in stop, stop


def test_csv_with_too_many_classes(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("a,label\n" + "".join(f"{i},c{i}\n" for i in range(1500)))
    with pytest.raises(DataError, match="1,500 different classes, above the limit of 1,000"):
        load_csv(path, ["label"])


def test_csv_message_with_newline_is_one_line(tmp_path):
    path = tmp_path / "newline.csv"
    path.write_text('a,b,label\n1,"fo\no",x\n2,3,y\n')
    result = _gradstep("run", tutorial_preset(), "--data", path, "--target", "label", "--iterations", 1,
                       "--export", tmp_path / "o.json")
    _one_line_exit_2(result, 'expected a number, got "fo\\no"')


def test_csv_standardising_huge_values(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("a,b,label\n1e308,2,x\n-1e308,5,y\n")
    with pytest.raises(DataError, match="inputs column 0: values too large to standardise"):
        load_csv(path, ["label"], standardize=True)


def test_write_atomic_follows_symbolic_link(tmp_path):
    target = tmp_path / "target.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert target.read_text() == "new"


def test_write_atomic_refuses_special_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        write_atomic(fifo, "text")
    assert fifo.exists()
    assert not fifo.is_file()


def test_write_atomic_long_name(tmp_path):
    path = tmp_path / ("n" * 245 + ".json")
    write_atomic(path, "text")
    assert path.read_text() == "text"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.set_speed(0),
        lambda c: c.set_speed("fast"),
        lambda c: c.set_sample(float("nan")),
        lambda c: c.set_learning_rate(10**400),
        lambda c: c.open_file(None),
        lambda c: c.export_loss_csv(""),
    ],
)
def test_controller_reports_bad_values(qtbot, call):
    controller = Controller(open_session(tutorial_preset()))
    with qtbot.waitSignal(controller.error_occurred, timeout=1000) as blocker:
        call(controller)
    assert "\n" not in blocker.args[0]
    assert controller.session.cursor == (1, 0)
    assert np.isfinite(controller.session.learning_rate)


def test_target_name_with_digit_separator(tmp_path):
    # int("1_0") is 10, but --target 1_0 names the column called 1_0.
    path = tmp_path / "named.csv"
    path.write_text("a,b,c,1_0\n1,2,3,x\n2,3,4,y\n3,4,5,x\n")
    result = _gradstep("run", tutorial_preset(), "--data", path, "--target", "1_0", "--iterations", 1,
                       "--export", tmp_path / "o.json")
    assert result.returncode == 0, result.stderr
    assert "iterations: 1" in result.stdout
