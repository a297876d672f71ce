"""One training iteration: forward pass, loss, backward pass and gradient-descent update.

``run_iteration`` computes one iteration on fresh work arrays with a recorder that freezes
every intermediate into a ``Step``; ``trace_iteration`` wraps it. The fast path in
``engine.optimizers`` makes the same NumPy calls in the same order on reused arrays, so both
produce bit-identical parameters (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.activations import get_activation, softmax_jacobian
from engine.losses import get_loss
from engine.network import NetworkSpec
from engine.steps import Step
from engine.step_builder import StepRecorder


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
    """Every work array of one iteration at batch size m, so a warm iteration allocates little."""

    def __init__(self, spec: NetworkSpec, m: int):
        self.m = m
        self.loss_function = get_loss(spec.loss)
        self.layers = [
            LayerWork(fan_in, fan_out, m, layer.activation)
            for fan_in, fan_out, layer in zip(spec.widths, spec.widths[1:], spec.layers)
        ]
        self._names = [(f"W{number}", f"b{number}") for number in range(1, spec.depth + 1)]
        self._bound: tuple[dict, list, list] | None = None

    def bind(self, parameters: dict) -> tuple[list, list]:
        """Return the weight and bias arrays of parameters in layer order, cached for the same dict."""
        if self._bound is None or self._bound[0] is not parameters:
            weights = [parameters[name] for name, _ in self._names]
            biases = [parameters[name] for _, name in self._names]
            self._bound = (parameters, weights, biases)
        return self._bound[1], self._bound[2]

    def gradients(self) -> dict[str, np.ndarray]:
        """Return the gradient buffers by parameter name (views, overwritten next iteration)."""
        grads = {}
        for number, work in enumerate(self.layers, start=1):
            grads[f"W{number}"] = work.dW
            grads[f"b{number}"] = work.db
        return grads


def run_iteration(spec, parameters, inputs, targets, lr, work, recorder=None) -> float:
    """Run one iteration on a batch and return the loss before the update.

    parameters: {"W1": (n_in, n_1), "b1": (n_1,), …}, left unchanged: the updated values are
    new arrays, handed to the recorder's update steps.
    inputs: (m, n_in); targets: (m, n_out); work: a fresh ``Workspace`` for batch size m.
    recorder: a ``StepRecorder`` or None; it receives every intermediate in step order.
    """
    weights, biases = work.bind(parameters)
    loss_function = work.loss_function

    forward(weights, biases, inputs, work, recorder)
    output = work.layers[-1]
    loss = loss_function.value(output.z, output.a, targets)
    if recorder is not None:
        recorder.loss(loss)
    backward(loss_function, weights, inputs, targets, work, recorder)
    update(weights, biases, lr, work, recorder)
    return loss


def forward(weights, biases, inputs, work, recorder=None) -> None:
    """Fill z = a_prev · W + b and a = f(z) of every layer in work, from inputs (m, n_in)."""
    previous = inputs
    for number, work_layer in enumerate(work.layers, start=1):
        np.matmul(previous, weights[number - 1], out=work_layer.z)
        work_layer.z += biases[number - 1]
        if recorder is not None:
            recorder.affine(number, work_layer.z)
        work_layer.activation.forward(work_layer.z, out=work_layer.a)
        if recorder is not None:
            recorder.activation(number, work_layer.a)
        previous = work_layer.a


def backward(loss_function, weights, inputs, targets, work, recorder=None) -> None:
    """Fill ∂L/∂z, ∂L/∂W, ∂L/∂b and ∂L/∂a of every layer in work, from the top down."""
    layers = work.layers
    depth = len(layers)

    # Output layer: ∂L/∂z from the loss, fused where the output activation allows.
    output = layers[-1]
    fused = loss_function.fused_activation == output.activation.name
    if fused and recorder is None:
        _fused_gradient(loss_function, output, targets)
    else:
        loss_function.gradient(output.a, targets, out=output.da)
        if recorder is not None:
            recorder.loss_gradient(depth, output.da, feeds_gradient=not fused)
        _output_chain(loss_function, output, targets, fused, recorder, depth)

    # Every layer from the top: ∂L/∂W, ∂L/∂b, then ∂L/∂a of the layer below.
    for number in range(depth, 0, -1):
        work_layer = layers[number - 1]
        if number < depth:
            work_layer.activation.derivative(work_layer.z, work_layer.a, out=work_layer.dadz)
            if recorder is not None:
                recorder.activation_derivative(number, work_layer.dadz, feeds_gradient=True)
            np.multiply(work_layer.da, work_layer.dadz, out=work_layer.dz)
            if recorder is not None:
                recorder.chain(number, work_layer.dz, via="elementwise")

        below = inputs if number == 1 else layers[number - 2].a
        np.matmul(below.T, work_layer.dz, out=work_layer.dW)
        if recorder is not None:
            recorder.weight_gradient(number, work_layer.dW)
        np.add.reduce(work_layer.dz, axis=0, out=work_layer.db)
        if recorder is not None:
            recorder.bias_gradient(number, work_layer.db)
        if number > 1:
            np.matmul(work_layer.dz, weights[number - 1].T, out=layers[number - 2].da)
            if recorder is not None:
                recorder.backpropagate(number - 1, layers[number - 2].da)


def update(weights, biases, lr, work, recorder=None) -> None:
    """Compute θ − α ∂L/∂θ into new arrays, from the top layer down, and record each.

    The subtraction gives the same bits as the fast path's in-place θ −= α ∂L/∂θ.
    """
    for number in range(len(work.layers), 0, -1):
        work_layer = work.layers[number - 1]
        np.multiply(work_layer.dW, lr, out=work_layer.update_W)
        new_weights = np.subtract(weights[number - 1], work_layer.update_W)
        if recorder is not None:
            recorder.update(f"W{number}", number, new_weights)
        np.multiply(work_layer.db, lr, out=work_layer.update_b)
        new_biases = np.subtract(biases[number - 1], work_layer.update_b)
        if recorder is not None:
            recorder.update(f"b{number}", number, new_biases)


def evaluate(spec: NetworkSpec, parameters, inputs, targets=None):
    """Run the forward pass alone; return the output a_L (m, n_out), and the loss when targets are given."""
    inputs = np.asarray(inputs, dtype=np.float64)
    work = Workspace(spec, inputs.shape[0])
    weights = [parameters[f"W{number}"] for number in range(1, spec.depth + 1)]
    biases = [parameters[f"b{number}"] for number in range(1, spec.depth + 1)]
    forward(weights, biases, inputs, work)
    output = work.layers[-1]
    if targets is None:
        return output.a
    targets = np.asarray(targets, dtype=np.float64)
    return output.a, get_loss(spec.loss).value(output.z, output.a, targets)


def _fused_gradient(loss_function, output, targets):
    np.subtract(output.a, targets, out=output.dz)
    output.dz /= targets.size if loss_function.per_element else targets.shape[0]


def _output_chain(loss_function, output, targets, fused, recorder, depth):
    """Compute ∂a/∂z and ∂L/∂z of the output layer from its ∂L/∂a (already in output.da)."""
    if output.activation.is_elementwise:
        output.activation.derivative(output.z, output.a, out=output.dadz)
        jacobian = None
        if recorder is not None:
            recorder.activation_derivative(depth, output.dadz, feeds_gradient=not fused)
    else:
        jacobian = softmax_jacobian(output.a)
        if recorder is not None:
            recorder.softmax_jacobian(depth, jacobian, feeds_gradient=not fused)

    if jacobian is None:
        chained = np.multiply(output.da, output.dadz, out=None if fused else output.dz)
    else:
        chained = np.einsum("ki,kij->kj", output.da, jacobian)
        if not fused:
            output.dz[...] = chained

    if fused:
        _fused_gradient(loss_function, output, targets)
        recorder.fused_chain(depth, output.dz, alternative=chained)
    elif recorder is not None:
        recorder.chain(depth, output.dz, via="elementwise" if jacobian is None else "jacobian")


@dataclass(frozen=True)
class IterationTrace:
    """Every step of one iteration, the loss before the update and the parameters after it."""

    steps: tuple[Step, ...]
    loss: float
    parameters: dict
    gradients: dict


def trace_iteration(spec: NetworkSpec, parameters, inputs, targets, lr: float) -> IterationTrace:
    """Run one iteration on copies of parameters and return all its steps.

    The caller's parameters are not modified. inputs: (m, n_in); targets: (m, n_out).
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    recorder = StepRecorder(spec, parameters, inputs, targets, lr)
    # The recorder's read-only parameters (copies only where the caller's were writable).
    frozen = {name: recorder.frozen[name] for name in spec.parameter_shapes()}
    loss = run_iteration(spec, frozen, inputs, targets, lr, Workspace(spec, inputs.shape[0]), recorder)
    gradients = {name: recorder.frozen[f"d{name}"] for name in frozen}
    return IterationTrace(tuple(recorder.steps), loss, recorder.updated_parameters(), gradients)
