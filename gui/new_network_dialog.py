"""The dialog that starts a new session: a data set, the layers of a network and how it trains.

``NewNetworkDialog`` opens on the current session's settings, so pressing Create at once
rebuilds the same setup. It offers only the output activation and loss pairs the engine
accepts for the chosen data, loads the data set whenever the choice changes to preview
it, and shows every error inline. Only ``Controller.new_session`` changes the session.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from engine.activations import ACTIVATIONS
from engine.datasets import BUILTIN_NAMES, DEFAULT_SAMPLES, Dataset, load_builtin, load_csv
from engine.errors import DataError, GradstepError
from engine.losses import LOSSES, REQUIRED_OUTPUT
from engine.network import INITIALIZATIONS, MAX_LAYERS, Layer, NetworkSpec, check_targets
from engine.session import TrainingConfig
from gui import theme

log = logging.getLogger(__name__)

CSV_CHOICE = "csv"  # the data combo's entry for a CSV file
CURRENT_CHOICE = "current"  # the data combo's entry for session data that is not a built-in set
GENERATED_NAMES = ("xor", "circles", "spiral", "gaussian", "moons")

DATASET_LABELS = {
    "tutorial": "Tutorial example (2 samples)",
    "xor": "XOR",
    "circles": "Circles",
    "spiral": "Spiral (3 arms)",
    "gaussian": "Gaussian blobs",
    "moons": "Moons",
    "iris": "Iris (Fisher, 150 flowers)",
    CSV_CHOICE: "CSV file…",
}
ACTIVATION_LABELS = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "linear": "linear",
    "softmax": "softmax",
}
LOSS_LABELS = {
    "cross_entropy": "cross-entropy",
    "binary_cross_entropy": "binary cross-entropy",
    "mse": "mean squared error (mse)",
    "half_sse": "half sum of squared errors",
}
INITIALIZATION_LABELS = {
    "small": "small normal × 0.01 (tutorial)",
    "glorot": "Glorot normal, σ = √(2 / (fan_in + fan_out))",
    "he": "He normal, σ = √(2 / fan_in)",
}
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")

MAX_HIDDEN_UNITS = 4096
MAX_HIDDEN_LAYERS = MAX_LAYERS - 1  # the output layer counts too
MAX_SAMPLES = 100_000
MAX_SEED = 2**31 - 1
# The samples spin box shows this value as "4 exact corners" for XOR: load_builtin's samples=None.
# What the dialog suggests when the user picks a built-in data set: hidden layers, initial
# weights, standardised inputs and learning rate. Each trains to at least 95 % training
# accuracy within 3,000 full-batch iterations from seeds 0 and 435 (checked by a test).
SUGGESTED_SETUPS = {
    "tutorial": ([(4, "relu")], "small", False, 0.1),
    "xor": ([(4, "tanh")], "glorot", False, 0.5),
    "circles": ([(8, "tanh")], "glorot", True, 0.3),
    "spiral": ([(16, "tanh"), (16, "tanh")], "glorot", True, 0.3),
    "gaussian": ([(4, "tanh")], "glorot", True, 0.3),
    "moons": ([(8, "relu")], "he", True, 0.3),
    "iris": ([(8, "relu")], "he", True, 0.1),
}

EXACT_XOR_VALUE = 3
DEFAULT_NOISE = 0.1
NEW_LAYER = (8, "relu")
VISIBLE_LAYER_ROWS = 6  # rows the hidden-layer table shows without scrolling
UNITS_COLUMN_WIDTH = 96  # pixels: room for "4096" and the spin box arrows
NETWORK_MIN_WIDTH = 400  # pixels: the layer table's two columns and its row labels
# How many class names the preview lists before it writes "…".
PREVIEW_NAMES = 6
# NOTE: a Dataset records its generator's noise and seed only in its one-line source, so
# the dialog reads them back from that text. If the engine changes that text, the fields
# show the defaults, while Create still reuses the session's own data.
_GENERATED_SOURCE = re.compile(r"^generated \w+: \d+ samples, noise (?P<noise>\S+), seed (?P<seed>\d+)$")
_INDEX = re.compile(r"^[+-]?\d+$")

HEADER_CHOICES = (("auto", "detect"), ("yes", "first row is a header"), ("no", "no header row"))
ONE_HOT_CHOICES = (
    ("auto", "detect: text labels become classes"),
    ("yes", "one-hot classes"),
    ("no", "numbers as they are"),
)
_TRISTATE = {"auto": None, "yes": True, "no": False}


def parse_target_columns(text: str) -> list[str | int]:
    """Split "species" or "4, 5" into header names and 0-based indices for ``load_csv``.

    A whole number, negative ones included, is read as an index. Raises DataError when
    the text or one of its comma-separated entries is empty.
    """
    if not text.strip():
        raise DataError("Target columns: enter a column name or a 0-based index, for example species or 4")
    columns: list[str | int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise DataError(f"Target columns {text!r}: an entry between commas is empty")
        columns.append(int(part) if _INDEX.match(part) else part)
    return columns


def preview_of(data: Dataset) -> str:
    """Return one line on the data: ``150 samples · 4 inputs · 3 outputs (setosa, versicolor, virginica)``."""
    samples = _count(data.samples, "sample")
    inputs = _count(data.inputs.shape[1], "input")
    outputs = _count(data.targets.shape[1], "output")
    names = list(data.target_names[:PREVIEW_NAMES])
    if len(data.target_names) > PREVIEW_NAMES:
        names.append("…")
    text = f"{samples} · {inputs} · {outputs} ({', '.join(names)})"
    if data.standardization is not None:
        text += " · inputs standardised"
    return text


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def loss_fits_targets(loss: str, data: Dataset) -> bool:
    """Return True when the engine accepts loss on data's targets with the output it needs."""
    activation = REQUIRED_OUTPUT.get(loss, "linear")
    try:
        spec = NetworkSpec(data.inputs.shape[1], (Layer(data.targets.shape[1], activation),), loss)
        check_targets(spec, data.targets)
    except GradstepError:
        return False
    return True


