"""One training iteration traced: every intermediate kept in its own array.

``trace_iteration`` makes the same NumPy calls in the same order as the fast path in
``engine.optimizers``, so both give bit-identical parameters (a test checks it), but it
writes each intermediate into a new array and keeps it. The ``Step`` objects the window
shows are built from those arrays when first asked for: at the tutorial's size, building
the 19 frozen steps costs more than the arithmetic, and Run or a gradient check never
needs them.
"""

from __future__ import annotations

import functools

import numpy as np

from engine.activations import get_activation, softmax_jacobian
from engine.losses import get_loss
from engine.network import NetworkSpec
from engine.steps import Step, frozen_array


class LayerWork:
    """Work arrays of one layer for a batch of m samples: (m, n_out) unless noted."""

    __slots__ = ("activation", "z", "a", "da", "dadz", "dz", "dW", "db", "update_W", "update_b")

    def __init__(self, fan_in: int, fan_out: int, m: int, activation: str):
        self.activation = get_activation(activation)
        self.z = np.empty((m, fan_out))
        self.a = np.empty((m, fan_out))
        self.da = np.empty((m, fan_out))
        self.dadz = np.empty((m, fan_out)) if self.activation.is_elementwise else None
        self.dz = np.empty((m, fan_out))
        self.dW = np.empty((fan_in, fan_out))
        self.db = np.empty(fan_out)
        self.update_W = np.empty((fan_in, fan_out))
        self.update_b = np.empty(fan_out)


class Workspace:
    """Every work array of one iteration at batch size m, reused by the fast path."""

    def __init__(self, spec: NetworkSpec, m: int):
        self.m = m
        self.loss_function = get_loss(spec.loss)
        self.layers = [
            LayerWork(fan_in, fan_out, m, layer.activation)
            for fan_in, fan_out, layer in zip(spec.widths, spec.widths[1:], spec.layers)
        ]


def output_chain(loss_function, activation, z, a, targets):
    """Return ∂L/∂a, ∂a/∂z and their product ∂L/∂z of the output layer, each a new array.

    ∂a/∂z is elementwise (m, C), or the per-sample Jacobian (m, C, C) of softmax.
    """
    da = loss_function.gradient(a, targets, out=np.empty_like(a))
    if activation.is_elementwise:
        dadz = activation.derivative(z, a)
        return da, dadz, np.multiply(da, dadz)
    jacobian = softmax_jacobian(a)
    return da, jacobian, np.einsum("ki,kij->kj", da, jacobian)


@functools.lru_cache(maxsize=64)
def _plan(spec: NetworkSpec):
    """Return the step keys and functions a traced iteration of spec uses, layer by layer from 1."""
    layers = tuple(
        (number, get_activation(layer.activation), f"W{number}", f"b{number}", f"z{number}", f"a{number}",
         f"a{number - 1}", f"da{number}", f"dadz{number}", f"dz{number}", f"dW{number}", f"db{number}",
         f"da{number - 1}")
        for number, layer in enumerate(spec.layers, start=1)
    )
    loss_function = get_loss(spec.loss)
    fused = loss_function.fused_activation == spec.layers[-1].activation
    return layers, loss_function, fused, tuple(spec.parameter_shapes())


