"""Session files: strict JSON export, validation with exact field paths, atomic writes."""

import copy
import json
import math
import os
import stat
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import session_file
from engine.errors import SessionFileError
from engine.iteration import trace_iteration
from engine.network import Layer, NetworkSpec, init_parameters
from engine.session_file import (
    FORMAT,
    MAX_NESTING,
    VERSION,
    SessionDocument,
    document_from_parts,
    dumps,
    encode,
    loads,
    read,
    steps_per_iteration,
    write_atomic,
)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SCHEMA = json.loads((ASSETS / "session.schema.json").read_text(encoding="utf-8"))

# The tutorial's 3-4-2 example with its printed (8-decimal) initial weights.
TUTORIAL_PRESET = {
    "format": "gradstep.session",
    "version": 1,
    "network": {
        "inputs": 3,
        "layers": [{"units": 4, "activation": "relu"}, {"units": 2, "activation": "softmax"}],
        "loss": "cross_entropy",
    },
    "data": {"name": "tutorial", "inputs": [[2, 8, 6], [1, 2, 3]], "targets": [[1, 0], [0, 1]]},
    "training": {
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "batch_size": None,
        "seed": 435,
        "shuffle": False,
        "initialization": "small",
    },
    "initial_parameters": {
        "W1": [
            [-0.00885127, -0.00528875, -0.00062892, 0.01330022],
            [0.00045693, 0.00057812, 0.00184987, 0.00878082],
            [-0.00098337, 0.01788674, -0.00878302, 0.00338431],
        ],
        "b1": [0, 0, 0, 0],
        "W2": [
            [0.00263928, -0.00881749],
            [-0.0067974, -0.00869512],
            [-0.00402919, 0.01688775],
            [-0.01814645, -0.00337234],
        ],
        "b2": [0, 0],
    },
}

SPECIAL_FLOATS = [0.1, 1e-300, 2**0.5, -0.0, 5e-324, 1.7976931348623157e308, math.nan, math.inf, -math.inf]


def tutorial_session() -> dict:
    """Return a JSON-ready session: two finished iterations, cursor at step 7 of the third."""
    spec = NetworkSpec.from_dict(TUTORIAL_PRESET["network"])
    inputs = np.array(TUTORIAL_PRESET["data"]["inputs"], dtype=float)
    targets = np.array(TUTORIAL_PRESET["data"]["targets"], dtype=float)
    parameters = {name: np.array(value, dtype=float) for name, value in TUTORIAL_PRESET["initial_parameters"].items()}
    losses, norms, trace = [], [], []
    for iteration in (1, 2, 3):
        result = trace_iteration(spec, parameters, inputs, targets, 0.1)
        losses.append(result.loss)
        steps = [step.to_dict() for step in result.steps]
        if iteration == 3:
            trace.append({"iteration": 3, "rows": [0, 1], "steps": steps[:7]})
            break
        norms.append([np.linalg.norm(result.gradients[f"W{layer}"]) for layer in (1, 2)])
        trace.append({"iteration": iteration, "rows": [0, 1], "steps": steps})
        parameters = result.parameters

    document = copy.deepcopy(TUTORIAL_PRESET)
    # Float arrays, as a session exports them, so the first export is already canonical.
    document["data"]["inputs"] = inputs
    document["data"]["targets"] = targets
    document["initial_parameters"] = {
        name: np.array(value, dtype=float) for name, value in TUTORIAL_PRESET["initial_parameters"].items()
    }
    document["parameters"] = parameters
    document["cursor"] = {"iteration": 3, "step": 7}
    document["history"] = {
        "loss": np.array(losses),
        "gradient_norms": np.array(norms),
        "learning_rates": [{"iteration": 1, "learning_rate": 0.1}, {"iteration": 2, "learning_rate": 0.05}],
    }
    document["trace"] = trace
    return encode(document)


def rejection(document) -> str:
    with pytest.raises(SessionFileError) as info:
        loads(json.dumps(document, allow_nan=False))
    return str(info.value)


def set_path(document, path, value):
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def delete_path(document, path):
    target = document
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


# ---------------------------------------------------------------- valid files


def test_tutorial_preset_loads():
    document = loads(json.dumps(TUTORIAL_PRESET))

    assert document.is_preset
    assert document.spec.widths == (3, 4, 2)
    assert document.data_name == "tutorial"
    assert document.inputs.dtype == np.float64
    assert document.inputs.tolist() == [[2.0, 8.0, 6.0], [1.0, 2.0, 3.0]]
    assert document.initial_parameters["W2"][3, 0] == -0.01814645
    assert document.initial_parameters["b1"].shape == (4,)
    assert document.parameters is None
    assert document.cursor is None
    assert document.trace is None
    assert document.learning_rates == ()


def test_tutorial_asset_matches_embedded_preset():
    path = ASSETS / "presets" / "tutorial.json"
    from_file = read(path)
    embedded = loads(json.dumps(TUTORIAL_PRESET))

    assert dumps(from_file.to_dict()) == dumps(embedded.to_dict())
    assert path.read_text(encoding="utf-8") == dumps(from_file.to_dict())


def test_preset_without_initial_parameters():
    preset = copy.deepcopy(TUTORIAL_PRESET)
    del preset["initial_parameters"]

    document = loads(json.dumps(preset))

    assert document.initial_parameters is None
    assert document.is_preset


def test_training_defaults_filled():
    preset = copy.deepcopy(TUTORIAL_PRESET)
    preset["training"] = {"optimizer": "sgd", "learning_rate": 1}

    training = loads(json.dumps(preset)).training

    assert training == {
        "optimizer": "sgd",
        "learning_rate": 1.0,
        "batch_size": None,
        "seed": 0,
        "shuffle": True,
        "initialization": "small",
    }
    assert isinstance(training["learning_rate"], float)


