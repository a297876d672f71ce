"""Loss functions: value, ∂L/∂a, and the fused ∂L/∂z where an output activation allows it.

Reductions: cross_entropy and half_sse average over the batch size m; mse and
binary_cross_entropy average over all m · C elements. Cross-entropy is computed from the
logits through log-softmax and binary cross-entropy from the logits through a stable
softplus, so a perfect prediction gives exactly 0 and a huge logit gives a finite loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.activations import log_softmax


def _count(targets, per_element: bool) -> int:
    return targets.size if per_element else targets.shape[0]


def cross_entropy_value(z, a, targets):
    """Return −(1/m) Σ_k Σ_i Y log softmax(z) for logits z (m, C) and one-hot or soft targets (m, C)."""
    return float(-(targets * log_softmax(z)).sum() / targets.shape[0])


def binary_cross_entropy_value(z, a, targets):
    """Return the mean over all elements of −y log σ(z) − (1 − y) log(1 − σ(z)), from logits z."""
    # max(z, 0) − z·y + log(1 + e^−|z|) is the same loss written without an overflowing exp.
    elementwise = np.maximum(z, 0.0) - z * targets + np.log1p(np.exp(-np.abs(z)))
    return float(elementwise.sum() / targets.size)


def mse_value(z, a, targets):
    difference = a - targets
    return float((difference * difference).sum() / targets.size)


def half_sse_value(z, a, targets):
    difference = a - targets
    return float(0.5 * (difference * difference).sum() / targets.shape[0])


def cross_entropy_gradient(a, targets, out):
    """Write ∂L/∂a = −(1/m) Y ⊘ a into out; an element whose target is 0 gets 0 even where a is 0."""
    out.fill(0.0)
    np.divide(targets, a, out=out, where=targets != 0)
    out /= -targets.shape[0]
    return out


def binary_cross_entropy_gradient(a, targets, out):
    """Write ∂L/∂a = (a − y) ⊘ (a ⊙ (1 − a)) / (m·C) into out."""
    np.subtract(a, targets, out=out)
    out /= a * (1.0 - a)
    out /= targets.size
    return out


def mse_gradient(a, targets, out):
    """Write ∂L/∂a = 2 (a − y) / (m·C) into out."""
    np.subtract(a, targets, out=out)
    out *= 2.0
    out /= targets.size
    return out


def half_sse_gradient(a, targets, out):
    """Write ∂L/∂a = (a − y) / m into out."""
    np.subtract(a, targets, out=out)
    out /= targets.shape[0]
    return out


def fused_output_gradient(a, targets, per_element: bool, out):
    """Write ∂L/∂z = (a − Y) / n into out: softmax with cross-entropy (n = m), sigmoid with BCE (n = m·C)."""
    np.subtract(a, targets, out=out)
    out /= _count(targets, per_element)
    return out


@dataclass(frozen=True)
class Loss:
    """One loss function with the formulas the window displays."""

    name: str
    value: callable
    gradient: callable
    fused_activation: str | None  # output activation whose ∂L/∂z simplifies to (a − Y)/n
    per_element: bool  # True: averaged over m·C elements; False: over the batch size m
    formula: str
    gradient_formula: str
    latex: str


LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(
        "cross_entropy", cross_entropy_value, cross_entropy_gradient, "softmax", False,
        "−(1/m) Σ Y ⊙ log a", "−(1/m) Y ⊘ a", r"-\frac{1}{m}\sum Y \odot \log a",
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", binary_cross_entropy_value, binary_cross_entropy_gradient, "sigmoid", True,
        "−(1/(m·C)) Σ [Y ⊙ log a + (1 − Y) ⊙ log(1 − a)]", "(a − Y) ⊘ (a ⊙ (1 − a)) / (m·C)",
        r"-\frac{1}{mC}\sum \left[Y \odot \log a + (1-Y) \odot \log(1-a)\right]",
    ),
    "mse": Loss(
        "mse", mse_value, mse_gradient, None, True,
        "(1/(m·C)) Σ (a − Y)²", "2 (a − Y) / (m·C)", r"\frac{1}{mC}\sum (a - Y)^2",
    ),
    "half_sse": Loss(
        "half_sse", half_sse_value, half_sse_gradient, None, False,
        "(1/m) Σ ½ (a − Y)²", "(a − Y) / m", r"\frac{1}{m}\sum \tfrac{1}{2}(a - Y)^2",
    ),
}

# The output activation each loss requires; a loss missing here accepts any output.
REQUIRED_OUTPUT = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}


def get_loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        known = ", ".join(LOSSES)
        raise ValueError(f"unknown loss {name!r}; expected one of {known}") from None
