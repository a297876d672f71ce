"""Activation functions: value, elementwise derivative and display formulas.

Each activation writes into a caller's buffer when one is given (``out=``), so the fast
training path can reuse its work arrays; without one it makes a new array by the same
calls, so both give the same bits. Softmax is per row; its derivative is the
per-sample Jacobian ``diag(a) − a aᵀ`` of shape (m, C, C) instead of an elementwise array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

LEAKY_RELU_SLOPE = 0.01


def relu(z, out=None):
    return np.maximum(z, 0.0, out=out)


def relu_derivative(z, a, out=None):
    """Return 1 where z > 0 and 0 elsewhere: the derivative at exactly 0 is taken as 0."""
    if out is None:
        out = np.empty_like(z)
    np.greater(z, 0.0, out=out, casting="unsafe")
    return out


def leaky_relu(z, out=None):
    if out is None:
        out = np.empty_like(z)
    np.multiply(z, LEAKY_RELU_SLOPE, out=out)
    return np.maximum(z, out, out=out)


def leaky_relu_derivative(z, a, out=None):
    if out is None:
        out = np.empty_like(z)
    np.greater(z, 0.0, out=out, casting="unsafe")
    out *= 1.0 - LEAKY_RELU_SLOPE
    out += LEAKY_RELU_SLOPE
    return out


def sigmoid(z, out=None):
    """Return 1 / (1 + e^−z), computed as exp(−log(1 + e^−z)) so ±1000 neither overflows nor warns."""
    out = np.logaddexp(0.0, np.negative(z), out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


def sigmoid_derivative(z, a, out=None):
    out = np.subtract(1.0, a, out=out)
    return np.multiply(out, a, out=out)


def tanh(z, out=None):
    return np.tanh(z, out=out)


def tanh_derivative(z, a, out=None):
    out = np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def linear(z, out=None):
    if out is None:
        out = np.empty_like(z)
    out[...] = z
    return out


def linear_derivative(z, a, out=None):
    if out is None:
        out = np.empty_like(z)
    out.fill(1.0)
    return out


def softmax(z, out=None):
    """Return the softmax of each row of z (m, C); the row maximum is subtracted first."""
    out = np.subtract(z, z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def softmax_jacobian(a):
    """Return the per-sample Jacobian ∂a/∂z = diag(a) − a aᵀ of shape (m, C, C) from a (m, C)."""
    jacobian = -a[:, :, None] * a[:, None, :]
    diagonal = np.einsum("kii->ki", jacobian)
    diagonal += a
    return jacobian


def log_softmax(z):
    """Return log(softmax(z)) per row of z (m, C), finite for any finite logits."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """One activation function with the formulas the window displays."""

    name: str
    forward: Callable
    derivative: Callable | None  # None for softmax, whose derivative is a Jacobian
    formula: str  # of the value, in terms of z
    derivative_formula: str  # of ∂a/∂z, elementwise
    latex: str

    @property
    def is_elementwise(self) -> bool:
        return self.derivative is not None


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", relu, relu_derivative, "max(0, z)", "1[z > 0]", r"\max(0, z)"),
    "leaky_relu": Activation(
        "leaky_relu", leaky_relu, leaky_relu_derivative,
        f"max({LEAKY_RELU_SLOPE}·z, z)", f"1 if z > 0 else {LEAKY_RELU_SLOPE}",
        rf"\max({LEAKY_RELU_SLOPE}z, z)",
    ),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative, "1 / (1 + e^−z)", "a ⊙ (1 − a)", r"\frac{1}{1+e^{-z}}"),
    "tanh": Activation("tanh", tanh, tanh_derivative, "tanh(z)", "1 − a²", r"\tanh z"),
    "linear": Activation("linear", linear, linear_derivative, "z", "1", "z"),
    "softmax": Activation(
        "softmax", softmax, None, "e^z / Σ_j e^z_j (per sample)", "per sample diag(a) − a aᵀ",
        r"\frac{e^{z_i}}{\sum_j e^{z_j}}",
    ),
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; expected one of {known}") from None