def test_null_optional_fields_mean_absent():
    preset = copy.deepcopy(TUTORIAL_PRESET)
    preset["training"].update(seed=None, shuffle=None, initialization=None)
    preset["data"].update(feature_names=None, target_names=None, standardization=None)
    preset["initial_parameters"] = None
    preset["parameters"] = None

    document = loads(json.dumps(preset))

    assert document.training["seed"] == 0
    assert document.training["shuffle"] is True
    assert document.feature_names is None
    assert document.standardization is None
    assert document.is_preset


def test_bias_as_row_is_flattened():
    preset = copy.deepcopy(TUTORIAL_PRESET)
    preset["initial_parameters"]["b1"] = [[0, 0, 0, 0]]

    document = loads(json.dumps(preset))

    assert document.initial_parameters["b1"].shape == (4,)


def test_names_and_standardization_load():
    preset = copy.deepcopy(TUTORIAL_PRESET)
    preset["data"]["feature_names"] = ["a", "b", "c"]
    preset["data"]["target_names"] = ["yes", "no"]
    preset["data"]["standardization"] = {"mean": [1, 2, 3], "std": [0.5, 1, 2]}

    document = loads(json.dumps(preset))

    assert document.feature_names == ("a", "b", "c")
    assert document.target_names == ("yes", "no")
    mean, std = document.standardization
    assert mean.tolist() == [1.0, 2.0, 3.0]
    assert std.tolist() == [0.5, 1.0, 2.0]


def test_session_loads_every_field():
    document = loads(dumps(tutorial_session()))

    assert not document.is_preset
    assert document.cursor == (3, 7)
    assert document.loss_history.shape == (3,)
    assert document.gradient_norms.shape == (2, 2)
    assert document.learning_rates == ((1, 0.1), (2, 0.05))
    assert [entry["iteration"] for entry in document.trace] == [1, 2, 3]
    assert len(document.trace[0]["steps"]) == steps_per_iteration(document.spec)
    assert len(document.trace[2]["steps"]) == 7
    loss_step = document.trace[0]["steps"][4]
    assert loss_step["layer"] is None
    assert loss_step["value"].shape == ()
    assert document.trace[0]["steps"][0]["value"].shape == (2, 4)


def test_arrays_are_read_only():
    document = loads(dumps(tutorial_session()))

    arrays = [document.inputs, document.targets, document.loss_history, document.gradient_norms]
    arrays += list(document.parameters.values()) + list(document.initial_parameters.values())
    arrays.append(document.trace[0]["steps"][0]["value"])
    for array in arrays:
        assert not array.flags.writeable


def test_diverged_session_loads():
    session = tutorial_session()
    session["parameters"]["W1"][0][0] = "NaN"
    session["parameters"]["b2"] = ["Infinity", "-Infinity"]
    session["history"]["loss"][2] = "NaN"
    session["history"]["gradient_norms"][1] = ["Infinity", "NaN"]
    session["trace"][2]["steps"][4]["value"] = "NaN"

    document = loads(json.dumps(session))

    assert math.isnan(document.parameters["W1"][0, 0])
    assert document.parameters["b2"].tolist() == [math.inf, -math.inf]
    assert math.isnan(document.loss_history[2])
    assert document.gradient_norms[1, 0] == math.inf
    assert math.isnan(document.trace[2]["steps"][4]["value"])


def test_first_iteration_session_has_empty_norms():
    session = tutorial_session()
    session["cursor"] = {"iteration": 1, "step": 0}
    session["history"] = {"loss": [0.7], "gradient_norms": [], "learning_rates": []}
    session["trace"] = []

    document = loads(json.dumps(session))

    assert document.gradient_norms.shape == (0, 2)
    assert document.trace == []


def test_cursor_step_may_equal_step_count():
    session = tutorial_session()
    session["cursor"]["step"] = steps_per_iteration(NetworkSpec.from_dict(session["network"]))

    assert loads(json.dumps(session)).cursor == (3, 19)


