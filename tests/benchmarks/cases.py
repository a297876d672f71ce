"""The benchmark networks with their data, and the reference training loops the engine is compared to.

``PlainNumpy`` is gradient descent written the direct way with NumPy: every
intermediate is a new array, with no work arrays reused. It does the same maths as the
engine: forward pass, the loss from the logits (log-softmax or the stable binary
cross-entropy), the fused output gradient (a − Y)/n, backpropagation and the SGD update.
``TorchReference`` is the same algorithm with PyTorch modules, autograd and ``torch.optim.SGD``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.datasets import Dataset
from engine.files import open_session, tutorial_preset
from engine.network import Layer, NetworkSpec, init_parameters
from engine.session import Session, TrainingConfig

LEARNING_RATE = 0.1


@dataclass(frozen=True)
class Case:
    """One network with one batch: the spec, inputs (m, n_in), targets (m, n_out) and initial parameters."""

    label: str
    spec: NetworkSpec
    inputs: np.ndarray
    targets: np.ndarray
    parameters: dict[str, np.ndarray]

    def session(self) -> Session:
        """Return a new session that trains this network on this batch (full batch, lr 0.1)."""
        if self.label == "3-4-2":
            return open_session(tutorial_preset())
        data = Dataset(
            self.label,
            self.inputs,
            self.targets,
            tuple(f"x{i + 1}" for i in range(self.spec.inputs)),
            tuple(f"y{i + 1}" for i in range(self.spec.outputs)),
        )
        return Session(self.spec, data, TrainingConfig(learning_rate=LEARNING_RATE), self.parameters)


def tutorial_case() -> Case:
    """3 → 4 relu → 2 softmax, cross-entropy, on the tutorial's batch of 2 with its initial parameters."""
    session = open_session(tutorial_preset())
    return Case("3-4-2", session.spec, np.array(session.data.inputs), np.array(session.data.targets),
                {name: np.array(value) for name, value in session.initial_parameters.items()})


def two_hidden_case(seed: int = 1) -> Case:
    """2 → 8 tanh → 8 tanh → 1 sigmoid, binary cross-entropy, on 32 random points labelled by XOR of signs."""
    spec = NetworkSpec(2, (Layer(8, "tanh"), Layer(8, "tanh"), Layer(1, "sigmoid")), "binary_cross_entropy")
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1.0, 1.0, (32, 2))
    targets = ((inputs[:, :1] > 0) != (inputs[:, 1:] > 0)).astype(np.float64)
    return Case("2-8-8-1", spec, inputs, targets, init_parameters(spec, "glorot", seed))


def wide_case(seed: int = 1) -> Case:
    """784 → 128 relu → 10 softmax, cross-entropy, on 64 random samples with random one-hot targets."""
    spec = NetworkSpec(784, (Layer(128, "relu"), Layer(10, "softmax")), "cross_entropy")
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0.0, 1.0, (64, 784))
    targets = np.eye(10)[rng.integers(0, 10, 64)]
    return Case("784-128-10", spec, inputs, targets, init_parameters(spec, "he", seed))


def all_cases() -> list[Case]:
    return [tutorial_case(), two_hidden_case(), wide_case()]


# ---------------------------------------------------------------- plain NumPy reference


def _softmax(z):
    exponentials = np.exp(z - z.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "softmax": _softmax,
}

# ∂a/∂z of the hidden-layer activations from z and a.
DERIVATIVES = {
    "relu": lambda z, a: z > 0,
    "tanh": lambda z, a: 1.0 - a * a,
    "sigmoid": lambda z, a: a * (1.0 - a),
}


