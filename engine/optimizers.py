"""Continuous training without step objects: plain gradient descent on reused work arrays.

``FastTrainer`` owns its parameters and one ``Workspace`` per batch size. Its loop makes the
same NumPy calls in the same order as ``trace_iteration`` but keeps no intermediates. It is
unrolled over per-layer tuples prepared once, because at small sizes Python's attribute
lookups cost as much as the arithmetic. Tests check that its parameters stay bit-identical to the traced path.
"""

from __future__ import annotations

import math

import numpy as np

from engine.activations import softmax_jacobian
from engine.iteration import Workspace
from engine.network import NetworkSpec
from engine.steps import frozen_parameters

OPTIMIZERS = ("sgd",)


def frobenius_norm(array: np.ndarray) -> float:
    """Return ‖array‖ without overflow: inf only when the norm itself exceeds the float64 range.

    The fast sqrt(Σ x²) overflows once elements pass about 1e154; then the sum is taken
    again of (x / max|x|)², which cannot overflow.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        norm = math.sqrt(np.vdot(array, array))
    if math.isfinite(norm):
        return norm
    largest = float(np.max(np.abs(array))) if array.size else 0.0
    if not math.isfinite(largest):
        return largest  # NaN or inf inside the array
    scaled = array / largest
    with np.errstate(over="ignore"):
        return largest * math.sqrt(np.vdot(scaled, scaled))


class FastTrainer:
    """Gradient descent for a network; ``parameters`` are updated in place by ``iterate``."""

    def __init__(self, spec: NetworkSpec, parameters: dict[str, np.ndarray]):
        self.spec = spec
        names = spec.parameter_shapes()
        self.parameters = {name: np.array(parameters[name], dtype=np.float64, copy=True) for name in names}
        # Until the first iteration, snapshot() returns read-only starting values without copying them.
        self._start = None
        if all(_is_frozen(parameters[name]) for name in names):
            self._start = {name: parameters[name] for name in names}
        self._plans: dict[int, tuple] = {}
        self._last: Workspace | None = None

    def iterate(self, inputs: np.ndarray, targets: np.ndarray, lr: float) -> float:
        """Run one iteration on a batch (m, n_in), (m, n_out); return the loss before the update."""
        plan = self._plans.get(inputs.shape[0])
        if plan is None:
            plan = self._plans[inputs.shape[0]] = self._plan(inputs.shape[0])
        work, layers, loss_function, fused, divisor = plan
        self._last = work

        previous = inputs
        for W, b, z, a, forward, _, _, _, _, _, _, _, _ in layers:
            np.matmul(previous, W, out=z)
            z += b
            forward(z, out=a)
            previous = a

        output = work.layers[-1]
        loss = loss_function.value(output.z, output.a, targets)
        if fused:
            np.subtract(output.a, targets, out=output.dz)
            output.dz /= divisor
        else:
            loss_function.gradient(output.a, targets, out=output.da)
            if output.dadz is not None:
                output.activation.derivative(output.z, output.a, out=output.dadz)
                np.multiply(output.da, output.dadz, out=output.dz)
            else:
                output.dz[...] = np.einsum("ki,kij->kj", output.da, softmax_jacobian(output.a))

        for index in range(len(layers) - 1, -1, -1):
            W, _, z, a, _, derivative, da, dadz, dz, dW, db, _, _ = layers[index]
            if derivative is not None:
                derivative(z, a, out=dadz)
                np.multiply(da, dadz, out=dz)
            np.matmul((inputs if index == 0 else layers[index - 1][3]).T, dz, out=dW)
            np.add.reduce(dz, axis=0, out=db)
            if index:
                np.matmul(dz, W.T, out=layers[index - 1][6])

        for W, b, _, _, _, _, _, _, _, dW, db, update_W, update_b in reversed(layers):
            np.multiply(dW, lr, out=update_W)
            W -= update_W
            np.multiply(db, lr, out=update_b)
            b -= update_b
        return loss

    def _plan(self, m: int):
        """Prepare the work arrays for batch size m as one tuple per layer, bottom to top."""
        work = Workspace(self.spec, m)
        weights = [self.parameters[f"W{number}"] for number in range(1, self.spec.depth + 1)]
        biases = [self.parameters[f"b{number}"] for number in range(1, self.spec.depth + 1)]
        depth = len(work.layers)
        layers = []
        for index, (layer, W, b) in enumerate(zip(work.layers, weights, biases)):
            # The output layer's derivative is applied by the loss branch, not by the hidden-layer loop.
            derivative = layer.activation.derivative if index < depth - 1 else None
            layers.append((W, b, layer.z, layer.a, layer.activation.forward, derivative, layer.da, layer.dadz,
                           layer.dz, layer.dW, layer.db, layer.update_W, layer.update_b))
        loss_function = work.loss_function
        fused = loss_function.fused_activation == work.layers[-1].activation.name
        divisor = m * self.spec.outputs if loss_function.per_element else m
        return work, layers, loss_function, fused, divisor

    def gradient_norms(self) -> np.ndarray:
        """Return the Frobenius norm of ∂L/∂W of every layer (depth,) from the last iteration."""
        if self._last is None:
            raise RuntimeError("gradient_norms needs a finished iteration")
        return np.array([frobenius_norm(layer.dW) for layer in self._last.layers])

    def snapshot(self) -> dict[str, np.ndarray]:
        """Return the current parameters read-only: copies, or the read-only arrays it started from."""
        if self._last is None and self._start is not None:
            return dict(self._start)
        return frozen_parameters(self.parameters)


def _is_frozen(array) -> bool:
    return isinstance(array, np.ndarray) and array.dtype == np.float64 and not array.flags.writeable