def test_byte_order_mark_is_accepted():
    text = json.dumps(TUTORIAL_PRESET)

    document = loads(b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert document.data_name == "tutorial"


def test_brackets_inside_strings_do_not_nest():
    preset = copy.deepcopy(TUTORIAL_PRESET)
    preset["data"]["feature_names"] = ["[" * 200, '\\"' + "{" * 200, '"]' * 100]

    document = loads(json.dumps(preset))

    assert document.feature_names[0] == "[" * 200


@pytest.mark.parametrize(
    ("layers", "loss"),
    [
        ([(4, "relu"), (2, "softmax")], "cross_entropy"),
        ([(3, "sigmoid")], "binary_cross_entropy"),
        ([(5, "tanh"), (4, "leaky_relu"), (1, "linear")], "mse"),
        ([(2, "linear"), (2, "relu"), (3, "sigmoid"), (2, "linear")], "half_sse"),
    ],
)
def test_steps_per_iteration_matches_trace(layers, loss):
    spec = NetworkSpec(3, tuple(Layer(units, activation) for units, activation in layers), loss)
    parameters = init_parameters(spec, "small", 1)
    inputs = np.ones((2, 3))
    targets = np.full((2, spec.outputs), 1.0 / spec.outputs)

    traced = trace_iteration(spec, parameters, inputs, targets, 0.1)

    assert steps_per_iteration(spec) == len(traced.steps)


# ---------------------------------------------------------------- export


def test_encode_numpy_values():
    assert encode(np.float64(0.1)) == 0.1
    assert type(encode(np.float64(0.1))) is float
    assert encode(np.float32(0.5)) == 0.5
    assert type(encode(np.int64(3))) is int
    assert encode(np.bool_(True)) is True
    assert encode(np.float64("nan")) == "NaN"
    assert encode(np.array([[1.0, np.inf], [-np.inf, np.nan]])) == [[1.0, "Infinity"], ["-Infinity", "NaN"]]
    assert encode(np.array(2.5)) == 2.5
    assert encode(np.arange(3)) == [0, 1, 2]
    assert encode((1, (2.0, None))) == [1, [2.0, None]]


@pytest.mark.parametrize("value", [{1, 2}, 1j, np.array([1j]), {1: "a"}, object()])
def test_encode_rejects_non_json(value):
    with pytest.raises(TypeError):
        encode(value)


def test_dumps_is_strict_json():
    text = dumps({"values": [math.nan, math.inf, -math.inf, np.float64("nan")], "array": np.array([np.nan, 1.0])})

    assert text.endswith("}\n")
    parsed = json.loads(text, parse_constant=lambda token: pytest.fail(f"bare {token} in output"))
    assert parsed == {"values": ["NaN", "Infinity", "-Infinity", "NaN"], "array": ["NaN", 1.0]}


def test_dumps_layout_same_for_lists_and_arrays():
    matrix = [[1.0, -2.5], [math.nan, 4.0], [0.1, 1e-300]]

    from_lists = dumps({"m": matrix, "t": [[[1.0, 2.0]], [[3.0, 4.0]]], "e": [[], []]})
    from_arrays = dumps({"m": np.array(matrix), "t": np.array([[[1.0, 2.0]], [[3.0, 4.0]]]), "e": np.empty((2, 0))})

    assert from_lists == from_arrays
    assert '  [1.0, -2.5],\n  ["NaN", 4.0],\n' in from_lists


def test_round_trip_is_byte_identical():
    session = tutorial_session()
    session["parameters"]["W1"] = [SPECIAL_FLOATS[:4], SPECIAL_FLOATS[4:8], [SPECIAL_FLOATS[8], 0.2, 0.3, 1 / 3]]
    session["history"]["loss"] = [0.1, math.nan, 2**0.5]
    session["trace"][0]["steps"][0]["value"] = np.array([[np.inf, 1e-300, 0.1, -0.0], [np.nan, 5e-324, 2.0, 3.0]])

    first = dumps(session)
    document = loads(first)
    second = dumps(document.to_dict())

    assert second == first
    assert dumps(loads(second).to_dict()) == second
    assert math.copysign(1.0, document.parameters["W1"][0, 3]) == -1.0
    assert document.parameters["W1"][1, 0] == 5e-324


def test_round_trip_through_a_file(tmp_path):
    path = tmp_path / "session.json"
    text = dumps(tutorial_session())

    write_atomic(path, text)

    assert path.read_bytes() == text.encode("utf-8")
    assert dumps(read(path).to_dict()) == text


def test_document_from_parts_builds_a_preset():
    preset = loads(json.dumps(TUTORIAL_PRESET))

    document = document_from_parts(
        spec=preset.spec,
        data_name=preset.data_name,
        inputs=preset.inputs,
        targets=preset.targets,
        training={"optimizer": "sgd", "learning_rate": 0.1},
    )

    assert list(document) == ["format", "version", "network", "data", "training"]
    assert document["training"]["seed"] == 0
    assert loads(dumps(document)).is_preset


def test_long_history_round_trips():
    spec = NetworkSpec.from_dict(TUTORIAL_PRESET["network"])
    parameters = init_parameters(spec, "small", 0)
    iterations = 100_000
    rng = np.random.default_rng(0)
    document = document_from_parts(
        spec=spec,
        data_name="tutorial",
        inputs=np.array(TUTORIAL_PRESET["data"]["inputs"], dtype=float),
        targets=np.array(TUTORIAL_PRESET["data"]["targets"], dtype=float),
        training=TUTORIAL_PRESET["training"],
        initial_parameters=parameters,
        parameters=parameters,
        cursor=(iterations + 1, 0),
        loss_history=rng.random(iterations + 1),
        gradient_norms=rng.random((iterations, spec.depth)),
    )

    # Its speed is measured by the session_io benchmark, not here.
    text = dumps(document)
    loaded = loads(text)
    assert loaded.loss_history.shape == (iterations + 1,)
    assert np.array_equal(loaded.loss_history, document["history"]["loss"])
    assert dumps(loaded.to_dict()) == text


# ---------------------------------------------------------------- atomic writes


def test_write_atomic_creates_file(tmp_path):
    path = tmp_path / "new.json"

    write_atomic(path, "{}\n")

    assert path.read_text(encoding="utf-8") == "{}\n"
    assert os.listdir(tmp_path) == ["new.json"]


def test_write_atomic_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "session.json"
    path.write_bytes(b"old contents\n")

    def fail_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session_file.os, "replace", fail_replace)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, "new contents\n")

    assert path.read_bytes() == b"old contents\n"
    assert os.listdir(tmp_path) == ["session.json"]