class IterationTrace:
    """One traced iteration: its intermediates, the loss before the update and the parameters after it.

    ``values`` maps step keys (``a0`` for the inputs, ``Y``, ``W1``, ``z1``, ``dz2``, …) to
    arrays of this iteration, and ``W1`` and the other parameter names hold the values before
    the update. ``parameters`` and ``gradients`` are read-only. ``steps`` are built on first use.
    """

    __slots__ = ("spec", "values", "loss", "lr", "parameters", "gradients", "_steps")

    def __init__(self, spec: NetworkSpec, values: dict, loss: float, lr: float, parameters: dict, gradients: dict):
        self.spec = spec
        self.values = values
        self.loss = loss
        self.lr = lr
        self.parameters = parameters
        self.gradients = gradients
        self._steps: tuple[Step, ...] | None = None

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step of the iteration in order, each frozen with read-only arrays."""
        if self._steps is None:
            from engine.step_builder import build_steps  # imported here: step_builder imports this module

            self._steps = build_steps(self.spec, self.values, self.lr, self.parameters)
        return self._steps

    def parameters_before(self) -> dict[str, np.ndarray]:
        """Return the read-only parameters the iteration started from, by name."""
        return {name: self.values[name] for name in self.parameters}


def trace_iteration(spec: NetworkSpec, parameters, inputs, targets, lr: float) -> IterationTrace:
    """Run one iteration, keeping every intermediate, and return its trace.

    The caller's arrays are not modified. Writable ones are copied, so that later changes
    cannot reach the trace. inputs: (m, n_in); targets: (m, n_out).
    """
    layers, loss_function, fused, names = _plan(spec)
    lr = float(lr)
    Y = _read_only(targets)
    values = {"a0": _read_only(inputs), "Y": Y}
    for name in names:
        values[name] = _read_only(parameters[name])

    previous = values["a0"]
    for _, activation, W, b, z_key, a_key, *_ in layers:
        z = np.matmul(previous, values[W])
        z += values[b]
        values[z_key] = z
        previous = values[a_key] = activation.forward(z)

    _, output_activation, _, _, z_key, a_key, _, da_key, dadz_key, dz_key, *_ = layers[-1]
    z, a = values[z_key], values[a_key]
    loss = values["L"] = loss_function.value(z, a, Y)
    if fused:
        # ∂L/∂a and ∂a/∂z only explain the fused gradient, so the step builder computes them.
        dz = np.subtract(a, Y)
        dz /= Y.size if loss_function.per_element else Y.shape[0]
    else:
        values[da_key], values[dadz_key], dz = output_chain(loss_function, output_activation, z, a, Y)
    values[dz_key] = dz

    depth = len(layers)
    gradients = {}
    for number, activation, W, b, z_key, a_key, below_key, da_key, dadz_key, dz_key, dW_key, db_key, below_da_key \
            in reversed(layers):
        if number < depth:
            dadz = values[dadz_key] = activation.derivative(values[z_key], values[a_key])
            dz = values[dz_key] = np.multiply(values[da_key], dadz)
        gradients[W] = values[dW_key] = _frozen(np.matmul(values[below_key].T, dz))
        gradients[b] = values[db_key] = _frozen(np.add.reduce(dz, axis=0))
        if number > 1:
            values[below_da_key] = np.matmul(dz, values[W].T)

    updated = {}
    for name in names:
        # θ − α·∂L/∂θ in one new array: the same bits as the fast path's θ −= α·∂L/∂θ.
        step = np.multiply(gradients[name], lr)
        updated[name] = _frozen(np.subtract(values[name], step, out=step))
    return IterationTrace(spec, values, loss, lr, updated, {name: gradients[name] for name in names})


def evaluate(spec: NetworkSpec, parameters, inputs, targets=None):
    """Run the forward pass alone; return the output a_L (m, n_out), and the loss when targets are given."""
    previous = np.asarray(inputs, dtype=np.float64)
    z = previous
    for number, layer in enumerate(spec.layers, start=1):
        z = np.matmul(previous, parameters[f"W{number}"])
        z += parameters[f"b{number}"]
        previous = get_activation(layer.activation).forward(z)
    if targets is None:
        return previous
    targets = np.asarray(targets, dtype=np.float64)
    return previous, get_loss(spec.loss).value(z, previous, targets)


def _read_only(values) -> np.ndarray:
    """Return values itself when it is already a read-only float64 array, else a frozen copy."""
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and not values.flags.writeable:
        return values
    return frozen_array(values)


def _frozen(array: np.ndarray) -> np.ndarray:
    """Mark an array this iteration made read-only and return it."""
    array.setflags(write=False)
    return array
