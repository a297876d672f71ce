"""Session and preset files: strict JSON export, validated import and atomic writes.

A session file (format "gradstep.session", version 1) stores the network, the data, the
training settings, the parameters, the cursor, the loss history and the step trace. A
preset is a session file without ``parameters``, ``cursor``, ``history`` and ``trace``.
``loads`` and ``read`` validate everything and raise ``SessionFileError`` with one line
that names the first bad field by its JSON path; ``assets/session.schema.json`` documents
every field.

NaN and ±infinity are written as the strings "NaN", "Infinity" and "-Infinity", and floats
with ``repr`` precision, so export → import → export is byte-identical.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import SessionFileError, SpecError
from engine.network import Layer, NetworkSpec, check_batch, check_parameters, check_targets
from engine.network import INITIALIZATIONS
from engine.steps import PHASES

logger = logging.getLogger(__name__)

FORMAT = "gradstep.session"
VERSION = 1
MAX_FILE_BYTES = 200 * 1024 * 1024
# The deepest nesting a valid file has is 8 (document, trace, entry, steps, step, and a
# per-sample softmax Jacobian of 3 dimensions), so 64 leaves room for later fields.
MAX_NESTING = 64
# Every integer within the float64 range has at most 309 digits. The limit also keeps
# Python's int parsing, which is quadratic in the digit count, fast.
MAX_INTEGER_DIGITS = 400

OPTIMIZERS = ("sgd",)
NONFINITE_STRINGS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

TOP_LEVEL_FIELDS = (
    "format", "version", "network", "data", "training",
    "initial_parameters", "parameters", "cursor", "history", "trace",
)
SESSION_FIELDS = ("parameters", "cursor", "history", "trace")
NETWORK_FIELDS = ("inputs", "layers", "loss")
LAYER_FIELDS = ("units", "activation")
DATA_FIELDS = ("name", "inputs", "targets", "feature_names", "target_names", "standardization")
STANDARDIZATION_FIELDS = ("mean", "std")
TRAINING_FIELDS = ("optimizer", "learning_rate", "batch_size", "seed", "shuffle", "initialization")
TRAINING_DEFAULTS = {"batch_size": None, "seed": 0, "shuffle": True, "initialization": "small"}
CURSOR_FIELDS = ("iteration", "step")
HISTORY_FIELDS = ("loss", "gradient_norms", "learning_rates")
LEARNING_RATE_CHANGE_FIELDS = ("iteration", "learning_rate")
TRACE_ENTRY_FIELDS = ("iteration", "rows", "steps")
STEP_FIELDS = ("index", "phase", "layer", "symbol", "formula", "value")


def steps_per_iteration(spec: NetworkSpec) -> int:
    """Return the number of steps one training iteration of spec shows.

    Per layer: z and a forward, then ∂L/∂W, ∂L/∂b, ∂a/∂z, ∂L/∂z and the ∂L/∂a that feeds
    it backward (the output layer's comes from the loss), then the W and b updates: 9 per
    layer, plus the loss itself.
    """
    # NOTE: this mirrors the order of engine/iteration.py. A test compares it with the
    # length of a traced iteration for several networks.
    return 9 * spec.depth + 1


# ---------------------------------------------------------------- the document


@dataclass(frozen=True, eq=False)
class SessionDocument:
    """A validated session or preset file, with read-only float64 arrays.

    Copy an array before training on it. Equality is identity, because comparing arrays
    element by element has no single truth value.
    """

    spec: NetworkSpec
    data_name: str
    inputs: np.ndarray  # (m, n_in)
    targets: np.ndarray  # (m, n_out)
    feature_names: tuple[str, ...] | None  # length n_in
    target_names: tuple[str, ...] | None  # length n_out
    standardization: tuple[np.ndarray, np.ndarray] | None  # (mean, std), each (n_in,)
    training: dict  # every key of TRAINING_FIELDS, defaults filled in
    initial_parameters: dict[str, np.ndarray] | None  # None in a preset that omits them
    parameters: dict[str, np.ndarray] | None  # None in a preset
    cursor: tuple[int, int] | None  # (iteration in progress, steps taken in it)
    loss_history: np.ndarray | None  # (k,) for cursor (k, s): the loss after 0 … k−1 updates
    gradient_norms: np.ndarray | None  # (k − 1, depth): Frobenius norm of ∂L/∂W_l per iteration
    learning_rates: tuple[tuple[int, float], ...]  # (first iteration, learning rate) per change
    trace: list[dict] | None  # entries {"iteration", "rows", "steps"}, with step values as arrays

    @property
    def is_preset(self) -> bool:
        return self.parameters is None

    def to_dict(self) -> dict:
        """Return the document as ``dumps`` takes it, with fields in the canonical order."""
        return document_from_parts(
            spec=self.spec,
            data_name=self.data_name,
            inputs=self.inputs,
            targets=self.targets,
            feature_names=self.feature_names,
            target_names=self.target_names,
            standardization=self.standardization,
            training=self.training,
            initial_parameters=self.initial_parameters,
            parameters=self.parameters,
            cursor=self.cursor,
            loss_history=self.loss_history,
            gradient_norms=self.gradient_norms,
            learning_rates=self.learning_rates,
            trace=self.trace,
        )


def document_from_parts(
    *,
    spec: NetworkSpec,
    data_name: str,
    inputs,
    targets,
    training: dict,
    feature_names=None,
    target_names=None,
    standardization=None,
    initial_parameters: dict | None = None,
    parameters: dict | None = None,
    cursor: tuple[int, int] | None = None,
    loss_history=None,
    gradient_norms=None,
    learning_rates=(),
    trace: list[dict] | None = None,
) -> dict:
    """Build a session document (a preset when parameters is None) in the canonical field order.

    Optional fields that are None are left out, except ``training.batch_size``, whose null
    means full batch. Arrays stay NumPy arrays, which ``dumps`` encodes.
    """
    data = {"name": data_name, "inputs": inputs, "targets": targets}
    if feature_names is not None:
        data["feature_names"] = list(feature_names)
    if target_names is not None:
        data["target_names"] = list(target_names)
    if standardization is not None:
        mean, std = standardization
        data["standardization"] = {"mean": mean, "std": std}

    known_training = {key: training.get(key, TRAINING_DEFAULTS.get(key)) for key in TRAINING_FIELDS}
    # Unknown keys are kept so that a typo fails loudly on import instead of vanishing.
    extra_training = {key: value for key, value in training.items() if key not in TRAINING_FIELDS}

    document = {
        "format": FORMAT,
        "version": VERSION,
        "network": spec.to_dict(),
        "data": data,
        "training": known_training | extra_training,
    }
    if initial_parameters is not None:
        document["initial_parameters"] = dict(initial_parameters)
    if parameters is not None:
        document["parameters"] = dict(parameters)
    if cursor is not None:
        iteration, step = cursor
        document["cursor"] = {"iteration": iteration, "step": step}
    if loss_history is not None or gradient_norms is not None or learning_rates:
        document["history"] = {
            "loss": loss_history,
            "gradient_norms": gradient_norms,
            "learning_rates": [
                {"iteration": iteration, "learning_rate": rate} for iteration, rate in learning_rates
            ],
        }
    if trace is not None:
        document["trace"] = [
            {
                "iteration": entry["iteration"],
                "rows": entry["rows"],
                "steps": [{key: step[key] for key in STEP_FIELDS} for step in entry["steps"]],
            }
            for entry in trace
        ]
    return document


# ---------------------------------------------------------------- export


def encode(value):
    """Convert value to plain JSON-ready Python objects.

    NumPy arrays become nested lists, NumPy scalars become int, float or bool, tuples
    become lists, and non-finite floats become "NaN", "Infinity" or "-Infinity".
    Raises TypeError for anything else JSON can't hold (a set, a complex number, a
    non-string dict key).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _encode_float(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if isinstance(value, dict):
        encoded = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"cannot encode a dict key of type {type(key).__name__}: JSON keys are strings")
            encoded[key] = encode(item)
        return encoded
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    raise TypeError(f"cannot encode a value of type {type(value).__name__} as JSON")