def test_write_atomic_write_fails_halfway(tmp_path, monkeypatch):
    path = tmp_path / "session.json"
    path.write_bytes(b"old contents\n")
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.stream.close()

        def write(self, data):
            self.stream.write(data[: len(data) // 2])
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(session_file.os, "fdopen", lambda *args: HalfWriter(real_fdopen(*args)))
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic(path, "new contents that are long enough to split\n")

    assert path.read_bytes() == b"old contents\n"
    assert os.listdir(tmp_path) == ["session.json"]


def test_write_atomic_fsync_fails(tmp_path, monkeypatch):
    path = tmp_path / "session.json"
    path.write_bytes(b"old contents\n")

    def fail_fsync(descriptor):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(session_file.os, "fsync", fail_fsync)
    with pytest.raises(OSError):
        write_atomic(path, "new\n")

    assert path.read_bytes() == b"old contents\n"
    assert os.listdir(tmp_path) == ["session.json"]


def test_write_atomic_unencodable_text(tmp_path):
    path = tmp_path / "session.json"
    path.write_bytes(b"old contents\n")

    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, '{"name": "\ud800"}\n')

    assert path.read_bytes() == b"old contents\n"
    assert os.listdir(tmp_path) == ["session.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_write_atomic_keeps_permission_bits(tmp_path):
    path = tmp_path / "session.json"
    path.write_bytes(b"old\n")
    path.chmod(0o640)

    write_atomic(path, "new\n")

    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text(encoding="utf-8") == "new\n"


# ---------------------------------------------------------------- file-level rejections


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "absent.json"

    with pytest.raises(SessionFileError) as info:
        read(path)

    assert str(info.value) == f"{path}: cannot read the file (No such file or directory)"


def test_folder_is_rejected(tmp_path):
    with pytest.raises(SessionFileError, match="cannot read the file"):
        read(tmp_path)


def test_oversize_file_rejected_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_text(json.dumps(TUTORIAL_PRESET), encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setattr(session_file, "MAX_FILE_BYTES", 100)

    def fail_open(*args, **kwargs):
        pytest.fail("the file was opened although it is above the limit")

    monkeypatch.setattr(session_file, "open", fail_open, raising=False)
    with pytest.raises(SessionFileError) as info:
        read(path)

    assert str(info.value) == f"{path}: the file is {size:,} bytes, above the limit of 100 bytes"


def test_oversize_text_rejected(monkeypatch):
    monkeypatch.setattr(session_file, "MAX_FILE_BYTES", 100)

    with pytest.raises(SessionFileError, match="above the limit of 100 bytes"):
        loads(json.dumps(TUTORIAL_PRESET).encode("utf-8"), source="big.json")


def test_non_utf8_bytes_name_the_offset():
    data = json.dumps(TUTORIAL_PRESET).encode("utf-8").replace(b'"tutorial"', b'"tut\xffrial"')
    offset = data.index(b"\xff")

    with pytest.raises(SessionFileError) as info:
        loads(data, source="latin.json")

    assert str(info.value) == (
        f"latin.json: not UTF-8 text: byte 0xff at byte offset {offset} is invalid (invalid start byte); "
        "save the file as UTF-8"
    )


def test_truncated_json_names_line_and_column():
    text = dumps(TUTORIAL_PRESET)
    truncated = text[: len(text) // 2]

    with pytest.raises(SessionFileError) as info:
        loads(truncated, source="cut.json")

    message = str(info.value)
    assert message.startswith("cut.json: invalid JSON at line ")
    assert ", column " in message
    assert "the file may be truncated" in message


def test_truncated_inside_string():
    with pytest.raises(SessionFileError) as info:
        loads('{"format": "gradstep.sess')

    assert str(info.value) == (
        "<string>: invalid JSON at line 1, column 12: Unterminated string "
        "(the text ends before the JSON does, so the file may be truncated)"
    )


def test_invalid_json_in_the_middle():
    with pytest.raises(SessionFileError) as info:
        loads('{\n "format": "gradstep.session",\n "version" 1\n}')

    assert str(info.value) == "<string>: invalid JSON at line 3, column 12: Expecting ':' delimiter"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "<string>: empty; expected a JSON object"),
        ("  \n", "<string>: empty; expected a JSON object"),
        ("[1, 2]", "<string>: expected a JSON object at the top level, got an array"),
        ('"text"', '<string>: expected a JSON object at the top level, got "text"'),
        ('{"a": NaN}', '<string>: invalid JSON: a bare NaN is not valid JSON; write it as the string "NaN"'),
        ('{"a": -Infinity}', '<string>: invalid JSON: a bare -Infinity is not valid JSON; write it as the string "-Infinity"'),
        ('{"a": 1e999}', "<string>: invalid JSON: the number 1e999 is outside the float64 range"),
        ('{"a": ' + "9" * 500 + "}", "<string>: invalid JSON: an integer has 500 digits, above the limit of 400"),
        ('{"version": 1, "version": 2}', '<string>: invalid JSON: the key "version" appears twice in one object'),
    ],
)
def test_file_level_rejections(text, expected):
    with pytest.raises(SessionFileError) as info:
        loads(text)

    assert str(info.value).startswith(expected)


def test_deep_nesting_is_rejected():
    with pytest.raises(SessionFileError) as info:
        loads("[" * 100_000, source="deep.json")

    assert str(info.value) == f"deep.json: arrays and objects nest deeper than {MAX_NESTING} levels at line 1, column 65"


def test_deep_object_nesting_is_rejected():
    text = '{"a": ' * 1000 + "1" + "}" * 1000

    with pytest.raises(SessionFileError, match="nest deeper than 64 levels"):
        loads(text)


def test_nesting_limit_is_exact():
    with pytest.raises(SessionFileError) as at_limit:
        loads("[" * MAX_NESTING + "]" * MAX_NESTING)
    with pytest.raises(SessionFileError) as above_limit:
        loads("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))

    assert "top level, got an array" in str(at_limit.value)
    assert "nest deeper than" in str(above_limit.value)


def test_recursion_error_becomes_session_file_error(monkeypatch):
    monkeypatch.setattr(session_file, "MAX_NESTING", 10**9)

    with pytest.raises(SessionFileError, match="nest too deeply"):
        loads("[" * 100_000 + "]" * 100_000)


def test_nested_trace_value_within_limit_loads():
    session = tutorial_session()
    jacobian = [[[1.0, 0.0], [0.0, 1.0]], [[0.5, -0.5], [-0.5, 0.5]]]
    session["trace"][0]["steps"][6]["value"] = jacobian

    document = loads(json.dumps(session))

    assert document.trace[0]["steps"][6]["value"].shape == (2, 2, 2)


# ---------------------------------------------------------------- field rejections


def _bce_with_target(document, value):
    document["network"]["layers"][1]["activation"] = "sigmoid"
    document["network"]["loss"] = "binary_cross_entropy"
    document["data"]["targets"][0][0] = value


def _rename_key(document, path, new_key):
    target = document
    for key in path[:-1]:
        target = target[key]
    target[new_key] = target.pop(path[-1])


def _preset_with_trace(document):
    for key in ("parameters", "cursor", "history"):
        del document[key]


S = "session"  # the mutation applies to the tutorial session
P = "preset"  # the mutation applies to the tutorial preset

REJECTIONS = [
    # format and version
    (P, lambda d: delete_path(d, ["format"]), 'format: missing; a Gradstep session or preset file contains "format": "gradstep.session"'),
    (P, lambda d: set_path(d, ["format"], "gradstep.preset"), 'format: expected "gradstep.session", got "gradstep.preset"'),
    (P, lambda d: delete_path(d, ["version"]), "version: missing; expected 1"),
    (P, lambda d: set_path(d, ["version"], 2), "version: this file is version 2; this Gradstep reads version 1"),
    (P, lambda d: set_path(d, ["version"], "1"), 'version: expected the integer 1, got "1"'),
    (P, lambda d: set_path(d, ["version"], 0), "version: expected the integer 1, got 0"),
    (P, lambda d: set_path(d, ["colour"], "red"), "colour: unknown field; expected one of format, version, network"),
    (P, lambda d: set_path(d, ["my field"], 1), '["my field"]: unknown field'),
    # network
    (P, lambda d: delete_path(d, ["network"]), "network: missing"),
    (P, lambda d: set_path(d, ["network"], "3-4-2"), 'network: expected an object, got "3-4-2"'),
    (P, lambda d: set_path(d, ["network", "depth"], 2), "network.depth: unknown field; expected one of inputs, layers, loss"),
    (P, lambda d: set_path(d, ["network", "inputs"], 0), "network.inputs: expected a positive integer, got 0"),
    (P, lambda d: set_path(d, ["network", "inputs"], "3"), 'network.inputs: expected a positive integer, got "3"'),
    (P, lambda d: delete_path(d, ["network", "inputs"]), "network.inputs: missing"),
    (P, lambda d: set_path(d, ["network", "layers", 1, "units"], "4x"), 'network.layers[1].units: expected a positive integer, got "4x"'),
    (P, lambda d: set_path(d, ["network", "layers", 0, "units"], 0), "network.layers[0].units: expected a positive integer, got 0"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "units"], 4.0), "network.layers[0].units: expected a positive integer, got 4.0"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "units"], True), "network.layers[0].units: expected a positive integer, got true"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "units"], None), "network.layers[0].units: expected a positive integer, got null"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "units"], 10**6), "network.layers[0].units: 1000000 is above the limit of 100000"),
    (P, lambda d: delete_path(d, ["network", "layers", 0, "units"]), "network.layers[0].units: missing"),
    (P, lambda d: set_path(d, ["network", "layers", 0], "relu"), 'network.layers[0]: expected an object, got "relu"'),
    (P, lambda d: set_path(d, ["network", "layers", 0, "dropout"], 0.5), "network.layers[0].dropout: unknown field; expected one of units, activation"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "activation"], "swish"), "network.layers[0].activation: unknown activation 'swish'"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "activation"], ["relu"]), "network.layers[0].activation: expected an activation name (a string), got an array"),
    (P, lambda d: delete_path(d, ["network", "layers", 1, "activation"]), "network.layers[1].activation: missing"),
    (P, lambda d: set_path(d, ["network", "layers", 0, "activation"], "softmax"), "network.layers[0].activation: softmax is only allowed on the output layer"),
    (P, lambda d: set_path(d, ["network", "layers"], {}), "network.layers: expected an array of layers, got an empty object"),
    (P, lambda d: set_path(d, ["network", "layers"], []), "network.layers: expected at least one layer, got none"),
    (P, lambda d: delete_path(d, ["network", "layers"]), "network.layers: missing"),
    (P, lambda d: set_path(d, ["network", "loss"], 7), "network.loss: expected a loss name (a string), got 7"),
    (P, lambda d: set_path(d, ["network", "loss"], "hinge"), "network.loss: unknown loss 'hinge'"),
    (P, lambda d: set_path(d, ["network", "loss"], "binary_cross_entropy"), "network.loss: binary_cross_entropy needs a sigmoid output layer, got softmax on layer 2"),
    (P, lambda d: delete_path(d, ["network", "loss"]), "network.loss: missing"),
    # network: the first bad field in document order wins
    (P, lambda d: (set_path(d, ["network", "inputs"], "x"), set_path(d, ["network", "layers", 1, "units"], "4x")), 'network.inputs: expected a positive integer, got "x"'),
    (P, lambda d: (set_path(d, ["network", "layers", 0, "activation"], "swish"), set_path(d, ["network", "layers", 1, "units"], "4x")), "network.layers[0].activation: unknown activation 'swish'"),
    (P, lambda d: (set_path(d, ["network", "layers", 0, "units"], "4x"), set_path(d, ["network", "loss"], 7)), 'network.layers[0].units: expected a positive integer, got "4x"'),
    (P, lambda d: (set_path(d, ["network", "loss"], 7), set_path(d, ["data", "inputs"], "x")), "network.loss: expected a loss name"),
    # data
    (P, lambda d: delete_path(d, ["data"]), "data: missing"),
    (P, lambda d: set_path(d, ["data"], []), "data: expected an object, got an empty array"),
    (P, lambda d: set_path(d, ["data", "name"], ""), 'data.name: expected a non-empty string, got ""'),
    (P, lambda d: set_path(d, ["data", "name"], 5), "data.name: expected a string, got 5"),
    (P, lambda d: set_path(d, ["data", "name"], "\ud800"), "data.name: contains an unpaired surrogate"),
    (P, lambda d: delete_path(d, ["data", "name"]), "data.name: missing"),
    (P, lambda d: set_path(d, ["data", "inputs", 1, 1], "abc"), 'data.inputs[1][1]: expected a finite number, got "abc"'),
    (P, lambda d: set_path(d, ["data", "inputs", 0, 2], "NaN"), 'data.inputs[0][2]: expected a finite number, got "NaN"'),
    (P, lambda d: set_path(d, ["data", "inputs", 0, 0], True), "data.inputs[0][0]: expected a finite number, got true"),
    (P, lambda d: set_path(d, ["data", "inputs", 0, 0], None), "data.inputs[0][0]: expected a finite number, got null"),
    (P, lambda d: set_path(d, ["data", "inputs", 0, 0], [1]), "data.inputs[0][0]: expected a finite number, got an array"),
    (P, lambda d: set_path(d, ["data", "inputs", 0, 0], 10**350), "data.inputs[0][0]: expected a number within the float64 range, got an integer of 351 digits"),
    (P, lambda d: set_path(d, ["data", "inputs", 1], [1, 2]), "data.inputs[1]: expected 3 numbers like data.inputs[0], got 2"),
    (P, lambda d: set_path(d, ["data", "inputs", 1], 7), "data.inputs[1]: expected an array of numbers, got 7"),
    (P, lambda d: set_path(d, ["data", "inputs"], []), "data.inputs: expected a non-empty array of rows, got an empty array"),
    (P, lambda d: set_path(d, ["data", "inputs"], [1, 2, 3]), "data.inputs[0]: expected an array of numbers, got 1"),
    (P, lambda d: set_path(d, ["data", "inputs"], [[1, 2], [3, 4]]), "data.inputs: expected rows of 3 values, got shape (2, 2)"),
    (P, lambda d: delete_path(d, ["data", "inputs"]), "data.inputs: missing"),
    (P, lambda d: set_path(d, ["data", "targets", 1, 0], "1"), 'data.targets[1][0]: expected a finite number, got "1"'),
    (P, lambda d: set_path(d, ["data", "targets"], [[1, 0, 0], [0, 1, 0]]), "data.targets: expected rows of 2 values for 2 output units, got shape (2, 3)"),
    (P, lambda d: set_path(d, ["data", "targets"], [[1, 0], [0, 1], [1, 0]]), "data: 2 input rows but 3 target rows"),
    (P, lambda d: set_path(d, ["data", "targets", 0], [0.5, 0.6]), "data.targets[0]: cross_entropy needs each target row to sum to 1"),
    (P, lambda d: set_path(d, ["data", "targets", 0], [1.5, -0.5]), "data.targets[0][0]: cross_entropy needs targets in [0, 1]"),
    (P, lambda d: _bce_with_target(d, 1.5), "data.targets[0][0]: binary_cross_entropy needs targets in [0, 1]"),
    (P, lambda d: set_path(d, ["data", "feature_names"], ["a", "b"]), "data.feature_names: expected 3 names, one per input, got 2"),
    (P, lambda d: set_path(d, ["data", "feature_names"], ["a", 2, "c"]), "data.feature_names[1]: expected a string, got 2"),
    (P, lambda d: set_path(d, ["data", "target_names"], "yes,no"), 'data.target_names: expected an array of 2 strings, got "yes,no"'),
    (P, lambda d: set_path(d, ["data", "standardization"], {"mean": [0, 0, 0], "std": [1, 0, 1]}), "data.standardization.std[1]: expected a positive number, got 0.0"),
    (P, lambda d: set_path(d, ["data", "standardization"], {"std": [1, 1, 1]}), "data.standardization.mean: missing"),
    (P, lambda d: set_path(d, ["data", "standardization"], {"mean": [0, 0], "std": [1, 1, 1]}), "data.standardization.mean: expected 3 numbers, one per input, got shape (2,)"),
    (P, lambda d: set_path(d, ["data", "standardization"], {"mean": [0, "NaN", 0], "std": [1, 1, 1]}), 'data.standardization.mean[1]: expected a finite number, got "NaN"'),
    (P, lambda d: set_path(d, ["data", "standardization"], 1), "data.standardization: expected an object, got 1"),
    (P, lambda d: set_path(d, ["data", "source"], "web"), "data.source: unknown field"),
    # training
    (P, lambda d: delete_path(d, ["training"]), "training: missing"),
    (P, lambda d: set_path(d, ["training", "optimizer"], "adam"), 'training.optimizer: expected one of sgd, got "adam"'),
    (P, lambda d: delete_path(d, ["training", "optimizer"]), "training.optimizer: missing"),
    (P, lambda d: set_path(d, ["training", "learning_rate"], -0.1), "training.learning_rate: expected a positive finite number, got -0.1"),
    (P, lambda d: set_path(d, ["training", "learning_rate"], -1), "training.learning_rate: expected a positive finite number, got -1"),
    (P, lambda d: set_path(d, ["training", "learning_rate"], 0), "training.learning_rate: expected a positive finite number, got 0"),
    (P, lambda d: set_path(d, ["training", "learning_rate"], "NaN"), 'training.learning_rate: expected a positive finite number, got "NaN"'),
    (P, lambda d: set_path(d, ["training", "learning_rate"], "Infinity"), 'training.learning_rate: expected a positive finite number, got "Infinity"'),
    (P, lambda d: set_path(d, ["training", "learning_rate"], "0.1"), 'training.learning_rate: expected a positive finite number, got "0.1"'),
    (P, lambda d: set_path(d, ["training", "learning_rate"], True), "training.learning_rate: expected a positive finite number, got true"),
    (P, lambda d: set_path(d, ["training", "learning_rate"], 10**350), "training.learning_rate: expected a positive finite number, got an integer of 351 digits"),
    (P, lambda d: delete_path(d, ["training", "learning_rate"]), "training.learning_rate: missing"),
    (P, lambda d: _rename_key(d, ["training", "learning_rate"], "learning_rat"), "training.learning_rat: unknown field; expected one of optimizer, learning_rate"),
    (P, lambda d: set_path(d, ["training", "batch_size"], 0), "training.batch_size: expected null or a positive integer, got 0"),
    (P, lambda d: set_path(d, ["training", "batch_size"], 1.5), "training.batch_size: expected null or a positive integer, got 1.5"),
    (P, lambda d: set_path(d, ["training", "batch_size"], 3), "training.batch_size: expected at most 2 (the number of samples), got 3"),
    (P, lambda d: set_path(d, ["training", "seed"], -1), "training.seed: expected an integer >= 0, got -1"),
    (P, lambda d: set_path(d, ["training", "seed"], "435"), 'training.seed: expected an integer >= 0, got "435"'),
    (P, lambda d: set_path(d, ["training", "shuffle"], "yes"), 'training.shuffle: expected true or false, got "yes"'),
    (P, lambda d: set_path(d, ["training", "shuffle"], 1), "training.shuffle: expected true or false, got 1"),
    (P, lambda d: set_path(d, ["training", "initialization"], "xavier"), 'training.initialization: expected one of small, glorot, he, got "xavier"'),
    # initial parameters
    (P, lambda d: set_path(d, ["initial_parameters", "W2"], [[0, 0]] * 3), "initial_parameters.W2: expected shape (4, 2), got (3, 2)"),
    (P, lambda d: set_path(d, ["initial_parameters", "b1"], [0, 0, 0]), "initial_parameters.b1: expected shape (4,), got (3,)"),
    (P, lambda d: delete_path(d, ["initial_parameters", "W1"]), "initial_parameters.W1: missing"),
    (P, lambda d: set_path(d, ["initial_parameters", "W3"], [[0]]), "initial_parameters.W3: not a parameter of this network (expected W1, b1, W2, b2)"),
    (P, lambda d: set_path(d, ["initial_parameters", "W1", 0, 0], "NaN"), 'initial_parameters.W1[0][0]: expected a finite number, got "NaN"'),
    (P, lambda d: set_path(d, ["initial_parameters", "W1"], "zeros"), 'initial_parameters.W1: expected an array of numbers, got "zeros"'),
    (P, lambda d: set_path(d, ["initial_parameters", "W1", 2], [0, 0]), "initial_parameters.W1[2]: expected 4 numbers like initial_parameters.W1[0], got 2"),
    (P, lambda d: set_path(d, ["initial_parameters"], [1, 2]), "initial_parameters: expected an object of arrays by parameter name, got an array"),
    (S, lambda d: delete_path(d, ["initial_parameters"]), "initial_parameters: missing; a session file needs the parameters it started from"),
    # parameters
    (S, lambda d: set_path(d, ["parameters", "W2"], [[0, 0]] * 3), "parameters.W2: expected shape (4, 2), got (3, 2)"),
    (S, lambda d: set_path(d, ["parameters", "W1", 0, 1], "abc"), 'parameters.W1[0][1]: expected a number or "NaN", "Infinity", "-Infinity", got "abc"'),
    (S, lambda d: set_path(d, ["parameters", "W1", 0, 1], "nan"), 'parameters.W1[0][1]: expected a number or "NaN", "Infinity", "-Infinity", got "nan"'),
    (S, lambda d: set_path(d, ["parameters", "b2"], {"0": 1}), "parameters.b2: expected an array of numbers, got an object"),
    (S, lambda d: delete_path(d, ["parameters"]), "parameters: missing; a session file has parameters, cursor and history, and a preset has none of them"),
    (S, _preset_with_trace, "parameters: missing; a session file has parameters, cursor and history"),
    # cursor
    (S, lambda d: delete_path(d, ["cursor"]), "cursor: missing; a session file has parameters, cursor and history"),
    (S, lambda d: set_path(d, ["cursor"], [3, 7]), "cursor: expected an object, got an array"),
    (S, lambda d: set_path(d, ["cursor", "iteration"], 0), "cursor.iteration: expected a positive integer, got 0"),
    (S, lambda d: set_path(d, ["cursor", "step"], 20), "cursor.step: expected an integer from 0 to 19 (the steps of one iteration), got 20"),
    (S, lambda d: set_path(d, ["cursor", "step"], -1), "cursor.step: expected an integer from 0 to 19 (the steps of one iteration), got -1"),
    (S, lambda d: delete_path(d, ["cursor", "step"]), "cursor.step: missing"),
    # history
    (S, lambda d: delete_path(d, ["history"]), "history: missing; a session file has parameters, cursor and history"),
    (S, lambda d: d["history"]["loss"].append(0.5), "history.loss: expected 3 values, one per finished iteration plus one (the cursor is at iteration 3), got 4"),
    (S, lambda d: set_path(d, ["cursor", "iteration"], 4), "history.loss: expected 4 values, one per finished iteration plus one (the cursor is at iteration 4), got 3"),
    (S, lambda d: set_path(d, ["history", "loss", 1], "abc"), 'history.loss[1]: expected a number or "NaN", "Infinity", "-Infinity", got "abc"'),
    (S, lambda d: set_path(d, ["history", "loss"], 0.5), "history.loss: expected an array of numbers, got 0.5"),
    (S, lambda d: set_path(d, ["history", "loss"], [[0.5], [0.4], [0.3]]), 'history.loss[0]: expected a number or "NaN", "Infinity", "-Infinity", got an array'),
    (S, lambda d: d["history"]["gradient_norms"].pop(), "history.gradient_norms: expected shape (2, 2) (one row per finished iteration, one column per layer), got (1, 2)"),
    (S, lambda d: set_path(d, ["history", "gradient_norms", 0], [1.0]), "history.gradient_norms[1]: expected 1 number like history.gradient_norms[0], got 2"),
    (S, lambda d: set_path(d, ["history", "gradient_norms", 0, 1], -1.0), "history.gradient_norms[0][1]: expected a norm >= 0, got -1.0"),
    (S, lambda d: delete_path(d, ["history", "gradient_norms"]), "history.gradient_norms: missing"),
    (S, lambda d: set_path(d, ["history", "learning_rates", 1, "iteration"], 1), "history.learning_rates[1].iteration: expected an iteration after 1, as changes are listed in order, got 1"),
    (S, lambda d: set_path(d, ["history", "learning_rates", 0, "learning_rate"], 0), "history.learning_rates[0].learning_rate: expected a positive finite number, got 0"),
    (S, lambda d: set_path(d, ["history", "learning_rates", 0], 0.1), "history.learning_rates[0]: expected an object, got 0.1"),
    (S, lambda d: set_path(d, ["history", "learning_rates"], {}), "history.learning_rates: expected an array of changes, got an empty object"),
    # trace
    (S, lambda d: set_path(d, ["trace"], {}), "trace: expected an array of iterations, got an empty object"),
    (S, lambda d: set_path(d, ["trace", 0, "iteration"], 2), "trace[1].iteration: expected an iteration after 2, as iterations are listed in order, got 2"),
    (S, lambda d: set_path(d, ["trace", 2, "iteration"], 4), "trace[2].iteration: expected at most 3 (the cursor's iteration), got 4"),
    (S, lambda d: set_path(d, ["trace", 0, "rows"], [0, 0]), "trace[0].rows[1]: sample 0 appears twice in one batch"),
    (S, lambda d: set_path(d, ["trace", 0, "rows"], [5]), "trace[0].rows[0]: expected a sample index from 0 to 1, got 5"),
    (S, lambda d: set_path(d, ["trace", 0, "rows"], []), "trace[0].rows: expected a non-empty array of sample indices, got an empty array"),
    (S, lambda d: delete_path(d, ["trace", 0, "steps"]), "trace[0].steps: missing"),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 2, "index"], 7), "trace[0].steps[2].index: expected 3, as steps are numbered from 1 in order, got 7"),
    (S, lambda d: d["trace"][0]["steps"].append(dict(d["trace"][0]["steps"][-1], index=20)), "trace[0].steps[19].index: one iteration of this network has 19 steps, got step 20"),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "phase"], "sideways"), 'trace[0].steps[0].phase: expected one of forward, loss, backward, update, got "sideways"'),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "layer"], 3), "trace[0].steps[0].layer: expected null or a layer number from 1 to 2, got 3"),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "symbol"], ""), 'trace[0].steps[0].symbol: expected a non-empty string, got ""'),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "formula"], None), "trace[0].steps[0].formula: expected a string, got null"),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "value"], "abc"), 'trace[0].steps[0].value: expected a number or "NaN", "Infinity", "-Infinity", got "abc"'),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "value", 1], [1.0, 2.0, 3.0]), "trace[0].steps[0].value[1]: expected 4 numbers like trace[0].steps[0].value[0], got 3"),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "value", 1], [[1.0]] * 4), "trace[0].steps[0].value[1]: expected shape (4,) like trace[0].steps[0].value[0], got (4, 1)"),
    (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "key"], "z1"), "trace[0].steps[0].key: unknown field; expected one of index, phase, layer, symbol, formula, value"),
]


