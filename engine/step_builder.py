"""The recorder that turns the intermediates of one iteration into ``Step`` objects.

``run_iteration`` calls one method per computation, in step order; each method freezes the
value and writes the formula the window shows for that step. A traced iteration writes each
array of its fresh ``Workspace`` once and puts updated parameters in new arrays, so the
recorder marks those arrays read-only in place instead of copying them.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from engine.activations import get_activation
from engine.losses import get_loss
from engine.steps import Step, frozen_array
from engine.symbols import display_symbol


@functools.lru_cache(maxsize=1024)
def _layer_formula(template: str, layer: int) -> str:
    """Put the layer number on the bare z and a of an activation's formula: ``1 − a²`` → ``1 − a2²``."""
    return re.sub(r"\b([za])\b", lambda match: f"{match.group(1)}{layer}", template)


class StepRecorder:
    """Collect the steps of one iteration; ``frozen`` maps code names to read-only arrays."""

    def __init__(self, spec, parameters, inputs, targets, lr):
        self.spec = spec
        self.loss_function = get_loss(spec.loss)
        self.steps: list[Step] = []
        self.frozen: dict[str, np.ndarray] = {"a0": _read_only(inputs), "Y": _read_only(targets)}
        self.frozen["lr"] = frozen_array(lr)
        for name, value in parameters.items():
            self.frozen[name] = _read_only(value)
        self.new_parameters: dict[str, np.ndarray] = {}

    def _add(self, key, phase, layer, kind, formula, latex, operands, value, **extra) -> Step:
        frozen = _freeze_in_place(value)
        step = Step(
            index=len(self.steps) + 1,
            phase=phase,
            layer=layer,
            key=key,
            symbol=display_symbol(key),
            kind=kind,
            formula=formula,
            latex=latex,
            operands=tuple(operands),
            value=frozen,
            operand_values={name: self.frozen[name] for name in operands},
            activation=self.spec.layers[layer - 1].activation if layer else "",
            loss=self.spec.loss,
            **extra,
        )
        if phase != "update":
            self.frozen[key] = frozen
        self.steps.append(step)
        return step

    # Forward

    def affine(self, layer, z):
        below = display_symbol(f"a{layer - 1}")
        formula = f"z{layer} = {below} · W{layer} + b{layer}"
        latex = rf"z_{{{layer}}} = {_latex_symbol(layer - 1)} W_{{{layer}}} + b_{{{layer}}}"
        self._add(f"z{layer}", "forward", layer, "affine", formula, latex, (f"a{layer - 1}", f"W{layer}", f"b{layer}"), z)

    def activation(self, layer, a):
        name = self.spec.layers[layer - 1].activation
        formula = f"a{layer} = {name}(z{layer})"
        latex = rf"a_{{{layer}}} = \mathrm{{{name}}}(z_{{{layer}}})"
        self._add(f"a{layer}", "forward", layer, "softmax" if name == "softmax" else "activation",
                  formula, latex, (f"z{layer}",), a)

    # Loss

    def loss(self, value):
        depth = self.spec.depth
        formula = "L = " + self.loss_function.formula.replace(" a", f" a{depth}").replace("(a ", f"(a{depth} ")
        latex = "L = " + self.loss_function.latex.replace("a", f"a_{{{depth}}}")
        self._add("L", "loss", None, "loss", formula, latex, (f"z{depth}", f"a{depth}", "Y"), np.float64(value))

    # Backward

    def loss_gradient(self, layer, da, feeds_gradient):
        formula = f"∂L/∂a{layer} = " + _layer_formula(self.loss_function.gradient_formula, layer)
        latex = rf"\frac{{\partial L}}{{\partial a_{{{layer}}}}}"
        self._add(f"da{layer}", "backward", layer, "loss_gradient", formula, latex, (f"a{layer}", "Y"), da,
                  feeds_gradient=feeds_gradient)

    def activation_derivative(self, layer, dadz, feeds_gradient):
        activation = get_activation(self.spec.layers[layer - 1].activation)
        formula = f"∂a{layer}/∂z{layer} = " + _layer_formula(activation.derivative_formula, layer)
        latex = rf"\frac{{\partial a_{{{layer}}}}}{{\partial z_{{{layer}}}}}"
        self._add(f"dadz{layer}", "backward", layer, "activation_derivative", formula, latex,
                  (f"z{layer}", f"a{layer}"), dadz, feeds_gradient=feeds_gradient)

    def softmax_jacobian(self, layer, jacobian, feeds_gradient):
        formula = f"∂a{layer}/∂z{layer} = per sample diag(a{layer}) − a{layer} a{layer}ᵀ"
        latex = rf"\frac{{\partial a_{{{layer}}}}}{{\partial z_{{{layer}}}}} = \mathrm{{diag}}(a) - a a^\top"
        self._add(f"dadz{layer}", "backward", layer, "softmax_jacobian", formula, latex, (f"a{layer}",), jacobian,
                  feeds_gradient=feeds_gradient)

    def chain(self, layer, dz, via):
        product = "·" if via == "jacobian" else "⊙"
        formula = f"∂L/∂z{layer} = ∂L/∂a{layer} {product} ∂a{layer}/∂z{layer}"
        latex = rf"\frac{{\partial L}}{{\partial z_{{{layer}}}}}"
        kind = "chain_jacobian" if via == "jacobian" else "chain_elementwise"
        self._add(f"dz{layer}", "backward", layer, kind, formula, latex, (f"da{layer}", f"dadz{layer}"), dz)

    def fused_chain(self, layer, dz, alternative):
        n = "(m·C)" if self.loss_function.per_element else "m"
        activation = self.spec.layers[layer - 1].activation
        product = "·" if activation == "softmax" else "⊙"
        formula = f"∂L/∂z{layer} = ∂L/∂a{layer} {product} ∂a{layer}/∂z{layer} = (a{layer} − Y)/{n}"
        latex = rf"\frac{{\partial L}}{{\partial z_{{{layer}}}}} = \frac{{a_{{{layer}}} - Y}}{{{n}}}"
        self._add(f"dz{layer}", "backward", layer, "chain_fused", formula, latex,
                  (f"a{layer}", "Y", f"da{layer}", f"dadz{layer}"), dz,
                  alternative=_freeze_in_place(alternative),
                  alternative_formula=f"∂L/∂a{layer} {product} ∂a{layer}/∂z{layer}")

    def weight_gradient(self, layer, dW):
        below = display_symbol(f"a{layer - 1}")
        formula = f"∂L/∂W{layer} = {below}ᵀ · ∂L/∂z{layer}"
        latex = rf"\frac{{\partial L}}{{\partial W_{{{layer}}}}} = {_latex_symbol(layer - 1)}^\top \frac{{\partial L}}{{\partial z_{{{layer}}}}}"
        self._add(f"dW{layer}", "backward", layer, "weight_gradient", formula, latex, (f"a{layer - 1}", f"dz{layer}"), dW)

    def bias_gradient(self, layer, db):
        formula = f"∂L/∂b{layer} = Σ_k ∂L/∂z{layer}"
        latex = rf"\frac{{\partial L}}{{\partial b_{{{layer}}}}} = \sum_k \frac{{\partial L}}{{\partial z_{{{layer}}}}}"
        self._add(f"db{layer}", "backward", layer, "bias_gradient", formula, latex, (f"dz{layer}",), db)

    def backpropagate(self, layer, da):
        above = layer + 1
        formula = f"∂L/∂a{layer} = ∂L/∂z{above} · W{above}ᵀ"
        latex = rf"\frac{{\partial L}}{{\partial a_{{{layer}}}}} = \frac{{\partial L}}{{\partial z_{{{above}}}}} W_{{{above}}}^\top"
        self._add(f"da{layer}", "backward", layer, "backpropagate", formula, latex, (f"dz{above}", f"W{above}"), da)

    # Update

    def update(self, name, layer, value):
        formula = f"{name} ← {name} − α · ∂L/∂{name}"
        latex = rf"{name[0]}_{{{layer}}} \leftarrow {name[0]}_{{{layer}}} - \alpha \frac{{\partial L}}{{\partial {name[0]}_{{{layer}}}}}"
        step = self._add(name, "update", layer, "update", formula, latex, (name, f"d{name}", "lr"), value)
        self.new_parameters[name] = step.value

    def updated_parameters(self) -> dict[str, np.ndarray]:
        """Return the parameters after the update, in the network's order."""
        return {name: self.new_parameters[name] for name in self.spec.parameter_shapes()}


def _read_only(values) -> np.ndarray:
    """Return values itself when it is already a read-only float64 array, else a frozen copy."""
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and not values.flags.writeable:
        return values
    return frozen_array(values)


def _freeze_in_place(value) -> np.ndarray:
    """Mark a float64 array this iteration owns read-only and return it; copy anything else."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.ndim > 0:
        value.setflags(write=False)
        return value
    return frozen_array(value)


def _latex_symbol(layer: int) -> str:
    return "X" if layer == 0 else f"a_{{{layer}}}"
