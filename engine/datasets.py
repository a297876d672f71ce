"""Data sets for training: the built-in examples and a loader for CSV files.

A ``Dataset`` contains read-only float64 arrays of inputs (m, n_in) and targets (m, n_out),
where class labels are one-hot rows. The built-ins are the tutorial's two-sample example,
XOR, four seeded 2-D toy sets and Fisher's Iris data, which ships in ``assets/datasets``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import DataError

BUILTIN_NAMES: tuple[str, ...] = (
    "tutorial",
    "xor",
    "circles",
    "spiral",
    "gaussian",
    "moons",
    "iris",
)

DEFAULT_SAMPLES = 200
# One-hot targets take samples × classes numbers, so a column of unique labels is refused.
MAX_CLASSES = 1000
SPIRAL_CLASSES = 3
SPIRAL_TURN = 4.0  # radians an arm turns from the centre to radius 1
CIRCLES_INNER_RADIUS = 0.5
GAUSSIAN_CENTRES = ((-1.0, -1.0), (1.0, 1.0))
XOR_CORNERS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))

IRIS_SOURCE = (
    "Fisher (1936) Iris data, UCI Machine Learning Repository (CC BY 4.0), "
    "as shipped in scikit-learn 1.9.1"
)
TUTORIAL_SOURCE = (
    "worked example of the backpropagation tutorial in onur-ulusoy/Deep-Learning-Essentials"
)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and targets of one data set, with the names the window shows.

    The constructor validates shapes and finiteness (raising DataError) and stores
    read-only float64 copies, so no caller's array is shared or frozen. Equality is
    identity, because comparing arrays element by element has no single truth value.
    """

    name: str
    inputs: np.ndarray  # (m, n_in)
    targets: np.ndarray  # (m, n_out), with class labels as one-hot rows
    feature_names: tuple[str, ...]  # length n_in
    target_names: tuple[str, ...]  # length n_out: class names for one-hot, else column names
    standardization: tuple[np.ndarray, np.ndarray] | None = None  # (mean, std), each (n_in,)
    source: str = ""  # one line: where the data comes from

    def __post_init__(self) -> None:
        inputs = _frozen_matrix(self.inputs, "inputs")
        targets = _frozen_matrix(self.targets, "targets")
        if targets.shape[0] != inputs.shape[0]:
            raise DataError(
                f"data set {self.name!r}: inputs have {inputs.shape[0]} rows "
                f"but targets have {targets.shape[0]}"
            )
        feature_names = _name_tuple(self.feature_names, inputs.shape[1], "feature_names")
        target_names = _name_tuple(self.target_names, targets.shape[1], "target_names")

        standardization = None
        if self.standardization is not None:
            mean, std = self.standardization
            standardization = (
                _frozen_vector(mean, inputs.shape[1], "standardization mean"),
                _frozen_vector(std, inputs.shape[1], "standardization std"),
            )
            if np.any(standardization[1] <= 0):
                raise DataError("standardization std: expected positive values")

        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "feature_names", feature_names)
        object.__setattr__(self, "target_names", target_names)
        object.__setattr__(self, "standardization", standardization)

    @property
    def samples(self) -> int:
        """Number of rows m."""
        return self.inputs.shape[0]