@pytest.mark.parametrize(
    ("base", "mutate", "expected"),
    REJECTIONS,
    ids=[f"{index}-{expected.split(':')[0]}" for index, (_, _, expected) in enumerate(REJECTIONS)],
)
def test_rejection_names_first_bad_field(base, mutate, expected):
    document = tutorial_session() if base == S else copy.deepcopy(TUTORIAL_PRESET)
    mutate(document)

    message = rejection(document)

    assert message.startswith(expected)
    assert "\n" not in message


# ---------------------------------------------------------------- random mutations

JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**399),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "", "4x", "relu", "sgd", "\ud800"]),
    st.text(max_size=8),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3)), max_size=4),
    st.lists(st.lists(st.floats(allow_nan=False), min_size=1, max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
)


def _node_paths(value, path=()):
    """Return the path of every node under value, containers and leaves alike."""
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += _node_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _node_paths(item, path + (index,))
    return paths


MUTATION_BASES = {"preset": encode(TUTORIAL_PRESET), "session": tutorial_session()}
# The trace's step values contain most of the session's nodes, and one traced step per
# iteration is enough to reach every kind of field.
for _entry in MUTATION_BASES["session"]["trace"]:
    _entry["steps"] = _entry["steps"][:1]
MUTATION_PATHS = {name: _node_paths(base)[1:] for name, base in MUTATION_BASES.items()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_mutation_loads_or_raises(data):
    base = data.draw(st.sampled_from(sorted(MUTATION_BASES)))
    document = copy.deepcopy(MUTATION_BASES[base])
    path = data.draw(st.sampled_from(MUTATION_PATHS[base]))
    if data.draw(st.booleans()):
        set_path(document, path, data.draw(JSON_VALUES))
    else:
        delete_path(document, path)
    text = dumps(document)

    for source in (text, text.encode("utf-8", "surrogatepass")):
        try:
            result = loads(source)
        except SessionFileError as error:
            assert "\n" not in str(error)
        else:
            assert isinstance(result, SessionDocument)
            assert dumps(loads(dumps(result.to_dict())).to_dict()) == dumps(result.to_dict())


# ---------------------------------------------------------------- JSON Schema


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", ["preset", "session", "asset"])
def test_written_documents_match_schema(name):
    if name == "preset":
        text = dumps(loads(json.dumps(TUTORIAL_PRESET)).to_dict())
    elif name == "session":
        text = dumps(loads(dumps(tutorial_session())).to_dict())
    else:
        text = (ASSETS / "presets" / "tutorial.json").read_text(encoding="utf-8")

    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(text))


def test_schema_accepts_diverged_session():
    session = tutorial_session()
    session["parameters"]["W1"][0][0] = "NaN"
    session["history"]["loss"][1] = "Infinity"

    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(dumps(session)))