def output_activations_for(loss: str, outputs: int) -> list[str]:
    """Return the output activations that pair with loss on outputs units."""
    required = REQUIRED_OUTPUT.get(loss)
    if required is not None:
        return [required]
    return [name for name in ACTIVATIONS if name != "softmax" or outputs >= 2]


def describe_widths(spec: NetworkSpec) -> str:
    """Return the layers in one line, ``4 → 8 ReLU → 3 softmax``, with a run of equal layers as ``64 tanh ×3``."""
    runs: list[list] = []
    for layer in spec.layers:
        if runs and runs[-1][0] == layer:
            runs[-1][1] += 1
        else:
            runs.append([layer, 1])
    parts = [str(spec.inputs)]
    for layer, count in runs:
        text = f"{layer.units} {ACTIVATION_LABELS.get(layer.activation, layer.activation)}"
        parts.append(text if count == 1 else f"{text} ×{count}")
    return " → ".join(parts)


class CompactDoubleSpinBox(QDoubleSpinBox):
    """A double spin box that shows 0.1 instead of 0.100000 but keeps all its decimals."""

    def textFromValue(self, value: float) -> str:
        text = self.locale().toString(value, "f", self.decimals())
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text


class NewNetworkDialog(QDialog):
    """Choose data, layers, loss and training settings, then start a session on them with Create."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self._controller = controller
        session = controller.session
        self._current_data: Dataset = session.data
        self._current_spec: NetworkSpec = session.spec
        self._current_parameters = session.initial_parameters
        # True until the user changes a data field: Create then reuses the session's data
        # itself, which reproduces it exactly whatever produced it.
        self._data_is_current = True
        self._data: Dataset | None = None
        self._data_error = ""
        self._controller_error = ""

        self.setWindowTitle("New Network")
        self.setObjectName("newNetworkDialog")
        self._build()
        self._load_defaults(session)
        controller.error_occurred.connect(self._on_controller_error_occurred)

    # ------------------------------------------------------------------ public helpers

    def set_dataset(self, name: str) -> None:
        """Choose a built-in data set by name, or "csv" for a CSV file, and load it."""
        index = self._dataset_combo.findData(name)
        if index < 0:
            raise ValueError(f"unknown data set {name!r}: expected one of {', '.join(BUILTIN_NAMES)} or csv")
        self._dataset_combo.setCurrentIndex(index)

    def set_csv_file(self, path, target_columns: str = "-1", header: str = "auto", one_hot: str = "auto") -> None:
        """Choose a CSV file with its target columns and load it. header and one_hot are "auto", "yes" or "no"."""
        self.set_dataset(CSV_CHOICE)
        self._csv_path_edit.setText(str(path))
        self._csv_target_edit.setText(target_columns)
        self._header_combo.setCurrentIndex(self._header_combo.findData(header))
        self._one_hot_combo.setCurrentIndex(self._one_hot_combo.findData(one_hot))
        self._on_data_field_changed()

    def set_standardize(self, enabled: bool) -> None:
        """Tick or clear "Standardise inputs" and reload the data."""
        self._standardize_check.setChecked(enabled)

    def set_hidden_layers(self, layers) -> None:
        """Replace the hidden layers with (units, activation) pairs, input side first."""
        self._layer_table.setRowCount(0)
        for units, activation in layers:
            self._append_layer_row(units, activation)
        self._on_layers_changed()

    def hidden_layers(self) -> list[tuple[int, str]]:
        """Return the hidden layers as (units, activation) pairs, input side first."""
        layers = []
        for row in range(self._layer_table.rowCount()):
            units = self._layer_table.cellWidget(row, 0).value()
            activation = self._layer_table.cellWidget(row, 1).currentData()
            layers.append((units, activation))
        return layers

    def set_loss(self, loss: str) -> None:
        """Choose the loss. The output activation follows when the loss requires one."""
        index = self._loss_combo.findData(loss)
        if index < 0:
            raise ValueError(f"loss {loss!r} is not offered for this data. Offered: {', '.join(self.offered_losses())}")
        self._loss_combo.setCurrentIndex(index)

    def set_output(self, activation: str, loss: str) -> None:
        """Choose the loss, then the output activation. Raise ValueError for a pair that is not offered."""
        self.set_loss(loss)
        index = self._output_combo.findData(activation)
        if index < 0:
            raise ValueError(f"output activation {activation!r} does not pair with {loss}. "
                             f"Offered: {', '.join(self.offered_activations())}")
        self._output_combo.setCurrentIndex(index)

    def set_training(self, *, learning_rate=None, batch_size=None, seed=None, shuffle=None,
                     initialization=None) -> None:
        """Set the training fields that are given. A batch_size of 0 means the full batch."""
        if learning_rate is not None:
            self._rate_spin.setValue(learning_rate)
        if batch_size is not None:
            self._batch_spin.setValue(batch_size)
        if seed is not None:
            self._seed_spin.setValue(seed)
        if shuffle is not None:
            self._shuffle_check.setChecked(shuffle)
        if initialization is not None:
            index = self._init_combo.findData(initialization)
            if index < 0:
                raise ValueError(f"unknown initialization {initialization!r}: expected one of "
                                 f"{', '.join(INITIALIZATIONS)}")
            self._init_combo.setCurrentIndex(index)

    def offered_activations(self) -> list[str]:
        """Return the output activations the combo offers for the chosen loss."""
        return [self._output_combo.itemData(i) for i in range(self._output_combo.count())]

    def offered_losses(self) -> list[str]:
        """Return the losses the combo offers for the chosen data."""
        return [self._loss_combo.itemData(i) for i in range(self._loss_combo.count())]

    def preview_text(self) -> str:
        """Return the line under the data choice: the data's shape, or why it did not load."""
        return self._preview_label.text()

    def error_text(self) -> str:
        """Return the message above the buttons, or "" when Create has not failed."""
        return self._error_label.text()

    def keeps_initial_weights(self) -> bool:
        """Return True when Create would start from the current session's initial W and b."""
        return self._keep_weights_check.isEnabled() and self._keep_weights_check.isChecked()

    def create(self) -> bool:
        """Start a session on the dialog's settings and close, or keep the dialog open and show why that failed."""
        self._show_error("")
        data = self._reload_data()
        if data is None:
            self._show_error(f"The data set did not load: {self._data_error}")
            return False
        try:
            spec = self._build_spec(data)
            training = self._build_training()
        except (GradstepError, ValueError) as error:
            self._show_error(str(error))
            return False

        keep = self.keeps_initial_weights() and self._shapes_match(spec)
        initial_parameters = dict(self._current_parameters) if keep else None
        self._controller_error = ""
        if not self._controller.new_session(spec, data, training, initial_parameters):
            self._show_error(self._controller_error or "The network could not be created.")
            return False
        log.info("created %s on %s", " → ".join(map(str, spec.widths)), data.name)
        self.accept()
        return True

    # ------------------------------------------------------------------ building the widgets

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        data_group = self._build_data_group()
        training_group = self._build_training_group()
        network_group = self._build_network_group()
        _align_label_columns([data_group.layout(), training_group.layout()])

        # Data over Training on the left and Network on the right keep the dialog short
        # enough for a laptop screen. The Training box stretches over the space that the
        # rows hidden for one kind of data set leave, so both columns end on one line.
        left = QVBoxLayout()
        left.addWidget(data_group)
        left.addWidget(training_group, 1)
        columns = QHBoxLayout()
        columns.setSpacing(12)
        columns.addLayout(left, 1)
        columns.addWidget(network_group, 1)
        layout.addLayout(columns, 1)

        self._error_label = QLabel()
        self._error_label.setObjectName("errorLabel")
        self._error_label.setWordWrap(True)
        self._error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._error_label.setStyleSheet(
            f"QLabel {{ color: {theme.css_colour(theme.INVALID)}; background: "
            f"{theme.css_colour(theme.INVALID_BACKGROUND)}; border-radius: 4px; padding: 6px; }}"
        )
        self._error_label.hide()
        layout.addWidget(self._error_label)

        self._buttons = QDialogButtonBox()
        self._create_button = self._buttons.addButton("Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self._create_button.setObjectName("createButton")
        self._create_button.setDefault(True)
        self._create_button.setToolTip("Start a new session on these settings; the current one is replaced")
        self._buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._buttons.accepted.connect(self._on_buttons_accepted)
        self._buttons.rejected.connect(self.reject)
        layout.addWidget(self._buttons)

    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(6)
        return form

    def _build_data_group(self) -> QGroupBox:
        group = QGroupBox("Data")
        form = self._data_form = self._form(group)

        self._dataset_combo = QComboBox()
        self._dataset_combo.setToolTip("The samples the network trains on")
        for name in BUILTIN_NAMES:
            self._dataset_combo.addItem(DATASET_LABELS.get(name, name), name)
        self._dataset_combo.insertSeparator(self._dataset_combo.count())
        self._dataset_combo.addItem(DATASET_LABELS[CSV_CHOICE], CSV_CHOICE)
        self._dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_current_index_changed)
        form.addRow("Data set:", self._dataset_combo)

        self._preview_label = QLabel()
        self._preview_label.setObjectName("previewLabel")
        self._preview_label.setWordWrap(True)
        form.addRow("", self._preview_label)

        self._samples_spin = QSpinBox()
        self._samples_spin.setRange(EXACT_XOR_VALUE, MAX_SAMPLES)
        self._samples_spin.setValue(DEFAULT_SAMPLES)
        self._samples_spin.setGroupSeparatorShown(True)
        self._samples_spin.setKeyboardTracking(False)
        self._samples_spin.setToolTip("Number of generated points, spread evenly over the classes")
        self._samples_spin.valueChanged.connect(self._on_data_field_changed)
        form.addRow("Samples:", self._samples_spin)

        self._noise_spin = CompactDoubleSpinBox()
        self._noise_spin.setRange(0.0, 10.0)
        self._noise_spin.setDecimals(3)
        self._noise_spin.setSingleStep(0.05)
        self._noise_spin.setValue(DEFAULT_NOISE)
        self._noise_spin.setKeyboardTracking(False)
        self._noise_spin.setToolTip("Standard deviation of the Gaussian jitter added to each coordinate")
        self._noise_spin.valueChanged.connect(self._on_data_field_changed)
        form.addRow("Noise σ:", self._noise_spin)

        self._data_seed_spin = QSpinBox()
        self._data_seed_spin.setRange(0, MAX_SEED)
        self._data_seed_spin.setKeyboardTracking(False)
        self._data_seed_spin.setToolTip("Seed of the random generator that places the points")
        self._data_seed_spin.valueChanged.connect(self._on_data_field_changed)
        form.addRow("Data seed:", self._data_seed_spin)

        self._csv_path_edit = QLineEdit()
        self._csv_path_edit.setPlaceholderText("path to a UTF-8 .csv file")
        self._csv_path_edit.setToolTip("Comma-separated values; every column that is not a target is an input")
        self._csv_path_edit.editingFinished.connect(self._on_data_field_changed)
        browse_button = QPushButton("Browse…")
        browse_button.setObjectName("browseButton")
        browse_button.setAutoDefault(False)
        browse_button.clicked.connect(self._on_browse_button_clicked)
        path_row = QWidget()
        path_layout = QHBoxLayout(path_row)
        path_layout.setContentsMargins(0, 0, 0, 0)
        path_layout.addWidget(self._csv_path_edit, 1)
        path_layout.addWidget(browse_button)
        self._csv_path_row = path_row
        form.addRow("File:", path_row)

        self._csv_target_edit = QLineEdit("-1")
        self._csv_target_edit.setPlaceholderText("species, or 4, or -1 for the last column")
        self._csv_target_edit.setToolTip(
            "Header names or 0-based indices, separated by commas. A whole number is read as an "
            "index and -1 is the last column."
        )
        self._csv_target_edit.editingFinished.connect(self._on_data_field_changed)
        form.addRow("Target columns:", self._csv_target_edit)

        self._header_combo = QComboBox()
        for key, label in HEADER_CHOICES:
            self._header_combo.addItem(label, key)
        self._header_combo.setToolTip("Detect: the first row is a header when a target is named or an input cell "
                                      "is not a number")
        self._header_combo.currentIndexChanged.connect(self._on_data_field_changed)
        form.addRow("Header row:", self._header_combo)

        self._one_hot_combo = QComboBox()
        for key, label in ONE_HOT_CHOICES:
            self._one_hot_combo.addItem(label, key)
        self._one_hot_combo.setToolTip("One-hot turns one column of class labels into one 0/1 target per class")
        self._one_hot_combo.currentIndexChanged.connect(self._on_data_field_changed)
        form.addRow("Targets:", self._one_hot_combo)

        self._standardize_check = QCheckBox("Standardise inputs")
        self._standardize_check.setToolTip("Shift and scale each input column to mean 0 and standard deviation 1 "
                                           "(population standard deviation)")
        self._standardize_check.toggled.connect(self._on_data_field_changed)
        form.addRow("", self._standardize_check)
        return group

    def _build_network_group(self) -> QGroupBox:
        group = QGroupBox("Network")
        group.setMinimumWidth(NETWORK_MIN_WIDTH)
        form = self._form(group)

        self._inputs_label = QLabel()
        self._inputs_label.setToolTip("One input unit per input column of the data set")
        form.addRow("Input layer:", self._inputs_label)

        self._layer_table = QTableWidget(0, 2)
        self._layer_table.setHorizontalHeaderLabels(["Units", "Activation"])
        self._layer_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self._layer_table.setColumnWidth(0, UNITS_COLUMN_WIDTH)
        self._layer_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._layer_table.horizontalHeader().setHighlightSections(False)
        self._layer_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._layer_table.verticalHeader().setHighlightSections(False)
        self._layer_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._layer_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._layer_table.setToolTip("Hidden layers from the input side to the output side")
        self._layer_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._layer_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        row_height = self._layer_table.verticalHeader().defaultSectionSize()
        table_height = self._layer_table.horizontalHeader().sizeHint().height() + VISIBLE_LAYER_ROWS * row_height + 4
        self._layer_table.setMinimumHeight(table_height)

        no_layers_label = QLabel("No hidden layers: the inputs feed the output layer directly.")
        no_layers_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        no_layers_label.setWordWrap(True)
        no_layers_label.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};"
                                      f"border: 1px dashed {theme.css_colour(theme.GRID)}; border-radius: 4px;")
        no_layers_label.setMinimumHeight(table_height)
        no_layers_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._layer_stack = QStackedWidget()
        self._layer_stack.addWidget(self._layer_table)
        self._layer_stack.addWidget(no_layers_label)

        self._add_layer_button = QPushButton("Add layer")
        self._add_layer_button.setObjectName("addLayerButton")
        self._add_layer_button.setAutoDefault(False)
        self._add_layer_button.setToolTip("Add a hidden layer after the selected one, or at the end")
        self._add_layer_button.clicked.connect(self._on_add_layer_button_clicked)
        self._remove_layer_button = QPushButton("Remove layer")
        self._remove_layer_button.setObjectName("removeLayerButton")
        self._remove_layer_button.setAutoDefault(False)
        self._remove_layer_button.setToolTip("Remove the selected hidden layer, or the last one")
        self._remove_layer_button.clicked.connect(self._on_remove_layer_button_clicked)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self._add_layer_button)
        buttons.addWidget(self._remove_layer_button)
        buttons.addStretch(1)
        hidden = QWidget()
        hidden_layout = QVBoxLayout(hidden)
        hidden_layout.setContentsMargins(0, 0, 0, 0)
        hidden_layout.setSpacing(4)
        hidden_layout.addWidget(self._layer_stack)
        hidden_layout.addLayout(buttons)
        form.addRow("Hidden layers:", hidden)
        form.labelForField(hidden).setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

        self._output_units_label = QLabel()
        self._output_units_label.setToolTip("The output width is the number of target columns, so it is fixed "
                                            "by the data set")
        self._output_combo = QComboBox()
        self._output_combo.setToolTip("Activation of the output layer; the loss decides which ones fit")
        self._output_combo.currentIndexChanged.connect(self._on_output_combo_current_index_changed)
        output_row = QWidget()
        output_layout = QHBoxLayout(output_row)
        output_layout.setContentsMargins(0, 0, 0, 0)
        output_layout.addWidget(self._output_units_label)
        output_layout.addWidget(self._output_combo, 1)
        form.addRow("Output layer:", output_row)

        self._loss_combo = QComboBox()
        self._loss_combo.currentIndexChanged.connect(self._on_loss_combo_current_index_changed)
        form.addRow("Loss:", self._loss_combo)

        self._summary_label = QLabel()
        self._summary_label.setObjectName("summaryLabel")
        self._summary_label.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)};")
        self._summary_label.setWordWrap(True)
        form.addRow("", self._summary_label)
        return group

    def _build_training_group(self) -> QGroupBox:
        group = QGroupBox("Training")
        form = self._form(group)

        self._rate_spin = CompactDoubleSpinBox()
        self._rate_spin.setDecimals(6)
        self._rate_spin.setRange(1e-6, 100.0)
        self._rate_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self._rate_spin.setValue(0.1)
        self._rate_spin.setToolTip("Step size α of gradient descent: θ ← θ − α ∂L/∂θ")
        form.addRow("Learning rate α:", self._rate_spin)

        self._batch_spin = QSpinBox()
        self._batch_spin.setRange(0, MAX_SAMPLES)
        self._batch_spin.setSpecialValueText("full batch")
        self._batch_spin.setGroupSeparatorShown(True)
        self._batch_spin.setToolTip("Samples per iteration. 0 is the full batch: every sample in every iteration")
        form.addRow("Batch size:", self._batch_spin)

        self._seed_spin = QSpinBox()
        self._seed_spin.setRange(0, MAX_SEED)
        self._seed_spin.setToolTip("Seed of the initial weights and of the batch order")
        self._seed_spin.valueChanged.connect(self._on_seed_spin_value_changed)
        form.addRow("Seed:", self._seed_spin)

        self._shuffle_check = QCheckBox("Shuffle the samples every epoch")
        self._shuffle_check.setToolTip("Draw the mini-batches from a new random order of the samples every epoch. "
                                       "No effect on a full batch")
        form.addRow("", self._shuffle_check)

        self._init_combo = QComboBox()
        for name in INITIALIZATIONS:
            self._init_combo.addItem(INITIALIZATION_LABELS.get(name, name), name)
        self._init_combo.setToolTip("The distribution W is drawn from. Every b starts at 0")
        self._init_combo.currentIndexChanged.connect(self._on_init_combo_current_index_changed)
        form.addRow("Initial weights:", self._init_combo)

        self._keep_weights_check = QCheckBox("Start from the current session's initial W and b")
        self._keep_weights_check.setToolTip(
            "Reuse the exact initial parameters of the open session instead of drawing new ones. "
            "Possible while the input width and every layer width stay the same."
        )
        form.addRow("", self._keep_weights_check)
        return group

    # ------------------------------------------------------------------ defaults

    def _load_defaults(self, session) -> None:
        """Fill every field from the open session and load its data into the preview."""
        data, spec, training = session.data, session.spec, session.training

        # Signals stay blocked while the session's values go in, so none of them counts as a
        # user change that would make Create reload the data instead of reusing the session's.
        blocked = [self._dataset_combo, self._samples_spin, self._noise_spin, self._data_seed_spin,
                   self._standardize_check, self._seed_spin, self._init_combo]
        for widget in blocked:
            widget.blockSignals(True)

        if data.name in BUILTIN_NAMES:
            self._dataset_combo.setCurrentIndex(self._dataset_combo.findData(data.name))
            self._fill_generator_fields(data)
        else:
            self._dataset_combo.insertItem(0, f"Current data: {data.name}", CURRENT_CHOICE)
            self._dataset_combo.insertSeparator(1)
            self._dataset_combo.setCurrentIndex(0)
        self._standardize_check.setChecked(data.standardization is not None)

        self._rate_spin.setValue(training.learning_rate)
        self._batch_spin.setValue(training.batch_size or 0)
        self._seed_spin.setValue(training.seed)
        self._shuffle_check.setChecked(training.shuffle)
        self._init_combo.setCurrentIndex(max(0, self._init_combo.findData(training.initialization)))
        self._keep_weights_check.setChecked(True)
        for widget in blocked:
            widget.blockSignals(False)

        for layer in spec.layers[:-1]:
            self._append_layer_row(layer.units, layer.activation)
        self._reload_data()
        self._select_loss(spec.loss)
        self._select_output_activation(spec.layers[-1].activation)
        self._on_layers_changed()

    def _fill_generator_fields(self, data: Dataset) -> None:
        if data.name not in GENERATED_NAMES:
            return
        exact_xor = data.name == "xor" and not data.source.startswith("generated")
        self._samples_spin.setValue(EXACT_XOR_VALUE if exact_xor else data.samples)
        match = _GENERATED_SOURCE.match(data.source)
        if match is not None:
            self._noise_spin.setValue(float(match["noise"]))
            self._data_seed_spin.setValue(int(match["seed"]))

    # ------------------------------------------------------------------ data

    def _dataset_choice(self) -> str:
        return self._dataset_combo.currentData()

    def _reload_data(self) -> Dataset | None:
        """Load the chosen data set, show its preview or error, and fit the network fields to it."""
        self._update_data_rows()
        try:
            data = self._load_chosen_data()
        except (GradstepError, ValueError) as error:
            self._data, self._data_error = None, str(error)
            self._set_preview(str(error), failed=True)
        else:
            self._data, self._data_error = data, ""
            self._set_preview(preview_of(data), failed=False)
        self._fit_network_to_data()
        return self._data

    def _load_chosen_data(self) -> Dataset:
        choice = self._dataset_choice()
        if self._data_is_current or choice == CURRENT_CHOICE:
            return self._current_data
        standardize = self._standardize_check.isChecked()
        if choice == CSV_CHOICE:
            path = self._csv_path_edit.text().strip()
            if not path:
                raise DataError("No CSV file chosen: enter a path or press Browse…")
            return load_csv(
                Path(path).expanduser(),
                parse_target_columns(self._csv_target_edit.text()),
                header=_TRISTATE[self._header_combo.currentData()],
                one_hot=_TRISTATE[self._one_hot_combo.currentData()],
                standardize=standardize,
            )
        if choice not in GENERATED_NAMES:
            return load_builtin(choice, standardize=standardize)
        samples = self._samples_spin.value()
        if samples == EXACT_XOR_VALUE:
            return load_builtin(choice, standardize=standardize)
        return load_builtin(choice, samples=samples, noise=self._noise_spin.value(),
                            seed=self._data_seed_spin.value(), standardize=standardize)

    def _set_preview(self, text: str, failed: bool) -> None:
        colour = theme.INVALID if failed else theme.MUTED_TEXT
        self._preview_label.setStyleSheet(f"color: {theme.css_colour(colour)};")
        self._preview_label.setText(text)
        self._fit_height()

    def _update_data_rows(self) -> None:
        """Show the fields that apply to the chosen data set and hide the others."""
        choice = self._dataset_choice()
        generated = choice in GENERATED_NAMES
        csv_file = choice == CSV_CHOICE
        for widget in (self._samples_spin, self._noise_spin, self._data_seed_spin):
            self._data_form.setRowVisible(widget, generated)
        for widget in (self._csv_path_row, self._csv_target_edit, self._header_combo, self._one_hot_combo):
            self._data_form.setRowVisible(widget, csv_file)
        self._standardize_check.setEnabled(choice != CURRENT_CHOICE)

        # XOR alone has an exact form, the four corners, shown below the smallest sample count.
        xor = choice == "xor"
        self._samples_spin.blockSignals(True)  # a changed range is no user edit
        self._samples_spin.setMinimum(EXACT_XOR_VALUE if xor else 4)
        self._samples_spin.setSpecialValueText("4 exact corners, no noise" if xor else "")
        self._samples_spin.blockSignals(False)
        jittered = generated and not (xor and self._samples_spin.value() == EXACT_XOR_VALUE)
        self._noise_spin.setEnabled(jittered)
        self._data_seed_spin.setEnabled(jittered)

    # ------------------------------------------------------------------ network

    def _append_layer_row(self, units: int, activation: str, row: int | None = None) -> None:
        row = self._layer_table.rowCount() if row is None else row
        self._layer_table.insertRow(row)

        units_spin = QSpinBox()
        units_spin.setRange(1, MAX_HIDDEN_UNITS)
        units_spin.setValue(units)
        units_spin.setFrame(False)
        units_spin.setToolTip(f"Units of this hidden layer, 1 to {MAX_HIDDEN_UNITS}")
        units_spin.valueChanged.connect(self._on_layers_changed)
        activation_combo = QComboBox()
        activation_combo.setFrame(False)
        for name in HIDDEN_ACTIVATIONS:
            activation_combo.addItem(ACTIVATION_LABELS.get(name, name), name)
        index = activation_combo.findData(activation)
        if index < 0:
            raise ValueError(f"hidden activation {activation!r}: expected one of {', '.join(HIDDEN_ACTIVATIONS)}")
        activation_combo.setCurrentIndex(index)
        activation_combo.currentIndexChanged.connect(self._on_layers_changed)
        self._layer_table.setCellWidget(row, 0, units_spin)
        self._layer_table.setCellWidget(row, 1, activation_combo)

    def _renumber_layers(self) -> None:
        labels = [f"Layer {row + 1}" for row in range(self._layer_table.rowCount())]
        self._layer_table.setVerticalHeaderLabels(labels)

    def _fit_network_to_data(self) -> None:
        """Show the data's input and output widths and offer the losses its targets allow."""
        data = self._data
        if data is None:
            self._inputs_label.setText("—")
            self._output_units_label.setText("—")
        else:
            self._inputs_label.setText(_count(data.inputs.shape[1], "unit"))
            self._output_units_label.setText(_count(data.targets.shape[1], "unit"))
            self._batch_spin.setMaximum(max(1, data.samples))
        self._refresh_losses()
        self._on_layers_changed()

    def _refresh_losses(self) -> None:
        """Offer the losses that fit the data's targets, keeping the chosen one where it fits."""
        data = self._data
        losses = list(LOSSES) if data is None else [loss for loss in LOSSES if loss_fits_targets(loss, data)]
        keep = self._loss_combo.currentData()
        if keep not in losses:
            keep = next((loss for loss in ("cross_entropy", "binary_cross_entropy") if loss in losses), losses[0])
        labels = {loss: LOSS_LABELS.get(loss, loss) for loss in losses}
        _fill_combo(self._loss_combo, losses, labels, keep)
        for index, loss in enumerate(losses):
            self._loss_combo.setItemData(index, f"L = {LOSSES[loss].formula}", Qt.ItemDataRole.ToolTipRole)
        self._refresh_output_activations()

    def _refresh_output_activations(self) -> None:
        """Offer the output activations the chosen loss allows, keeping the chosen one where it fits."""
        loss = self._loss_combo.currentData()
        outputs = self._output_units()
        if loss is None:
            activations = [name for name in ACTIVATIONS if name != "softmax" or outputs >= 2]
        else:
            activations = output_activations_for(loss, outputs)
        keep = self._output_combo.currentData()
        if keep not in activations:
            keep = activations[0]
        _fill_combo(self._output_combo, activations, ACTIVATION_LABELS, keep)
        required = REQUIRED_OUTPUT.get(loss)
        self._output_combo.setToolTip(
            f"{LOSS_LABELS.get(loss, loss)} needs a {required} output. Choose mse or half_sse for another"
            if required else "Activation of the output layer"
        )
        self._on_layers_changed()

    def _select_loss(self, loss: str) -> None:
        index = self._loss_combo.findData(loss)
        if index >= 0:
            self._loss_combo.setCurrentIndex(index)

    def _select_output_activation(self, activation: str) -> None:
        index = self._output_combo.findData(activation)
        if index >= 0:
            self._output_combo.setCurrentIndex(index)

    def _output_units(self) -> int:
        return 1 if self._data is None else self._data.targets.shape[1]

    def _build_spec(self, data: Dataset) -> NetworkSpec:
        hidden = tuple(Layer(units, activation) for units, activation in self.hidden_layers())
        output = Layer(data.targets.shape[1], self._output_combo.currentData())
        return NetworkSpec(data.inputs.shape[1], hidden + (output,), self._loss_combo.currentData())

    def _build_training(self) -> TrainingConfig:
        batch = self._batch_spin.value()
        return TrainingConfig(
            optimizer=self._controller.session.training.optimizer,
            learning_rate=self._rate_spin.value(),
            batch_size=batch or None,
            seed=self._seed_spin.value(),
            shuffle=self._shuffle_check.isChecked(),
            initialization=self._init_combo.currentData(),
        )

    def _shapes_match(self, spec: NetworkSpec) -> bool:
        return spec.parameter_shapes() == self._current_spec.parameter_shapes()

    def _update_summary(self) -> None:
        """Write the layer widths and parameter count, and allow keeping the weights when shapes match."""
        layers = self._layer_table.rowCount()
        self._layer_stack.setCurrentIndex(0 if layers else 1)
        self._add_layer_button.setEnabled(layers < MAX_HIDDEN_LAYERS)
        self._remove_layer_button.setEnabled(layers > 0)
        self._renumber_layers()

        data = self._data
        if data is None or self._output_combo.currentData() is None:
            self._summary_label.setText("")
            self._keep_weights_check.setEnabled(False)
            return
        try:
            spec = self._build_spec(data)
        except GradstepError as error:
            self._summary_label.setText(str(error))
            self._keep_weights_check.setEnabled(False)
            return
        self._summary_label.setText(f"{describe_widths(spec)}  ·  {_count(spec.parameter_count(), 'parameter')}")
        self._keep_weights_check.setEnabled(self._shapes_match(spec))

    def _show_error(self, text: str) -> None:
        self._error_label.setText(text)
        self._error_label.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow the dialog when a wrapped message needs more lines than the dialog has room for."""
        # Qt sets a top-level widget's minimum size without height-for-width, so a label
        # that wraps onto another line would be clipped instead of enlarging the dialog.
        if not self.isVisible():
            return
        self.layout().activate()
        needed = self.layout().totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    # ------------------------------------------------------------------ slots

    def _on_dataset_combo_current_index_changed(self, _index: int) -> None:
        self._data_is_current = False
        # XOR starts on its four exact corners; the other sets start on the default sample count.
        xor = self._dataset_choice() == "xor"
        self._samples_spin.blockSignals(True)  # the data reloads once, below
        self._samples_spin.setMinimum(EXACT_XOR_VALUE)
        if xor:
            self._samples_spin.setValue(EXACT_XOR_VALUE)
        elif self._samples_spin.value() == EXACT_XOR_VALUE:
            self._samples_spin.setValue(DEFAULT_SAMPLES)
        self._samples_spin.blockSignals(False)
        suggestion = SUGGESTED_SETUPS.get(self._dataset_choice())
        if suggestion is not None:
            hidden, initialization, standardize, learning_rate = suggestion
            self.set_hidden_layers(hidden)
            self.set_training(learning_rate=learning_rate, initialization=initialization)
            # Blocked so the data loads once, below, with the suggested standardisation.
            self._standardize_check.blockSignals(True)
            self._standardize_check.setChecked(standardize)
            self._standardize_check.blockSignals(False)
        self._reload_data()

    def _on_data_field_changed(self, *_args) -> None:
        self._data_is_current = False
        self._reload_data()

    def _on_browse_button_clicked(self) -> None:
        path = self._choose_csv_path()
        if not path:
            return
        self._csv_path_edit.setText(path)
        self._on_data_field_changed()

    def _choose_csv_path(self) -> str:
        """Ask for a CSV file with the platform's file dialog and return its path, or "" on Cancel."""
        start = str(Path(self._csv_path_edit.text()).expanduser().parent) if self._csv_path_edit.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CSV File", start, "CSV files (*.csv);;All files (*)")
        return path

    def _on_add_layer_button_clicked(self) -> None:
        selected = self._layer_table.currentRow()
        rows = self.hidden_layers()
        # A new layer copies the selected one, or the last one, so deep stacks are quick to build.
        units, activation = NEW_LAYER
        if 0 <= selected < len(rows):
            units, activation = rows[selected]
        elif rows:
            units, activation = rows[-1]
        row = selected + 1 if selected >= 0 else None
        self._append_layer_row(units, activation, row)
        self._layer_table.selectRow(self._layer_table.rowCount() - 1 if row is None else row)
        self._on_layers_changed()

    def _on_remove_layer_button_clicked(self) -> None:
        rows = self._layer_table.rowCount()
        if rows == 0:
            return
        selected = self._layer_table.currentRow()
        self._layer_table.removeRow(selected if 0 <= selected < rows else rows - 1)
        self._on_layers_changed()

    def _on_layers_changed(self, *_args) -> None:
        self._update_summary()

    def _on_loss_combo_current_index_changed(self, _index: int) -> None:
        self._refresh_output_activations()

    def _on_output_combo_current_index_changed(self, _index: int) -> None:
        self._update_summary()

    def _on_seed_spin_value_changed(self, _value: int) -> None:
        # Changing the seed or the initialization means new weights, so the current ones are no longer kept.
        self._keep_weights_check.setChecked(False)

    def _on_init_combo_current_index_changed(self, _index: int) -> None:
        self._keep_weights_check.setChecked(False)

    def _on_buttons_accepted(self) -> None:
        self.create()

    def _on_controller_error_occurred(self, message: str) -> None:
        self._controller_error = message


def _fill_combo(combo: QComboBox, keys, labels: dict, selected: str) -> None:
    """Replace combo's items with keys, shown by their labels, and select one without emitting signals."""
    # The items change because the data or the loss changed, not because the user picked one.
    combo.blockSignals(True)
    combo.clear()
    for key in keys:
        combo.addItem(labels.get(key, key), key)
    combo.setCurrentIndex(max(0, combo.findData(selected)))
    combo.blockSignals(False)


def _align_label_columns(forms) -> None:
    """Give the labels of several form layouts one width, so their fields start in one column."""
    labels = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and item.widget() is not None:
                labels.append(item.widget())
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