def _frozen_matrix(values, field: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{field}: expected a 2-D array of numbers ({exc})") from exc
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise DataError(f"{field}: expected a non-empty 2-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{field}: contains NaN or infinity")
    array.setflags(write=False)
    return array


def _frozen_vector(values, length: int, field: str) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    if array.shape != (length,):
        raise DataError(f"{field}: expected shape ({length},), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{field}: contains NaN or infinity")
    array.setflags(write=False)
    return array


def _name_tuple(names, length: int, field: str) -> tuple[str, ...]:
    names = tuple(names)
    if len(names) != length or not all(isinstance(name, str) for name in names):
        raise DataError(f"{field}: expected {length} strings, got {names!r}")
    return names


def assets_dir() -> Path:
    """Return the project's ``assets`` folder, next to the ``engine`` package."""
    return Path(__file__).resolve().parent.parent / "assets"


# ---------------------------------------------------------------- standardisation


def standardize(inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale each column of inputs (m, n_in) to mean 0 and standard deviation 1.

    Returns (standardized (m, n_in), mean (n_in,), std (n_in,)), with the population
    standard deviation (ddof=0). A constant column gets std 1 and comes out as zeros,
    so nothing divides by zero.
    """
    inputs = _frozen_matrix(inputs, "inputs")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mean = inputs.mean(axis=0)
        std = inputs.std(axis=0)
    bad = np.flatnonzero(~np.isfinite(mean) | ~np.isfinite(std))
    if bad.size:
        raise DataError(f"inputs column {bad[0]}: values too large to standardise (their mean or spread "
                        "overflows float64); rescale the column first")

    # Test constancy with max == min: the computed std of a constant column can be a
    # rounding residue like 1e-17 instead of 0, and dividing by it would blow up.
    constant = inputs.max(axis=0) == inputs.min(axis=0)
    mean[constant] = inputs[0, constant]
    std[constant] = 1.0

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        standardized = (inputs - mean) / std
    bad = np.flatnonzero(~np.isfinite(standardized).all(axis=0))
    if bad.size:
        raise DataError(f"inputs column {bad[0]}: its spread is too small to standardise "
                        f"(standard deviation {std[bad[0]]:.3g}); rescale the column first")
    return standardized, mean, std


def _with_standardization(dataset: Dataset) -> Dataset:
    standardized, mean, std = standardize(dataset.inputs)
    return dataclasses.replace(dataset, inputs=standardized, standardization=(mean, std))


# ---------------------------------------------------------------- built-in data sets


def load_builtin(
    name: str,
    *,
    samples: int | None = None,
    noise: float = 0.1,
    seed: int = 0,
    standardize: bool = False,
) -> Dataset:
    """Build the built-in data set ``name``, one of BUILTIN_NAMES.

    - tutorial: the two samples (2, 3) of the backpropagation tutorial, two classes.
    - xor: the four points of {0, 1}² with one 0/1 target column. When samples is
      given, that many points instead, spread evenly over the four corners with
      Gaussian jitter of standard deviation noise.
    - circles: an outer circle of radius 1 (class "outer") around an inner one of
      radius 0.5 (class "inner").
    - spiral: three arms that each turn 4 radians from the centre to radius 1.
    - gaussian: two blobs centred at (-1, -1) and (1, 1) with standard deviation noise.
    - moons: two interleaving half circles of radius 1.
    - iris: Fisher's 150 flowers, four measurements in cm, three species.

    circles, spiral, gaussian and moons have samples rows (default 200) whose classes
    cycle 0, 1, 0, 1, … (noisy xor cycles its corners). Each coordinate gets Gaussian
    jitter of standard deviation noise, drawn with ``numpy.random.default_rng(seed)``.
    tutorial and iris ignore samples, noise and seed, and xor ignores noise and seed
    when samples is None. Classes are one-hot target rows. standardize=True scales
    the inputs with ``standardize()`` and records mean and std in the result.
    """
    if name not in BUILTIN_NAMES:
        raise DataError(
            f"unknown built-in data set {name!r}: expected one of {', '.join(BUILTIN_NAMES)}"
        )
    _check_generator_arguments(samples, noise, seed)

    if name == "tutorial":
        dataset = _tutorial()
    elif name == "iris":
        dataset = _iris()
    elif name == "xor" and samples is None:
        dataset = _exact_xor()
    else:
        count = DEFAULT_SAMPLES if samples is None else int(samples)
        dataset = _generated(name, count, float(noise), int(seed))

    if standardize:
        dataset = _with_standardization(dataset)
    return dataset


def _check_generator_arguments(samples, noise, seed) -> None:
    if samples is not None and (not _is_integer(samples) or samples < 4):
        raise DataError(f"samples: expected an integer of at least 4, got {samples!r}")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, (int, float, np.integer, np.floating))
        or not math.isfinite(noise)
        or noise < 0
    ):
        raise DataError(f"noise: expected a finite number >= 0, got {noise!r}")
    if not _is_integer(seed) or seed < 0:
        raise DataError(f"seed: expected an integer >= 0, got {seed!r}")


def _is_integer(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _tutorial() -> Dataset:
    return Dataset(
        name="tutorial",
        inputs=np.array([[2.0, 8.0, 6.0], [1.0, 2.0, 3.0]]),
        targets=np.array([[1.0, 0.0], [0.0, 1.0]]),
        feature_names=("x0", "x1", "x2"),
        target_names=("class 0", "class 1"),
        source=TUTORIAL_SOURCE,
    )


def _exact_xor() -> Dataset:
    inputs = np.array(XOR_CORNERS)
    targets = (inputs[:, :1] != inputs[:, 1:]).astype(np.float64)
    return Dataset(
        name="xor",
        inputs=inputs,
        targets=targets,
        feature_names=("x0", "x1"),
        target_names=("x1 xor x2",),
        source="the four points of XOR on {0, 1}²",
    )


def _iris() -> Dataset:
    path = assets_dir() / "datasets" / "iris.csv"
    dataset = load_csv(path, ["species"], header=True)
    return dataclasses.replace(dataset, name="iris", source=IRIS_SOURCE)


def _generated(name: str, samples: int, noise: float, seed: int) -> Dataset:
    """Draw a seeded 2-D toy set: inputs (samples, 2), targets (samples, n_out)."""
    rng = np.random.default_rng(seed)
    shape, group_names = _SHAPES[name]
    labels = _balanced_labels(samples, len(group_names))

    points = shape(labels, rng)
    points = points + noise * rng.standard_normal(points.shape)

    if name == "xor":
        corners = np.array(XOR_CORNERS)[labels]
        targets = (corners[:, :1] != corners[:, 1:]).astype(np.float64)
        target_names = ("x1 xor x2",)
    else:
        targets = np.eye(len(group_names))[labels]
        target_names = group_names

    return Dataset(
        name=name,
        inputs=points,
        targets=targets,
        feature_names=("x0", "x1"),
        target_names=target_names,
        source=f"generated {name}: {samples} samples, noise {noise:g}, seed {seed}",
    )


def _balanced_labels(samples: int, groups: int) -> np.ndarray:
    """Return labels (samples,) cycling 0, 1, …, groups-1, 0, 1, … so that any run of
    consecutive rows, such as a mini-batch, contains every group about equally often."""
    return np.arange(samples) % groups


def _circles(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0.0, 2.0 * np.pi, labels.size)
    radius = np.where(labels == 0, 1.0, CIRCLES_INNER_RADIUS)
    return radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])


def _spiral(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    radius = rng.uniform(0.0, 1.0, labels.size)
    angle = labels * (2.0 * np.pi / SPIRAL_CLASSES) + SPIRAL_TURN * radius
    return radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])


def _gaussian(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Each blob is its centre plus the jitter that _generated adds, so rng is unused here.
    return np.array(GAUSSIAN_CENTRES)[labels]


def _moons(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # The upper moon is the unit half circle above the x axis. The lower moon is the
    # same arc turned over and moved right by 1 and down by 0.5, so the two interlock.
    angle = rng.uniform(0.0, np.pi, labels.size)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)])
    return np.where((labels == 0)[:, None], upper, lower)


def _xor_corners(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.array(XOR_CORNERS)[labels]


# Each toy set: the function that places the points of each group before jitter, and
# the group names. The groups are the classes, except for xor, whose four groups are
# the corners of {0, 1}² and whose one target column is x1 xor x2.
_SHAPES = {
    "circles": (_circles, ("outer", "inner")),
    "spiral": (_spiral, tuple(f"arm {k}" for k in range(SPIRAL_CLASSES))),
    "gaussian": (_gaussian, ("lower left", "upper right")),
    "moons": (_moons, ("upper", "lower")),
    "xor": (_xor_corners, ("corner 00", "corner 01", "corner 10", "corner 11")),
}


# ---------------------------------------------------------------- CSV files


def load_csv(
    path,
    target_columns: Sequence[str | int],
    *,
    header: bool | None = None,
    standardize: bool = False,
    one_hot: bool | None = None,
    max_bytes: int = 50_000_000,
) -> Dataset:
    """Load a UTF-8 CSV file into inputs (m, n_in) and targets (m, n_out).

    target_columns names the target columns by header name or by 0-based index
    (negative counts from the end); every other column is an input. A single name or
    index may be given alone. header=None treats the first row as a header when a
    target is named or when one of its input cells is not a number. Targets become
    one-hot rows over the sorted class names when one_hot is True, or when one_hot is
    None and a target cell is not a number. One-hot needs exactly one target column.

    Raises DataError for a cell that is empty, not a number, NaN or infinite, for
    ragged rows, and for a file that is empty, larger than max_bytes or not UTF-8.
    The message names the file, the row as an editor numbers it (the header is row 1)
    and the column. Blank lines are skipped, and a UTF-8 byte order mark is accepted.
    """
    path = Path(path)
    file_name = path.name
    column_choice = _target_list(target_columns, file_name)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise DataError(f"max_bytes: expected a positive integer, got {max_bytes!r}")

    rows = _read_rows(path, max_bytes)
    if not rows:
        raise DataError(f"{file_name} is empty: expected rows of comma-separated values")
    width = len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            raise DataError(
                f"{file_name} row {line}: has {len(cells)} cells, "
                f"expected {width} like row {rows[0][0]}"
            )

    named = any(isinstance(column, str) for column in column_choice)
    if header is None:
        header = named or _looks_like_header(rows[0][1], column_choice, width)
    if named and not header:
        raise DataError(
            f"{file_name}: target columns are given by name, "
            "but header=False says there is no header row"
        )

    header_names = [cell.strip() for cell in rows[0][1]] if header else None
    body = rows[1:] if header else rows
    if not body:
        raise DataError(f"{file_name} has a header row but no data rows")

    target_indices = _resolve_targets(column_choice, header_names, width, file_name)
    feature_indices = [j for j in range(width) if j not in target_indices]
    labels = [_column_label(j, header_names) for j in range(width)]
    names = [_display_name(j, header_names) for j in range(width)]

    inputs = _parse_features(body, feature_indices, labels, file_name)
    targets, target_names = _parse_targets(body, target_indices, labels, names, one_hot, file_name)

    dataset = Dataset(
        name=file_name,
        inputs=inputs,
        targets=targets,
        feature_names=tuple(names[j] for j in feature_indices),
        target_names=target_names,
        source=f"CSV file {path}",
    )
    if standardize:
        dataset = _with_standardization(dataset)
    return dataset


def _target_list(target_columns, file_name: str) -> list[str | int]:
    if isinstance(target_columns, (str, int, np.integer)):
        target_columns = [target_columns]
    columns = list(target_columns)
    if not columns:
        raise DataError(f"{file_name}: no target column given")
    for column in columns:
        if isinstance(column, bool) or not isinstance(column, (str, int, np.integer)):
            raise DataError(
                f"{file_name}: target column {column!r}: expected a column name or a 0-based index"
            )
    return [column if isinstance(column, str) else int(column) for column in columns]


def _read_rows(path: Path, max_bytes: int) -> list[tuple[int, list[str]]]:
    """Return the non-blank rows of the file as (line number, cells)."""
    file_name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DataError(
                f"{file_name} is {size:,} bytes, above the limit of {max_bytes:,} bytes (max_bytes)"
            )
        with path.open("rb") as file:
            # Read one byte past the limit, in case the file grew after stat().
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise DataError(f"{file_name} is above the limit of {max_bytes:,} bytes (max_bytes)")

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{file_name} row {line}: not UTF-8 text, because byte 0x{data[exc.start]:02x} "
            "cannot be decoded. Save the file as UTF-8"
        ) from exc

    rows = []
    reader = csv.reader(io.StringIO(text, newline=""))
    first_line = 1  # a quoted cell can span lines, so a row is numbered by its first line
    try:
        for cells in reader:
            if cells:
                rows.append((first_line, cells))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{file_name} row {first_line}: invalid CSV ({exc})") from exc
    return rows


def _parse_number(cell: str) -> float | None:
    """Return the cell as a float, or None when it is not a number.

    Python's float() also reads digit separators (1_000), which no spreadsheet writes, so a
    cell with an underscore is not a number here.
    """
    if "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _looks_like_header(cells: list[str], column_choice: list[str | int], width: int) -> bool:
    """Return True when a cell of the first row outside the target columns is not a number.

    A cell that Python reads as a number only with its digit separators (1_000) counts as
    a number here, so such a first row is read as data and rejected with its row and column.
    """
    targets = {column % width for column in column_choice if -width <= column < width}
    return any(_parse_number(cells[j].replace("_", "")) is None for j in range(width) if j not in targets)


def _resolve_targets(
    column_choice: list[str | int], header_names: list[str] | None, width: int, file_name: str
) -> list[int]:
    indices = []
    for column in column_choice:
        if isinstance(column, str):
            matches = [j for j, name in enumerate(header_names) if name == column]
            if not matches:
                listed = ", ".join(f'"{name}"' for name in header_names)
                raise DataError(
                    f'{file_name}: no column named "{column}" in the header. '
                    f"The columns are {listed}"
                )
            if len(matches) > 1:
                raise DataError(
                    f'{file_name}: the header names {len(matches)} columns "{column}", '
                    "so the target is ambiguous"
                )
            index = matches[0]
        elif -width <= column < width:
            index = column % width
        else:
            raise DataError(
                f"{file_name}: target column index {column} is out of range: "
                f"the file has {width} columns (indices 0 to {width - 1})"
            )
        if index in indices:
            column_text = f'"{column}"' if isinstance(column, str) else column
            raise DataError(f"{file_name}: target column {column_text} is listed twice")
        indices.append(index)

    if len(indices) == width:
        raise DataError(
            f"{file_name}: all {width} columns are target columns, so no input column is left"
        )
    return indices


def _column_label(index: int, header_names: list[str] | None) -> str:
    """Return how an error message names a column: 'column "name"' or 'column index 2'."""
    if header_names and header_names[index]:
        return f'column "{header_names[index]}"'
    return f"column index {index}"


def _display_name(index: int, header_names: list[str] | None) -> str:
    if header_names and header_names[index]:
        return header_names[index]
    return f"column {index}"


def _check_cell(cell: str, line: int, label: str, file_name: str, expected: str) -> str:
    """Return the stripped cell, raising DataError when it is empty, NaN or infinite."""
    text = cell.strip()
    if not text:
        raise DataError(f"{file_name} row {line}, {label}: empty cell, expected {expected}")
    value = _parse_number(text)
    if value is not None and not math.isfinite(value):
        raise DataError(f'{file_name} row {line}, {label}: expected a finite number, got "{text}"')
    return text


def _parse_features(
    body, feature_indices: list[int], labels: list[str], file_name: str
) -> np.ndarray:
    """Return the input cells as floats (m, n_in)."""
    inputs = np.empty((len(body), len(feature_indices)))
    for i, (line, cells) in enumerate(body):
        for k, j in enumerate(feature_indices):
            text = _check_cell(cells[j], line, labels[j], file_name, "a number")
            value = _parse_number(text)
            if value is None:
                raise DataError(
                    f'{file_name} row {line}, {labels[j]}: expected a number, got "{text}"'
                )
            inputs[i, k] = value
    return inputs


def _parse_targets(
    body,
    target_indices: list[int],
    labels: list[str],
    names: list[str],
    one_hot: bool | None,
    file_name: str,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return targets (m, n_out) and their names: numbers as they are, or one-hot classes."""
    texts = [
        [
            _check_cell(cells[j], line, labels[j], file_name, "a target value")
            for j in target_indices
        ]
        for line, cells in body
    ]
    first_label = _first_non_number(body, texts)
    if one_hot is None:
        one_hot = first_label is not None

    if not one_hot:
        if first_label is not None:
            line, k, text = first_label
            raise DataError(
                f"{file_name} row {line}, {labels[target_indices[k]]}: "
                f'expected a number, got "{text}" '
                "(one_hot=False keeps targets numeric)"
            )
        return np.array(texts, dtype=np.float64), tuple(names[j] for j in target_indices)

    if len(target_indices) != 1:
        listed = ", ".join(labels[j] for j in target_indices)
        raise DataError(
            f"{file_name}: one-hot class labels need exactly one target column, "
            f"got {len(target_indices)}: {listed}"
        )
    return _one_hot([row[0] for row in texts], labels[target_indices[0]], file_name)


def _first_non_number(body, texts: list[list[str]]) -> tuple[int, int, str] | None:
    """Return (line, target position, text) of the first target cell that is not a number."""
    for (line, _), row in zip(body, texts, strict=True):
        for k, text in enumerate(row):
            if _parse_number(text) is None:
                return line, k, text
    return None


def _one_hot(texts: list[str], label: str, file_name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return one-hot rows (m, classes) and the sorted class names."""
    numbers = [_parse_number(text) for text in texts]
    if all(number is not None for number in numbers):
        # Numeric labels are classes by value, so "1" and "1.0" are one class and 10 sorts after 2.
        values = sorted(set(numbers))
        class_names = tuple(str(int(v)) if v.is_integer() else repr(v) for v in values)
        class_of = {v: k for k, v in enumerate(values)}
        labels = [class_of[number] for number in numbers]
    else:
        class_names = tuple(sorted(set(texts)))
        class_of = {name: k for k, name in enumerate(class_names)}
        labels = [class_of[text] for text in texts]

    if len(class_names) > MAX_CLASSES:
        raise DataError(
            f"{file_name} {label}: {len(class_names):,} different classes, above the limit of {MAX_CLASSES:,}; "
            "is this column a number rather than a class label?"
        )
    if len(class_names) < 2:
        raise DataError(
            f'{file_name} {label}: every row has the class "{class_names[0]}", '
            "but a classifier needs at least two classes"
        )
    return np.eye(len(class_names))[labels], class_names