@pytest.mark.parametrize(
    ("base", "mutate"),
    [
        (P, lambda d: set_path(d, ["format"], "other")),
        (P, lambda d: set_path(d, ["version"], 2)),
        (P, lambda d: set_path(d, ["network", "layers", 1, "units"], "4x")),
        (P, lambda d: set_path(d, ["data", "inputs", 0, 0], "NaN")),
        (P, lambda d: set_path(d, ["training", "learning_rate"], 0)),
        (P, lambda d: set_path(d, ["training", "colour"], "red")),
        (P, lambda d: set_path(d, ["initial_parameters", "W1", 0, 0], "Infinity")),
        (S, lambda d: delete_path(d, ["cursor"])),
        (S, lambda d: set_path(d, ["parameters", "W1", 0, 0], "nan")),
        (S, lambda d: set_path(d, ["trace", 0, "steps", 0, "phase"], "sideways")),
    ],
)
def test_schema_rejects_broken_documents(base, mutate):
    document = tutorial_session() if base == S else copy.deepcopy(TUTORIAL_PRESET)
    mutate(document)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(document)


def test_module_constants():
    assert FORMAT == "gradstep.session"
    assert VERSION == 1
    assert session_file.MAX_FILE_BYTES == 200 * 1024 * 1024
    assert MAX_NESTING == 64
