"""The network specification and its parameters.

A ``NetworkSpec`` is the input width, the dense layers (units and activation each) and the
loss. Validation rejects anything the engine can't train and names the layer at fault.
Parameters are a dict ``{"W1": (n_in, n_out), "b1": (n_out,), ...}`` of float64 arrays,
drawn from a seeded ``numpy.random.Generator`` or given explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.activations import ACTIVATIONS
from engine.errors import SpecError
from engine.losses import LOSSES, REQUIRED_OUTPUT

MAX_LAYERS = 64
MAX_UNITS = 100_000
# Rough memory budget for parameters, their gradients, optimizer state and the work
# arrays of one batch. A network above it is rejected before anything is allocated.
MAX_ESTIMATED_BYTES = 4 * 1024**3

INITIALIZATIONS = ("small", "glorot", "he")


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str


@dataclass(frozen=True)
class NetworkSpec:
    """A dense network: ``inputs`` features, then ``layers`` in order, then ``loss``."""

    inputs: int
    layers: tuple[Layer, ...]
    loss: str

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        validate_spec(self)

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """Widths of every layer from the input to the output: (n_in, n_1, …, n_L)."""
        return (self.inputs,) + tuple(layer.units for layer in self.layers)

    @property
    def outputs(self) -> int:
        return self.layers[-1].units

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Return {"W1": (n_in, n_1), "b1": (n_1,), …} in layer order."""
        shapes = {}
        for index, (fan_in, fan_out) in enumerate(zip(self.widths, self.widths[1:]), start=1):
            shapes[f"W{index}"] = (fan_in, fan_out)
            shapes[f"b{index}"] = (fan_out,)
        return shapes

    def parameter_count(self) -> int:
        return sum(int(np.prod(shape)) for shape in self.parameter_shapes().values())

    def estimated_bytes(self, batch_size: int) -> int:
        """Estimate the memory a session needs: 16 copies of the parameters, plus about eight
        work arrays per layer for a batch.

        The copies are the current, initial and traced parameters, gradients, update buffers
        and at least eight rewind checkpoints. A 7000-7000-2 network peaked at 5.9 GiB after
        20 iterations and 19 steps (Linux, NumPy 2.4); this estimates 5.8 GiB.
        """
        activations = batch_size * sum(self.widths)
        softmax_jacobian = batch_size * self.outputs**2 if self.layers[-1].activation == "softmax" else 0
        return 8 * (16 * self.parameter_count() + 8 * activations + softmax_jacobian)

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "layers": [{"units": layer.units, "activation": layer.activation} for layer in self.layers],
            "loss": self.loss,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "NetworkSpec":
        layers = tuple(Layer(item["units"], item["activation"]) for item in data["layers"])
        return cls(data["inputs"], layers, data["loss"])


def _is_positive_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


def validate_spec(spec: NetworkSpec) -> None:
    """Raise ``SpecError`` naming the first invalid field of spec."""
    if not _is_positive_int(spec.inputs):
        raise SpecError(f"network.inputs: expected a positive integer, got {spec.inputs!r}")
    if spec.inputs > MAX_UNITS:
        raise SpecError(f"network.inputs: {spec.inputs} is above the limit of {MAX_UNITS}")
    if not spec.layers:
        raise SpecError("network.layers: expected at least one layer, got none")
    if len(spec.layers) > MAX_LAYERS:
        raise SpecError(f"network.layers: {len(spec.layers)} layers is above the limit of {MAX_LAYERS}")

    last = len(spec.layers) - 1
    for index, layer in enumerate(spec.layers):
        where = f"network.layers[{index}]"
        if not _is_positive_int(layer.units):
            raise SpecError(f"{where}.units: expected a positive integer, got {layer.units!r}")
        if layer.units > MAX_UNITS:
            raise SpecError(f"{where}.units: {layer.units} is above the limit of {MAX_UNITS}")
        if layer.activation not in ACTIVATIONS:
            known = ", ".join(ACTIVATIONS)
            raise SpecError(f"{where}.activation: unknown activation {layer.activation!r}; expected one of {known}")
        if layer.activation == "softmax" and index != last:
            raise SpecError(f"{where}.activation: softmax is only allowed on the output layer")

    if spec.loss not in LOSSES:
        raise SpecError(f"network.loss: unknown loss {spec.loss!r}; expected one of {', '.join(LOSSES)}")
    output = spec.layers[-1].activation
    required = REQUIRED_OUTPUT.get(spec.loss)
    if required is not None and output != required:
        raise SpecError(
            f"network.loss: {spec.loss} needs a {required} output layer, got {output} on layer {len(spec.layers)}"
        )
    if output == "softmax" and spec.outputs < 2:
        raise SpecError(f"network.layers[{last}].units: a softmax output needs at least 2 units, got {spec.outputs}")


