"""Continuous training without step objects: plain gradient descent on reused work arrays.

``FastTrainer`` owns its parameters and one ``Workspace`` per batch size, and calls the
same ``run_iteration`` as the traced path with no recorder, so after the same iterations
its parameters are bit-identical to those of the traced path.
"""

from __future__ import annotations

import numpy as np

from engine.iteration import Workspace, run_iteration
from engine.network import NetworkSpec

OPTIMIZERS = ("sgd",)


class FastTrainer:
    """Gradient descent for a network; ``parameters`` are updated in place by ``iterate``."""

    def __init__(self, spec: NetworkSpec, parameters: dict[str, np.ndarray]):
        self.spec = spec
        self.parameters = {name: np.array(parameters[name], dtype=np.float64, copy=True)
                           for name in spec.parameter_shapes()}
        self._workspaces: dict[int, Workspace] = {}
        self._last: Workspace | None = None

    def iterate(self, inputs: np.ndarray, targets: np.ndarray, lr: float) -> float:
        """Run one iteration on a batch (m, n_in), (m, n_out); return the loss before the update."""
        work = self._workspaces.get(inputs.shape[0])
        if work is None:
            work = self._workspaces[inputs.shape[0]] = Workspace(self.spec, inputs.shape[0])
        self._last = work
        return run_iteration(self.spec, self.parameters, inputs, targets, lr, work)

    def gradient_norms(self) -> np.ndarray:
        """Return the Frobenius norm of ∂L/∂W of every layer (depth,) from the last iteration."""
        if self._last is None:
            raise RuntimeError("gradient_norms needs a finished iteration")
        return np.array([np.sqrt(np.vdot(layer.dW, layer.dW)) for layer in self._last.layers])

    def snapshot(self) -> dict[str, np.ndarray]:
        """Return read-only copies of the current parameters."""
        copies = {}
        for name, value in self.parameters.items():
            copy = value.copy()
            copy.setflags(write=False)
            copies[name] = copy
        return copies
