"""Build the ``Step`` objects of a traced iteration from its intermediates.

``build_steps`` walks the steps in order and calls one ``StepRecorder`` method per
computation. Each method freezes the value and writes the formula the window shows for
that step. The arrays of a trace belong to it alone, so they are marked read-only in place
instead of copied.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from engine.activations import get_activation
from engine.iteration import output_chain
from engine.losses import get_loss
from engine.steps import Step, frozen_array
from engine.symbols import display_symbol


@functools.lru_cache(maxsize=1024)
def _layer_formula(template: str, layer: int) -> str:
    """Put the layer number on the bare z and a of an activation's formula: ``1 − a²`` → ``1 − a2²``."""
    return re.sub(r"\b([za])\b", lambda match: f"{match.group(1)}{layer}", template)


def build_steps(spec, values: dict, lr: float, updated: dict) -> tuple[Step, ...]:
    """Return the 9·depth + 1 steps of an iteration from ``IterationTrace.values`` and the updated parameters."""
    recorder = StepRecorder(spec, values, lr)
    depth = spec.depth
    for layer in range(1, depth + 1):
        recorder.affine(layer, values[f"z{layer}"])
        recorder.activation(layer, values[f"a{layer}"])
    recorder.loss(values["L"])

    output = get_activation(spec.layers[-1].activation)
    loss_function = recorder.loss_function
    fused = loss_function.fused_activation == output.name
    if fused:
        # Shown for the derivation only, because the gradient went through (a − Y)/n. A saturated
        # or diverged output gives inf or NaN here, which the steps show instead of warning.
        with np.errstate(all="ignore"):
            da, dadz, chained = output_chain(loss_function, output, values[f"z{depth}"], values[f"a{depth}"],
                                             values["Y"])
    else:
        da, dadz = values[f"da{depth}"], values[f"dadz{depth}"]
    recorder.loss_gradient(depth, da, feeds_gradient=not fused)
    if output.is_elementwise:
        recorder.activation_derivative(depth, dadz, feeds_gradient=not fused)
    else:
        recorder.softmax_jacobian(depth, dadz, feeds_gradient=not fused)
    if fused:
        recorder.fused_chain(depth, values[f"dz{depth}"], alternative=chained)
    else:
        recorder.chain(depth, values[f"dz{depth}"], via="elementwise" if output.is_elementwise else "jacobian")

    for layer in range(depth, 0, -1):
        if layer < depth:
            recorder.activation_derivative(layer, values[f"dadz{layer}"], feeds_gradient=True)
            recorder.chain(layer, values[f"dz{layer}"], via="elementwise")
        recorder.weight_gradient(layer, values[f"dW{layer}"])
        recorder.bias_gradient(layer, values[f"db{layer}"])
        if layer > 1:
            recorder.backpropagate(layer - 1, values[f"da{layer - 1}"])

    for layer in range(depth, 0, -1):
        recorder.update(f"W{layer}", layer, updated[f"W{layer}"])
        recorder.update(f"b{layer}", layer, updated[f"b{layer}"])
    return tuple(recorder.steps)


class StepRecorder:
    """Collector of the steps of one iteration. ``frozen`` maps keys to the read-only arrays that operands read."""

    def __init__(self, spec, values: dict, lr: float):
        self.spec = spec
        self.loss_function = get_loss(spec.loss)
        self.steps: list[Step] = []
        self.frozen: dict[str, np.ndarray] = {"a0": values["a0"], "Y": values["Y"], "lr": frozen_array(lr)}
        for name in spec.parameter_shapes():
            self.frozen[name] = values[name]

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
        self._add(name, "update", layer, "update", formula, latex, (name, f"d{name}", "lr"), value)


def _freeze_in_place(value) -> np.ndarray:
    """Mark a float64 array this iteration owns read-only and return it; copy anything else."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.ndim > 0:
        value.setflags(write=False)
        return value
    return frozen_array(value)


def _latex_symbol(layer: int) -> str:
    return "X" if layer == 0 else f"a_{{{layer}}}"