def _encode_float(value: float):
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _encode_array(array: np.ndarray):
    kind = array.dtype.kind
    if kind == "f":
        if np.isfinite(array).all():
            return array.tolist()
        objects = array.astype(object)
        objects[np.isnan(array)] = "NaN"
        objects[np.isposinf(array)] = "Infinity"
        objects[np.isneginf(array)] = "-Infinity"
        return objects.tolist()
    if kind in "biuU":
        return array.tolist()
    if kind == "O":
        return encode(array.tolist())
    raise TypeError(f"cannot encode an array of dtype {array.dtype} as JSON")


# Reused so that small containers don't pay for building an encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def check_size(text: str) -> None:
    """Raise ``SessionFileError`` when text would make a file that ``read`` refuses as too large."""
    size = len(text.encode("utf-8")) if len(text) * 4 > MAX_FILE_BYTES else len(text)
    if size > MAX_FILE_BYTES:
        raise SessionFileError(
            f"the session would be a file of {size:,} bytes, above the limit of {MAX_FILE_BYTES:,} bytes "
            "that Gradstep can open; save it with fewer traced steps (trace last or none)"
        )


def dumps(document: dict) -> str:
    """Return the strict JSON text of document, ending with a newline.

    document may contain plain values, NumPy arrays and NumPy scalars (see ``encode``).
    A list or object that contains no list or object is written on one line. Any other
    container puts each item on its own line, indented one space per level. Keys keep
    their insertion order.
    """
    parts: list[str] = []
    _layout(document, 0, parts)
    parts.append("\n")
    return "".join(parts)


def _layout(value, level: int, parts: list[str]) -> None:
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype.kind in "biuf":
        parts.append(_matrix_text(value, level))
        return
    if not _is_container(value) or _is_flat(value):
        parts.append(_ENCODER.encode(encode(value)))
        return

    indent = "\n" + " " * (level + 1)
    if isinstance(value, dict):
        parts.append("{")
        for position, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"cannot encode a dict key of type {type(key).__name__}: JSON keys are strings")
            parts.append(("," if position else "") + indent + _ENCODER.encode(key) + ": ")
            _layout(item, level + 1, parts)
        parts.append("\n" + " " * level + "}")
    else:
        parts.append("[")
        for position, item in enumerate(value):
            parts.append(("," if position else "") + indent)
            _layout(item, level + 1, parts)
        parts.append("\n" + " " * level + "]")


