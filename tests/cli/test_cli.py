"""The headless command line, run as a user would: a real process, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from engine import session_file
from engine.datasets import assets_dir

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((ROOT / "tests" / "data" / "tutorial_3_4_2.json").read_text())
TUTORIAL = assets_dir() / "presets" / "tutorial.json"
SCHEMA = json.loads((assets_dir() / "session.schema.json").read_text())


def gradstep(*arguments, check_status=None):
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    result = subprocess.run([sys.executable, "-m", "gui.app", *map(str, arguments)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    if check_status is not None:
        assert result.returncode == check_status, result.stderr
    return result


def test_run_tutorial_two_iterations(tmp_path):
    out = tmp_path / "out.json"
    result = gradstep("run", TUTORIAL, "--iterations", 2, "--trace", "all", "--export", out, check_status=0)
    assert f"exported: {out}" in result.stdout
    assert "PySide6" not in result.stderr

    document = json.loads(out.read_text())
    jsonschema.validate(document, SCHEMA)
    assert len(document["history"]["loss"]) == 3
    assert [entry["iteration"] for entry in document["trace"]] == [1, 2]

    first = {step["symbol"]: step["value"] for step in document["trace"][0]["steps"]}
    expected = REFERENCE["first_iteration"]
    for symbol, key in (("z1", "z1"), ("a1", "a1"), ("z2", "z2"), ("a2", "a2"), ("∂L/∂W2", "dW2"), ("∂L/∂W1", "dW1")):
        np.testing.assert_allclose(first[symbol], expected[key], atol=1e-6, err_msg=symbol)
    np.testing.assert_allclose(first["∂L/∂b1"], expected["db1"][0], atol=1e-6)
    assert first["L"] == pytest.approx(expected["loss_no_eps"], abs=1e-6)


def test_export_import_export_is_byte_identical(tmp_path):
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    gradstep("run", TUTORIAL, "--iterations", 7, "--trace", "last", "--export", first, check_status=0)
    gradstep("run", first, "--iterations", 0, "--trace", "last", "--export", second, check_status=0)
    assert first.read_bytes() == second.read_bytes()


def test_continuation_is_bit_identical(tmp_path):
    straight = tmp_path / "straight.json"
    part = tmp_path / "part.json"
    continued = tmp_path / "continued.json"
    gradstep("run", TUTORIAL, "--iterations", 30, "--trace", "none", "--export", straight, check_status=0)
    gradstep("run", TUTORIAL, "--iterations", 12, "--trace", "none", "--export", part, check_status=0)
    gradstep("run", part, "--iterations", 18, "--trace", "none", "--export", continued, check_status=0)
    assert straight.read_bytes() == continued.read_bytes()


@pytest.mark.slow
def test_iris_reaches_95_percent(tmp_path):
    preset = {
        "format": "gradstep.session", "version": 1,
        "network": {"inputs": 4, "layers": [{"units": 8, "activation": "relu"},
                                             {"units": 3, "activation": "softmax"}], "loss": "cross_entropy"},
        "data": None,
        "training": {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": None, "seed": 0,
                     "shuffle": False, "initialization": "he"},
    }
    from engine.datasets import load_builtin

    iris = load_builtin("iris", standardize=True)
    mean, std = iris.standardization
    preset["data"] = {"name": "iris", "inputs": iris.inputs, "targets": iris.targets,
                      "feature_names": list(iris.feature_names), "target_names": list(iris.target_names),
                      "standardization": {"mean": mean, "std": std}}
    path = tmp_path / "iris.json"
    path.write_text(session_file.dumps(preset))
    result = gradstep("run", path, "--iterations", 2000, "--trace", "none", "--export", tmp_path / "o.json",
                      check_status=0)
    accuracy = float(result.stdout.split("training accuracy: ")[1].split("%")[0]) / 100
    assert accuracy >= 0.95, result.stdout


def test_divergence_stops_and_exports_strict_json(tmp_path):
    preset = {
        "format": "gradstep.session", "version": 1,
        "network": {"inputs": 1, "layers": [{"units": 1, "activation": "linear"}], "loss": "half_sse"},
        "data": {"name": "diverge", "inputs": [[1.0]], "targets": [[3.0]]},
        "training": {"optimizer": "sgd", "learning_rate": 1.5, "batch_size": None, "seed": 0},
        "initial_parameters": {"W1": [[0.0]], "b1": [0.0]},
    }
    path = tmp_path / "diverge.json"
    path.write_text(json.dumps(preset))
    out = tmp_path / "out.json"
    result = gradstep("run", path, "--iterations", 100000, "--trace", "last", "--export", out, check_status=0)
    assert "stopped: iteration " in result.stdout
    assert "Warning" not in result.stderr
    assert result.stderr == ""

    text = out.read_text()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"))
    assert '"Infinity"' in text or '"NaN"' in text
    again = tmp_path / "again.json"
    gradstep("run", out, "--iterations", 0, "--trace", "last", "--export", again, check_status=0)
    assert again.read_bytes() == out.read_bytes()


def test_gradcheck_passes_on_tutorial():
    result = gradstep("gradcheck", TUTORIAL, check_status=0)
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["W1", "b1", "W2", "b2"]
    assert lines[-1] == "passed: tolerance 1e-06"


@pytest.mark.parametrize(
    "arguments,message",
    [
        (("run", "missing.json", "--iterations", "1", "--export", "o.json"), "missing.json"),
        (("run", TUTORIAL, "--iterations", "-3", "--export", "o.json"), "expected a non-negative integer, got '-3'"),
        (("run", TUTORIAL, "--iterations", "many", "--export", "o.json"), "expected a non-negative integer, got 'many'"),
        (("run", TUTORIAL, "--export", "o.json"), "--iterations"),
        (("run", TUTORIAL, "--iterations", "1", "--export", "o.json", "--trace", "some"), "invalid choice: 'some'"),
        (("gradcheck",), "path"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(arguments, message, tmp_path):
    result = gradstep(*arguments)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_export_to_missing_folder_exits_2(tmp_path):
    result = gradstep("run", TUTORIAL, "--iterations", "1", "--export", tmp_path / "no" / "such" / "o.json")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