def check_batch(spec: NetworkSpec, inputs: np.ndarray, targets: np.ndarray) -> None:
    """Raise ``SpecError`` when inputs (m, n_in) or targets (m, n_out) don't fit spec."""
    if inputs.ndim != 2 or inputs.shape[1] != spec.inputs:
        raise SpecError(f"data.inputs: expected rows of {spec.inputs} values, got shape {inputs.shape}")
    if targets.ndim != 2 or targets.shape[1] != spec.outputs:
        raise SpecError(
            f"data.targets: expected rows of {spec.outputs} values for {spec.outputs} output units, got shape {targets.shape}"
        )
    if inputs.shape[0] != targets.shape[0]:
        raise SpecError(f"data: {inputs.shape[0]} input rows but {targets.shape[0]} target rows")
    if inputs.shape[0] == 0:
        raise SpecError("data.inputs: expected at least one sample, got none")


def init_parameters(spec: NetworkSpec, method: str = "small", seed: int = 0) -> dict[str, np.ndarray]:
    """Draw W from a seeded normal distribution and set b to zero.

    ``small`` is N(0, 1) × 0.01, the tutorial's; ``glorot`` is N(0, 2 / (fan_in + fan_out));
    ``he`` is N(0, 2 / fan_in).
    """
    if method not in INITIALIZATIONS:
        raise SpecError(f"training.initialization: unknown method {method!r}; expected one of {', '.join(INITIALIZATIONS)}")
    rng = np.random.default_rng(seed)
    parameters = {}
    for name, shape in spec.parameter_shapes().items():
        if name.startswith("b"):
            parameters[name] = np.zeros(shape)
            continue
        fan_in, fan_out = shape
        scale = {"small": 0.01, "glorot": np.sqrt(2.0 / (fan_in + fan_out)), "he": np.sqrt(2.0 / fan_in)}[method]
        parameters[name] = rng.standard_normal(shape) * scale
    return parameters


def check_parameters(spec: NetworkSpec, parameters: dict, field: str = "parameters") -> dict[str, np.ndarray]:
    """Return float64 copies of parameters after checking every name and shape against spec.

    A bias given as (1, n_out), as tutorials often print it, is accepted and flattened to (n_out,).
    """
    expected = spec.parameter_shapes()
    missing = [name for name in expected if name not in parameters]
    if missing:
        raise SpecError(f"{field}.{missing[0]}: missing")
    extra = [name for name in parameters if name not in expected]
    if extra:
        raise SpecError(f"{field}.{extra[0]}: not a parameter of this network (expected {', '.join(expected)})")

    checked = {}
    for name, shape in expected.items():
        array = np.array(parameters[name], dtype=np.float64)
        if name.startswith("b") and array.shape == (1,) + shape:
            array = array.reshape(shape)
        if array.shape != shape:
            raise SpecError(f"{field}.{name}: expected shape {shape}, got {array.shape}")
        checked[name] = array
    return checked


def check_targets(spec: NetworkSpec, targets: np.ndarray, field: str = "data.targets") -> None:
    """Raise ``SpecError`` when targets (m, n_out) can't be used with spec's loss.

    Cross-entropy needs rows of probabilities that sum to 1; binary cross-entropy needs
    values in [0, 1]; every loss needs finite values.
    """
    bad = np.argwhere(~np.isfinite(targets))
    if bad.size:
        row, column = bad[0]
        raise SpecError(f"{field}[{row}][{column}]: expected a finite number, got {float(targets[row, column])!r}")
    if spec.loss in ("cross_entropy", "binary_cross_entropy"):
        outside = np.argwhere((targets < 0) | (targets > 1))
        if outside.size:
            row, column = outside[0]
            raise SpecError(
                f"{field}[{row}][{column}]: {spec.loss} needs targets in [0, 1], got {float(targets[row, column])!r}"
            )
    if spec.loss == "cross_entropy":
        sums = targets.sum(axis=1)
        wrong = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
        if wrong.size:
            row = wrong[0]
            raise SpecError(f"{field}[{row}]: cross_entropy needs each target row to sum to 1, got {float(sums[row])!r}")