def _is_container(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return isinstance(value, (list, tuple, dict))


def _is_flat(container) -> bool:
    if isinstance(container, np.ndarray):
        return container.ndim == 1
    items = container.values() if isinstance(container, dict) else container
    return not any(_is_container(item) for item in items)


def _matrix_text(matrix: np.ndarray, level: int) -> str:
    """Return a 2-D numeric array in the layout ``_layout`` gives nested lists, one row a line.

    One encoder call writes all rows, which is much faster than one call per row. The
    split at "], [" is safe because the row text contains only numbers and the three
    non-finite strings, none of which contains a bracket.
    """
    if matrix.shape[0] == 0:
        return "[]"
    rows = _ENCODER.encode(_encode_array(matrix))[1:-1]
    indent = "\n" + " " * (level + 1)
    return "[" + indent + rows.replace("], [", "]," + indent + "[") + "\n" + " " * level + "]"


def write_atomic(path, text: str) -> None:
    """Write text as UTF-8 to path through a temporary file in the same folder and a rename.

    The temporary file is flushed and fsynced before ``os.replace``, so path contains
    either its old bytes or all the new ones. On any failure the temporary file is
    removed and an ``OSError`` naming path is raised. A file that already exists keeps its
    permission bits; a symbolic link is followed, so the file it points to is replaced;
    anything else that is not a regular file (a folder, a device, a pipe) is refused.
    """
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise IsADirectoryError(errno.EISDIR, f"cannot write {str(path)!r}: expected a file name")
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():
        raise OSError(errno.EINVAL, f"cannot write {path}: it is a folder or a special file, not a regular file")
    data = text.encode("utf-8")
    # A short name, so a long but valid target name still leaves room for it.
    temporary = path.with_name(f".gradstep-{os.urandom(6).hex()}.tmp")
    try:
        # O_EXCL: never write through a file or link that someone else put at that name.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as error:
        raise type(error)(error.errno, f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError):
            raise type(error)(error.errno, f"cannot write {path}: {error.strerror or error}") from None
        raise
    _fsync_directory(path.parent)


def _fsync_directory(folder: Path) -> None:
    """Make the rename durable where the platform allows it (POSIX can fsync a folder, Windows can't)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as error:
        logger.debug("cannot open %s to fsync it: %s", folder, error)
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        logger.debug("fsync of folder %s failed: %s", folder, error)
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------- import: text and JSON


def read(path) -> SessionDocument:
    """Read and validate the session or preset file at path.

    The size is checked before the file is read. Raises SessionFileError for a missing or
    unreadable file, a file above MAX_FILE_BYTES and any invalid content.
    """
    path = Path(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise SessionFileError(_size_message(str(path), size))
        with open(path, "rb") as stream:
            # One byte more than the limit shows a file that grew after the size check.
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise SessionFileError(f"{path}: cannot read the file ({error.strerror or error})") from None
    if len(data) > MAX_FILE_BYTES:
        raise SessionFileError(_size_message(str(path), len(data)))
    return loads(data, source=str(path))


def loads(text: str | bytes, source: str = "<string>") -> SessionDocument:
    """Parse and validate a session or preset from JSON text (str, or UTF-8 bytes).

    source names the text in file-level messages (invalid UTF-8, invalid JSON, too large,
    nested too deeply). Messages about a field start with its JSON path instead.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if len(data) > MAX_FILE_BYTES:
            raise SessionFileError(_size_message(source, len(data)))
        text = _decode_utf8(data, source)
    elif len(text) > MAX_FILE_BYTES:
        raise SessionFileError(_size_message(source, len(text), unit="characters"))

    # Editors on Windows may start UTF-8 files with a byte order mark, which json.loads rejects.
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise SessionFileError(f"{source}: empty; expected a JSON object")
    _check_nesting(text, source)
    return _validate(_parse_json(text, source), source)


def _size_message(source: str, size: int, unit: str = "bytes") -> str:
    return f"{source}: the file is {size:,} {unit}, above the limit of {MAX_FILE_BYTES:,} bytes"


def _decode_utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise SessionFileError(
            f"{source}: not UTF-8 text: byte 0x{byte:02x} at byte offset {error.start} is invalid "
            f"({error.reason}); save the file as UTF-8"
        ) from None


# A JSON string (skipped, so brackets inside it don't count) or one bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
# Every byte except the brackets and the quote, for bytes.translate to delete.
_NOT_STRUCTURE = bytes(code for code in range(256) if code not in b'[]{}"')


def _check_nesting(text: str, source: str) -> None:
    """Raise SessionFileError if arrays and objects nest deeper than MAX_NESTING.

    This runs before ``json.loads``, so the parser's recursion stays shallow whatever the
    input. A vectorized pass over the brackets and quotes finds the maximum depth; only
    text that fails it is scanned again, slowly, to report the position.
    """
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return
    data = text.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        # Drop every escape pair first, so that an escaped quote never reads as a quote.
        data = _ESCAPE.sub(b"", data)
    # Two adjacent quotes are an empty string, or the end of one string and the start of
    # the next with no bracket between. Removing them leaves every other byte on the same
    # side of a string boundary, and most strings contain no bracket.
    skeleton = np.frombuffer(data.translate(None, _NOT_STRUCTURE).replace(b'""', b""), dtype=np.uint8)
    outside_strings = (np.cumsum(skeleton == ord('"'), dtype=np.int64) & 1) == 0
    opens = (skeleton == ord("[")) | (skeleton == ord("{"))
    closes = (skeleton == ord("]")) | (skeleton == ord("}"))
    change = (opens.astype(np.int32) - closes) * outside_strings
    if skeleton.size == 0 or np.cumsum(change, dtype=np.int64).max() <= MAX_NESTING:
        return

    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        character = text[match.start()]
        if character in "[{":
            depth += 1
            if depth > MAX_NESTING:
                line, column = _line_and_column(text, match.start())
                raise SessionFileError(
                    f"{source}: arrays and objects nest deeper than {MAX_NESTING} levels "
                    f"at line {line}, column {column}"
                )
        elif character in "]}":
            depth -= 1


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return line, column


class _ParseProblem(Exception):
    """A problem found by the parser hooks below, which ``_parse_json`` turns into a SessionFileError."""


def _parse_float(token: str) -> float:
    value = float(token)
    if math.isfinite(value):
        return value
    raise _ParseProblem(
        f"the number {token} is outside the float64 range; "
        'write an infinite value as the string "Infinity" or "-Infinity"'
    )


def _parse_int(token: str) -> int:
    digits = len(token.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise _ParseProblem(f"an integer has {digits:,} digits, above the limit of {MAX_INTEGER_DIGITS}")
    return int(token)


def _parse_constant(token: str):
    raise _ParseProblem(f'a bare {token} is not valid JSON; write it as the string "{token}"')


def _object_from_pairs(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _ParseProblem(f"the key {_quote(key)} appears twice in one object")
            seen.add(key)
    return result


def _parse_json(text: str, source: str):
    try:
        return json.loads(
            text,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
            object_pairs_hook=_object_from_pairs,
        )
    except _ParseProblem as problem:
        raise SessionFileError(f"{source}: invalid JSON: {problem}") from None
    except json.JSONDecodeError as error:
        hint = ""
        # json reports "Unterminated string starting at", whose position is the line and column.
        detail = error.msg.removesuffix(" starting at")
        if error.pos >= len(text.rstrip()) or detail == "Unterminated string":
            hint = " (the text ends before the JSON does, so the file may be truncated)"
        raise SessionFileError(
            f"{source}: invalid JSON at line {error.lineno}, column {error.colno}: {detail}{hint}"
        ) from None
    except RecursionError:
        # _check_nesting catches deep nesting first. This stays so that no RecursionError escapes.
        raise SessionFileError(f"{source}: arrays and objects nest too deeply") from None


# ---------------------------------------------------------------- import: field checks


def _fail(path: str, message: str):
    raise SessionFileError(f"{path}: {message}")


def _quote(text: str, limit: int = 40) -> str:
    """Return text as a JSON string literal, shortened to limit characters."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return json.dumps(shown, ensure_ascii=False)


def _describe(value) -> str:
    """Return a short, one-line description of a JSON value for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 24 else f"an integer of {len(text.lstrip('-'))} digits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    return type(value).__name__


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _child(path: str, key: str) -> str:
    """Return the JSON path of key inside the object at path."""
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{_quote(key)}]"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _object(value, path: str, fields: tuple[str, ...]) -> dict:
    """Return value after checking that it is an object with only known fields.

    Unknown fields are reported first, because a misspelt field is also a missing one.
    Required fields are checked later, in document order, by ``_require``.
    """
    if not isinstance(value, dict):
        _fail(path, f"expected an object, got {_describe(value)}")
    for key in value:
        if key not in fields:
            _fail(_child(path, key), f"unknown field; expected one of {', '.join(fields)}")
    return value


def _require(container: dict, key: str, path: str):
    if key not in container:
        _fail(_child(path, key), "missing")
    return container[key]


def _text(value, path: str, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        _fail(path, f"expected a string, got {_describe(value)}")
    if not allow_empty and not value:
        _fail(path, 'expected a non-empty string, got ""')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail(path, "contains an unpaired surrogate escape (such as \\ud800), which is not valid text")
    return value


def _positive_int(value, path: str) -> int:
    if not _is_int(value) or value < 1:
        _fail(path, f"expected a positive integer, got {_describe(value)}")
    return value


def _positive_finite(value, path: str) -> float:
    number = None
    if _is_int(value) or isinstance(value, float):
        try:
            number = float(value)
        except OverflowError:
            number = None
    if number is None or not math.isfinite(number) or number <= 0:
        _fail(path, f"expected a positive finite number, got {_describe(value)}")
    return number


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# ---------------------------------------------------------------- import: numeric arrays


def _decode_array(value, path: str, *, finite: bool, ndim: int | None = None) -> np.ndarray:
    """Return a number or a rectangular nested array of numbers as a float64 array.

    With finite=False the strings "NaN", "Infinity" and "-Infinity" stand for the
    non-finite values; with finite=True they are rejected like any other text. ndim,
    when given, is the required number of dimensions. Without it, the first element of
    each array decides whether the array contains numbers or arrays. The message names the first
    bad element by its index path, e.g. ``data.inputs[3][1]``.
    """
    cleaned, _ = _clean_nested(value, path, finite, ndim)
    return _read_only(np.array(cleaned, dtype=np.float64))


def _clean_nested(value, path: str, finite: bool, ndim: int | None):
    """Return (value with non-finite strings replaced by floats, shape) after checking every element."""
    if ndim == 0 or (ndim is None and not isinstance(value, list)):
        return _clean_number(value, path, finite), ()
    if not isinstance(value, list):
        _fail(path, f"expected an array of numbers, got {_describe(value)}")
    if not value:
        return value, (0,)
    if ndim == 1 or (ndim is None and not isinstance(value[0], list)):
        return _clean_leaf(value, path, finite), (len(value),)

    inner_ndim = None if ndim is None else ndim - 1
    cleaned = []
    first_shape = None
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, list):
            _fail(item_path, f"expected an array of numbers, got {_describe(item)}")
        item_cleaned, shape = _clean_nested(item, item_path, finite, inner_ndim)
        if first_shape is None:
            first_shape = shape
        elif shape != first_shape:
            if len(shape) == 1 and len(first_shape) == 1:
                _fail(item_path, f"expected {_count(first_shape[0], 'number')} like {path}[0], got {shape[0]}")
            _fail(item_path, f"expected shape {first_shape} like {path}[0], got {shape}")
        cleaned.append(item_cleaned)
    return cleaned, (len(value),) + first_shape


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _clean_leaf(items: list, path: str, finite: bool) -> list:
    """Return a flat list of numbers, checking each element (fast when all are floats)."""
    # Floats from the parser are always finite (``_parse_float``), so a list of floats
    # alone needs no element check. Integers can overflow float64 and need one.
    if set(map(type, items)) <= {float}:
        return items
    return [_clean_number(item, f"{path}[{index}]", finite) for index, item in enumerate(items)]


def _clean_number(value, path: str, finite: bool) -> float | int:
    expected = "a finite number" if finite else 'a number or "NaN", "Infinity", "-Infinity"'
    if isinstance(value, float):
        if finite and not math.isfinite(value):
            _fail(path, f"expected {expected}, got {_describe(_encode_float(value))}")
        return value
    if _is_int(value):
        try:
            float(value)
        except OverflowError:
            _fail(path, f"expected a number within the float64 range, got {_describe(value)}")
        return value
    if not finite and isinstance(value, str) and value in NONFINITE_STRINGS:
        return NONFINITE_STRINGS[value]
    _fail(path, f"expected {expected}, got {_describe(value)}")


# ---------------------------------------------------------------- import: the document


def _validate(raw, source: str) -> SessionDocument:
    """Check every field of a parsed document in document order and build the SessionDocument."""
    if not isinstance(raw, dict):
        _fail(source, f"expected a JSON object at the top level, got {_describe(raw)}")
    _check_format_and_version(raw)
    _object(raw, "", TOP_LEVEL_FIELDS)
    is_session = any(raw.get(field) is not None for field in SESSION_FIELDS)

    spec = _read_network(_require(raw, "network", ""))
    data = _read_data(_require(raw, "data", ""), spec)
    samples = data["inputs"].shape[0]
    training = _read_training(_require(raw, "training", ""), samples)

    initial_parameters = raw.get("initial_parameters")
    if initial_parameters is None and is_session:
        _fail("initial_parameters", "missing; a session file needs the parameters it started from")
    if initial_parameters is not None:
        initial_parameters = _read_parameters(initial_parameters, spec, "initial_parameters", finite=True)

    parameters = cursor = history = trace = None
    if is_session:
        parameters = _read_parameters(_require_session_field(raw, "parameters"), spec, "parameters", finite=False)
        cursor = _read_cursor(_require_session_field(raw, "cursor"), spec)
        history = _read_history(_require_session_field(raw, "history"), spec, cursor)
        if raw.get("trace") is not None:
            trace = _read_trace(raw["trace"], spec, cursor, samples)

    return SessionDocument(
        spec=spec,
        data_name=data["name"],
        inputs=data["inputs"],
        targets=data["targets"],
        feature_names=data["feature_names"],
        target_names=data["target_names"],
        standardization=data["standardization"],
        training=training,
        initial_parameters=initial_parameters,
        parameters=parameters,
        cursor=cursor,
        loss_history=history["loss"] if history else None,
        gradient_norms=history["gradient_norms"] if history else None,
        learning_rates=history["learning_rates"] if history else (),
        trace=trace,
    )


def _check_format_and_version(raw: dict) -> None:
    if "format" not in raw:
        _fail("format", f'missing; a Gradstep session or preset file contains "format": "{FORMAT}"')
    if raw["format"] != FORMAT:
        _fail("format", f'expected "{FORMAT}", got {_describe(raw["format"])}')
    if "version" not in raw:
        _fail("version", f"missing; expected {VERSION}")
    version = raw["version"]
    if _is_int(version) and version > VERSION:
        _fail("version", f"this file is version {_describe(version)}; this Gradstep reads version {VERSION}")
    if not _is_int(version) or version != VERSION:
        _fail("version", f"expected the integer {VERSION}, got {_describe(version)}")


def _require_session_field(raw: dict, key: str):
    if raw.get(key) is None:
        _fail(key, "missing; a session file has parameters, cursor and history, and a preset has none of them")
    return raw[key]


def _read_network(value) -> NetworkSpec:
    """Build the NetworkSpec, letting NetworkSpec's own validation report most errors.

    NetworkSpec raises SpecError at the first invalid field in document order but can't
    describe JSON types, so a value of the wrong type is replaced by one that NetworkSpec
    rejects at the same field, and that rejection is reworded here. The order stays exact.
    """
    path = "network"
    network = _object(value, path, NETWORK_FIELDS)
    # Maps the field where NetworkSpec will stop to the message to report instead.
    rewordings: dict[str, str] = {}

    def integer_field(container, key, field_path):
        if key not in container:
            rewordings[field_path] = f"{field_path}: missing"
            return None
        number = container[key]
        if not _is_int(number):
            rewordings[field_path] = f"{field_path}: expected a positive integer, got {_describe(number)}"
            return None
        return number

    def name_field(container, key, field_path, description):
        if key not in container:
            rewordings[field_path] = f"{field_path}: missing"
            return ""
        name = container[key]
        if not isinstance(name, str):
            rewordings[field_path] = f"{field_path}: expected {description} (a string), got {_describe(name)}"
            return ""
        return name

    inputs = integer_field(network, "inputs", "network.inputs")

    layers = []
    raw_layers = network.get("layers")
    if not isinstance(raw_layers, list):
        problem = "missing" if "layers" not in network else f"expected an array of layers, got {_describe(raw_layers)}"
        rewordings["network.layers"] = f"network.layers: {problem}"
        raw_layers = []
    for index, raw_layer in enumerate(raw_layers):
        layer_path = f"network.layers[{index}]"
        if not isinstance(raw_layer, dict):
            rewordings[f"{layer_path}.units"] = f"{layer_path}: expected an object, got {_describe(raw_layer)}"
            layers.append(Layer(None, ""))
            continue
        unknown = [key for key in raw_layer if key not in LAYER_FIELDS]
        if unknown:
            rewordings[f"{layer_path}.units"] = (
                f"{_child(layer_path, unknown[0])}: unknown field; expected one of {', '.join(LAYER_FIELDS)}"
            )
            layers.append(Layer(None, ""))
            continue
        units = integer_field(raw_layer, "units", f"{layer_path}.units")
        activation = name_field(raw_layer, "activation", f"{layer_path}.activation", "an activation name")
        layers.append(Layer(units, activation))

    loss = name_field(network, "loss", "network.loss", "a loss name")

    try:
        return NetworkSpec(inputs, tuple(layers), loss)
    except SpecError as error:
        message = str(error)
        field = message.split(":", 1)[0]
        raise SessionFileError(rewordings.get(field, message)) from None


def _read_data(value, spec: NetworkSpec) -> dict:
    path = "data"
    data = _object(value, path, DATA_FIELDS)
    name = _text(_require(data, "name", path), "data.name", allow_empty=False)
    inputs = _read_matrix(_require(data, "inputs", path), "data.inputs")
    targets = _read_matrix(_require(data, "targets", path), "data.targets")
    try:
        check_batch(spec, inputs, targets)
        check_targets(spec, targets)
    except SpecError as error:
        raise SessionFileError(str(error)) from None

    feature_names = _read_names(data.get("feature_names"), "data.feature_names", spec.inputs, "input")
    target_names = _read_names(data.get("target_names"), "data.target_names", spec.outputs, "output unit")

    standardization = None
    if data.get("standardization") is not None:
        standardization_path = "data.standardization"
        fields = _object(data["standardization"], standardization_path, STANDARDIZATION_FIELDS)
        mean = _read_vector(_require(fields, "mean", standardization_path), "data.standardization.mean", spec.inputs)
        std = _read_vector(_require(fields, "std", standardization_path), "data.standardization.std", spec.inputs)
        not_positive = np.flatnonzero(std <= 0)
        if not_positive.size:
            column = not_positive[0]
            _fail(f"data.standardization.std[{column}]", f"expected a positive number, got {float(std[column])!r}")
        standardization = (mean, std)

    return {
        "name": name,
        "inputs": inputs,
        "targets": targets,
        "feature_names": feature_names,
        "target_names": target_names,
        "standardization": standardization,
    }


def _read_matrix(value, path: str) -> np.ndarray:
    """Return a non-empty (rows, columns) array of finite numbers."""
    if not isinstance(value, list) or not value:
        _fail(path, f"expected a non-empty array of rows, got {_describe(value)}")
    return _decode_array(value, path, finite=True, ndim=2)


def _read_vector(value, path: str, length: int) -> np.ndarray:
    if not isinstance(value, list):
        _fail(path, f"expected an array of {length} numbers, got {_describe(value)}")
    array = _decode_array(value, path, finite=True, ndim=1)
    if array.shape != (length,):
        _fail(path, f"expected {length} numbers, one per input, got shape {array.shape}")
    return array


def _read_names(value, path: str, length: int, item_name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        _fail(path, f"expected an array of {length} strings, got {_describe(value)}")
    names = tuple(_text(name, f"{path}[{index}]") for index, name in enumerate(value))
    if len(names) != length:
        _fail(path, f"expected {length} names, one per {item_name}, got {len(names)}")
    return names


def _read_training(value, samples: int) -> dict:
    path = "training"
    training = _object(value, path, TRAINING_FIELDS)

    optimizer = _require(training, "optimizer", path)
    if optimizer not in OPTIMIZERS:
        _fail("training.optimizer", f"expected one of {', '.join(OPTIMIZERS)}, got {_describe(optimizer)}")
    learning_rate = _positive_finite(_require(training, "learning_rate", path), "training.learning_rate")

    batch_size = training.get("batch_size")
    if batch_size is not None:
        if not _is_int(batch_size) or batch_size < 1:
            _fail("training.batch_size", f"expected null or a positive integer, got {_describe(batch_size)}")
        if batch_size > samples:
            _fail("training.batch_size", f"expected at most {samples} (the number of samples), got {batch_size}")

    seed = training.get("seed")
    if seed is None:
        seed = TRAINING_DEFAULTS["seed"]
    elif not _is_int(seed) or seed < 0:
        _fail("training.seed", f"expected an integer >= 0, got {_describe(seed)}")

    shuffle = training.get("shuffle")
    if shuffle is None:
        shuffle = TRAINING_DEFAULTS["shuffle"]
    elif not isinstance(shuffle, bool):
        _fail("training.shuffle", f"expected true or false, got {_describe(shuffle)}")

    initialization = training.get("initialization")
    if initialization is None:
        initialization = TRAINING_DEFAULTS["initialization"]
    elif initialization not in INITIALIZATIONS:
        _fail("training.initialization", f"expected one of {', '.join(INITIALIZATIONS)}, got {_describe(initialization)}")

    return {
        "optimizer": optimizer,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "seed": seed,
        "shuffle": shuffle,
        "initialization": initialization,
    }


def _read_parameters(value, spec: NetworkSpec, path: str, *, finite: bool) -> dict[str, np.ndarray]:
    """Return read-only parameters after checking every element, then names and shapes.

    Elements are checked first, in the network's order (W1, b1, W2, …). Missing and
    unknown names and wrong shapes are then reported by ``check_parameters``.
    """
    if not isinstance(value, dict):
        _fail(path, f"expected an object of arrays by parameter name, got {_describe(value)}")
    decoded = {}
    for name in spec.parameter_shapes():
        if name in value:
            field = _child(path, name)
            if not isinstance(value[name], list):
                _fail(field, f"expected an array of numbers, got {_describe(value[name])}")
            decoded[name] = _decode_array(value[name], field, finite=finite)
    # Names that aren't parameters of spec stay undecoded, because check_parameters rejects them.
    for name in value:
        if name not in decoded:
            decoded[name] = value[name]
    try:
        checked = check_parameters(spec, decoded, field=path)
    except SpecError as error:
        raise SessionFileError(str(error)) from None
    return {name: _read_only(array) for name, array in checked.items()}


def _read_cursor(value, spec: NetworkSpec) -> tuple[int, int]:
    path = "cursor"
    cursor = _object(value, path, CURSOR_FIELDS)
    iteration = _positive_int(_require(cursor, "iteration", path), "cursor.iteration")
    step = _require(cursor, "step", path)
    last = steps_per_iteration(spec)
    if not _is_int(step) or not 0 <= step <= last:
        _fail("cursor.step", f"expected an integer from 0 to {last} (the steps of one iteration), got {_describe(step)}")
    return iteration, step


def _read_history(value, spec: NetworkSpec, cursor: tuple[int, int]) -> dict:
    path = "history"
    history = _object(value, path, HISTORY_FIELDS)
    iteration = cursor[0]
    finished = iteration - 1

    raw_loss = _require(history, "loss", path)
    if not isinstance(raw_loss, list):
        _fail("history.loss", f"expected an array of numbers, got {_describe(raw_loss)}")
    loss = _decode_array(raw_loss, "history.loss", finite=False, ndim=1)
    if loss.shape[0] != iteration:
        _fail(
            "history.loss",
            f"expected {_count(iteration, 'value')}, one per finished iteration plus one "
            f"(the cursor is at iteration {iteration}), got {loss.shape[0]}",
        )

    raw_norms = _require(history, "gradient_norms", path)
    if not isinstance(raw_norms, list):
        _fail("history.gradient_norms", f"expected an array of rows, got {_describe(raw_norms)}")
    norms = _decode_array(raw_norms, "history.gradient_norms", finite=False, ndim=2)
    if finished == 0 and norms.shape == (0,):
        norms = _read_only(np.empty((0, spec.depth)))
    expected_shape = (finished, spec.depth)
    if norms.shape != expected_shape:
        _fail(
            "history.gradient_norms",
            f"expected shape {expected_shape} (one row per finished iteration, one column per layer), "
            f"got {norms.shape}",
        )
    negative = np.argwhere(norms < 0)
    if negative.size:
        row, column = negative[0]
        _fail(f"history.gradient_norms[{row}][{column}]", f"expected a norm >= 0, got {float(norms[row, column])!r}")

    changes = _read_learning_rate_changes(history.get("learning_rates"))
    return {"loss": loss, "gradient_norms": norms, "learning_rates": changes}


def _read_learning_rate_changes(value) -> tuple[tuple[int, float], ...]:
    """Return the (iteration, learning rate) changes, in strictly increasing order of iteration.

    A change may apply to an iteration after the cursor's: one made in the middle of an
    iteration applies from the next, and a session rewound to an earlier iteration keeps
    the changes it made later.
    """
    path = "history.learning_rates"
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail(path, f"expected an array of changes, got {_describe(value)}")
    changes = []
    previous = 0
    for index, raw_change in enumerate(value):
        change_path = f"{path}[{index}]"
        change = _object(raw_change, change_path, LEARNING_RATE_CHANGE_FIELDS)
        iteration = _positive_int(_require(change, "iteration", change_path), f"{change_path}.iteration")
        if iteration <= previous:
            _fail(f"{change_path}.iteration", f"expected an iteration after {previous}, as changes are listed in order, got {iteration}")
        rate = _positive_finite(_require(change, "learning_rate", change_path), f"{change_path}.learning_rate")
        changes.append((iteration, rate))
        previous = iteration
    return tuple(changes)


def _read_trace(value, spec: NetworkSpec, cursor: tuple[int, int], samples: int) -> list[dict]:
    path = "trace"
    if not isinstance(value, list):
        _fail(path, f"expected an array of iterations, got {_describe(value)}")
    trace = []
    previous = 0
    for index, raw_entry in enumerate(value):
        entry_path = f"{path}[{index}]"
        entry = _object(raw_entry, entry_path, TRACE_ENTRY_FIELDS)

        iteration = _positive_int(_require(entry, "iteration", entry_path), f"{entry_path}.iteration")
        if iteration <= previous:
            _fail(f"{entry_path}.iteration", f"expected an iteration after {previous}, as iterations are listed in order, got {iteration}")
        if iteration > cursor[0]:
            _fail(f"{entry_path}.iteration", f"expected at most {cursor[0]} (the cursor's iteration), got {iteration}")
        previous = iteration

        rows = _read_rows(_require(entry, "rows", entry_path), f"{entry_path}.rows", samples)
        raw_steps = _require(entry, "steps", entry_path)
        steps = _read_steps(raw_steps, f"{entry_path}.steps", spec)
        trace.append({"iteration": iteration, "rows": rows, "steps": steps})
    return trace


def _read_rows(value, path: str, samples: int) -> list[int]:
    if not isinstance(value, list) or not value:
        _fail(path, f"expected a non-empty array of sample indices, got {_describe(value)}")
    seen = set()
    for index, row in enumerate(value):
        if not _is_int(row) or not 0 <= row < samples:
            _fail(f"{path}[{index}]", f"expected a sample index from 0 to {samples - 1}, got {_describe(row)}")
        if row in seen:
            _fail(f"{path}[{index}]", f"sample {row} appears twice in one batch")
        seen.add(row)
    return list(value)


def _read_steps(value, path: str, spec: NetworkSpec) -> list[dict]:
    if not isinstance(value, list):
        _fail(path, f"expected an array of steps, got {_describe(value)}")
    last = steps_per_iteration(spec)
    steps = []
    for position, raw_step in enumerate(value):
        step_path = f"{path}[{position}]"
        step = _object(raw_step, step_path, STEP_FIELDS)

        index = _require(step, "index", step_path)
        if not _is_int(index) or index != position + 1:
            _fail(f"{step_path}.index", f"expected {position + 1}, as steps are numbered from 1 in order, got {_describe(index)}")
        if index > last:
            _fail(f"{step_path}.index", f"one iteration of this network has {last} steps, got step {index}")

        phase = _require(step, "phase", step_path)
        if phase not in PHASES:
            _fail(f"{step_path}.phase", f"expected one of {', '.join(PHASES)}, got {_describe(phase)}")
        layer = _require(step, "layer", step_path)
        if layer is not None and (not _is_int(layer) or not 1 <= layer <= spec.depth):
            _fail(f"{step_path}.layer", f"expected null or a layer number from 1 to {spec.depth}, got {_describe(layer)}")
        symbol = _text(_require(step, "symbol", step_path), f"{step_path}.symbol", allow_empty=False)
        formula = _text(_require(step, "formula", step_path), f"{step_path}.formula")
        array = _decode_array(_require(step, "value", step_path), f"{step_path}.value", finite=False)

        steps.append(
            {"index": index, "phase": phase, "layer": layer, "symbol": symbol, "formula": formula, "value": array}
        )
    return steps