class PlainNumpy:
    """Gradient descent on its own copy of the parameters, allocating every intermediate anew."""

    def __init__(self, case: Case):
        spec = case.spec
        self.layers = [(np.array(case.parameters[f"W{number}"]), np.array(case.parameters[f"b{number}"]))
                       for number in range(1, spec.depth + 1)]
        self.activations = [layer.activation for layer in spec.layers]
        self.loss = spec.loss
        if self.loss not in ("cross_entropy", "binary_cross_entropy"):
            raise ValueError(f"the plain NumPy reference implements cross_entropy and binary_cross_entropy, not {self.loss}")

    def iterate(self, inputs, targets, lr) -> float:
        """Run one iteration on a batch and return the loss before the update."""
        layers = self.layers
        pre_activations = []
        outputs = [inputs]
        a = inputs
        for (W, b), activation in zip(layers, self.activations):
            z = a @ W + b
            a = ACTIVATIONS[activation](z)
            pre_activations.append(z)
            outputs.append(a)

        z = pre_activations[-1]
        if self.loss == "cross_entropy":
            shifted = z - z.max(axis=1, keepdims=True)
            log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -(targets * log_probabilities).sum() / targets.shape[0]
            dz = (a - targets) / targets.shape[0]
        else:
            loss = (np.maximum(z, 0.0) - z * targets + np.log1p(np.exp(-np.abs(z)))).sum() / targets.size
            dz = (a - targets) / targets.size

        gradients = []
        for index in range(len(layers) - 1, -1, -1):
            W, _ = layers[index]
            gradients.append((outputs[index].T @ dz, dz.sum(axis=0)))
            if index:
                da = dz @ W.T
                dz = da * DERIVATIVES[self.activations[index - 1]](pre_activations[index - 1], outputs[index])

        for (W, b), (dW, db) in zip(reversed(layers), gradients):
            W -= lr * dW
            b -= lr * db
        return float(loss)

    def parameters(self) -> dict[str, np.ndarray]:
        named = {}
        for number, (W, b) in enumerate(self.layers, start=1):
            named[f"W{number}"] = W
            named[f"b{number}"] = b
        return named


def check_agreement(case: Case, trainer_parameters: dict, reference_parameters: dict) -> None:
    """Raise AssertionError unless two parameter sets agree to 1e-9, so a ratio compares the same work."""
    for name, value in trainer_parameters.items():
        if not np.allclose(value, reference_parameters[name], rtol=1e-9, atol=1e-12):
            difference = float(np.max(np.abs(value - reference_parameters[name])))
            raise AssertionError(f"{case.label}: {name} of the reference differs from FastTrainer's by up to "
                                 f"{difference:.3g}, so the two loops do not compute the same thing")


# ---------------------------------------------------------------- PyTorch reference


class TorchReference:
    """The same network in PyTorch (float64, CPU): nn.Linear layers, autograd and torch.optim.SGD.

    Run against torch 2.13.0 (CPU build): after 5 iterations its parameters agree with
    FastTrainer's to 1e-9, which ``check_agreement`` checks on every run. ``report.py``
    imports torch only after every NumPy measurement, because importing it changes the heap.
    """

    def __init__(self, case: Case, torch):
        self.torch = torch
        modules = []
        for number, layer in enumerate(case.spec.layers, start=1):
            linear = torch.nn.Linear(*case.parameters[f"W{number}"].shape, dtype=torch.float64)
            with torch.no_grad():
                # nn.Linear stores W as (n_out, n_in), the transpose of the engine's W.
                linear.weight.copy_(torch.from_numpy(case.parameters[f"W{number}"].T.copy()))
                linear.bias.copy_(torch.from_numpy(case.parameters[f"b{number}"].copy()))
            modules.append(linear)
            if number < case.spec.depth:
                modules.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[layer.activation]())
        # The output activation lives in the loss, which takes logits, as the engine's loss does.
        self.model = torch.nn.Sequential(*modules)
        if case.spec.loss == "cross_entropy":
            self.loss_function = torch.nn.CrossEntropyLoss()
        else:
            self.loss_function = torch.nn.BCEWithLogitsLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
        self.inputs = torch.from_numpy(np.ascontiguousarray(case.inputs))
        self.targets = torch.from_numpy(np.ascontiguousarray(case.targets))

    def iterate(self) -> float:
        self.optimizer.zero_grad()
        loss = self.loss_function(self.model(self.inputs), self.targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def parameters(self) -> dict[str, np.ndarray]:
        named = {}
        linears = [module for module in self.model if isinstance(module, self.torch.nn.Linear)]
        for number, linear in enumerate(linears, start=1):
            named[f"W{number}"] = linear.weight.detach().numpy().T
            named[f"b{number}"] = linear.bias.detach().numpy()
        return named
