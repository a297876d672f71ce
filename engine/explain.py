"""Explanations of one element of a step, with numbers.

A matrix product becomes its sum of products, an activation becomes f(z) = value, a
chain-rule factor becomes the product of its factors and an update becomes
θ − α·∂L/∂θ. Each function returns an ``Explanation`` with the structured terms and the
line of text the window shows.
"""

from __future__ import annotations

import numpy as np

from engine.activations import LEAKY_RELU_SLOPE
from engine.activations import log_softmax as activations_log_softmax
from engine.losses import get_loss
from engine.steps import Explanation, Factor, Step
from engine.symbols import display_symbol, format_factor, format_index, format_number

# A sum with more terms is written with its largest terms only (the structured terms stay whole).
MAX_WRITTEN_TERMS = 8


def explain_step(step: Step, index=None) -> Explanation:
    """Explain element ``index`` of ``step.value``; the first element when index is None."""
    index = _check_index(step, index)
    return _EXPLAINERS[step.kind](step, index)


def _check_index(step: Step, index):
    shape = step.value.shape
    if index is None:
        return (0,) * len(shape)
    index = tuple(int(i) for i in np.atleast_1d(index)) if shape else ()
    if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
        raise IndexError(f"{step.symbol}: index {index} is outside shape {shape}")
    return index


def _factor(key: str, index, value) -> Factor:
    return Factor(display_symbol(key) + format_index(index), float(value))


def _sum_of_products(step: Step, index, terms, constant: Factor | None = None, note: str = "") -> Explanation:
    """Build an explanation of ``element = Σ Π factors (+ constant)`` and its text."""
    element = step.symbol + format_index(index)
    value = float(step.value[index])
    written = list(terms)
    omitted = 0
    if len(written) > MAX_WRITTEN_TERMS:
        order = sorted(range(len(terms)), key=lambda t: -abs(np.prod([f.value for f in terms[t]])))
        keep = sorted(order[:MAX_WRITTEN_TERMS])
        omitted = len(terms) - len(keep)
        written = [terms[t] for t in keep]

    def join(parts_symbolic: bool) -> str:
        pieces = []
        for product in written:
            if parts_symbolic:
                pieces.append("·".join(f.symbol for f in product))
            else:
                pieces.append("·".join(format_factor(f.value) for f in product))
        if omitted:
            pieces.append(f"… ({omitted} smaller terms)")
        if constant is not None:
            pieces.append(constant.symbol if parts_symbolic else format_factor(constant.value))
        return " + ".join(pieces)

    expression = join(True)
    text = f"{element} = {expression} = {join(False)} = {format_number(value)}"
    all_terms = tuple(tuple(product) for product in terms)
    if constant is not None:
        all_terms += ((constant,),)
    return Explanation(element, value, expression, all_terms, text, note)


def _single(step: Step, index, expression: str, numbers: str, factors, note: str = "", relation: str = "=") -> Explanation:
    element = step.symbol + format_index(index)
    value = float(step.value[index])
    text = f"{element} {relation} {expression} = {numbers} = {format_number(value)}"
    return Explanation(element, value, expression, (tuple(factors),), text, note)


# Forward

def _explain_affine(step, index):
    k, j = index
    below, weights, bias = step.operands
    a_prev, W, b = (step.operand(key) for key in step.operands)
    terms = [(_factor(below, (k, i), a_prev[k, i]), _factor(weights, (i, j), W[i, j])) for i in range(W.shape[0])]
    return _sum_of_products(step, index, terms, constant=_factor(bias, (j,), b[j]))


def _explain_activation(step, index):
    (source,) = step.operands
    z = step.operand(source)[index]
    name = _activation_name(step)
    z_symbol = display_symbol(source) + format_index(index)
    return _single(step, index, f"{name}({z_symbol})", f"{name}({format_number(z)})", [Factor(z_symbol, float(z))])


def _explain_softmax(step, index):
    k, i = index
    (source,) = step.operands
    z = step.operand(source)
    largest = z[k].max()
    shifted = z[k] - largest
    z_symbol = display_symbol(source)
    maximum = f"max_j {z_symbol}[{k},j]"
    expression = f"e^({z_symbol}{format_index(index)} − {maximum}) / Σ_j e^({z_symbol}[{k},j] − {maximum})"
    exponentials = " + ".join(f"e^{format_factor(value)}" for value in shifted)
    numbers = f"e^{format_factor(shifted[i])} / ({exponentials})"
    factors = [Factor(f"{z_symbol}[{k},{j}]", float(z[k, j])) for j in range(z.shape[1])]
    note = (f"{maximum} = {format_number(largest)} is subtracted from every z before e^z, which leaves "
            "the softmax unchanged and keeps e^z from overflowing")
    return _single(step, index, expression, numbers, factors, note)


# Loss

def _explain_loss(step, index):
    logits_key, output_key, _ = step.operands
    a = step.operand(output_key)
    Y = step.operand("Y")
    loss = get_loss(_loss_name(step))
    m = Y.shape[0]
    a_symbol = display_symbol(output_key)
    if loss.name == "cross_entropy":
        log_a = activations_log_softmax(step.operand(logits_key))
        terms = tuple(
            (Factor(f"Y[{k},{i}]", float(Y[k, i])), Factor(f"log {a_symbol}[{k},{i}]", float(log_a[k, i])))
            for k, i in zip(*np.nonzero(Y))
        )
        expression = " + ".join(f"{y.symbol}·{log.symbol}" for y, log in terms)
        numbers = " + ".join(f"{format_factor(y.value)}·{format_factor(log.value)}" for y, log in terms)
        value = float(step.value)
        text = f"L = −(1/m)·({expression}) = −(1/{m})·({numbers}) = {format_number(value)}"
        note = "log a is computed as log-softmax of the logits, so the loss stays finite when a underflows to 0"
        return Explanation("L", value, f"−(1/m)·({expression})", terms, text, note)
    if loss.name == "binary_cross_entropy":
        element = "L"
        text = (f"L = mean over {Y.size} elements of −y·log a − (1 − y)·log(1 − a) = {format_number(step.value)}"
                " (computed from the logits, so a saturated sigmoid gives a finite loss)")
        return Explanation(element, float(step.value), loss.formula, (), text)
    scale = 1.0 / Y.size if loss.name == "mse" else 0.5 / m
    scale_symbol = "1/(m·C)" if loss.name == "mse" else "½·1/m"
    terms = [
        (Factor(scale_symbol, scale), Factor(f"({a_symbol}[{k},{i}] − Y[{k},{i}])²", float((a[k, i] - Y[k, i]) ** 2)))
        for k in range(Y.shape[0]) for i in range(Y.shape[1])
    ]
    return _sum_of_products(step, index, terms)


# Backward

def _explain_loss_gradient(step, index):
    output_key, _ = step.operands
    a = float(step.operand(output_key)[index])
    y = float(step.operand("Y")[index])
    Y = step.operand("Y")
    m, size = Y.shape[0], Y.size
    a_symbol = display_symbol(output_key) + format_index(index)
    y_symbol = f"Y{format_index(index)}"
    factors = [Factor(a_symbol, a), Factor(y_symbol, y)]
    name = _loss_name(step)
    if name == "cross_entropy":
        return _single(step, index, f"−(1/m)·{y_symbol}/{a_symbol}",
                       f"−(1/{m})·{format_factor(y)}/{format_factor(a)}", factors)
    if name == "binary_cross_entropy":
        return _single(step, index, f"({a_symbol} − {y_symbol}) / ({a_symbol}·(1 − {a_symbol})·m·C)",
                       f"({format_number(a)} − {format_number(y)}) / ({format_factor(a)}·{format_factor(1 - a)}·{size})",
                       factors)
    if name == "mse":
        return _single(step, index, f"2·({a_symbol} − {y_symbol})/(m·C)",
                       f"2·({format_number(a)} − {format_number(y)})/{size}", factors)
    return _single(step, index, f"({a_symbol} − {y_symbol})/m", f"({format_number(a)} − {format_number(y)})/{m}", factors)


def _explain_activation_derivative(step, index):
    z_key, a_key = step.operands
    z = float(step.operand(z_key)[index])
    a = float(step.operand(a_key)[index])
    z_symbol = display_symbol(z_key) + format_index(index)
    a_symbol = display_symbol(a_key) + format_index(index)
    name = _activation_name(step)
    factors = [Factor(z_symbol, z), Factor(a_symbol, a)]
    if name == "relu":
        return _single(step, index, f"1[{z_symbol} > 0]", f"1[{format_number(z)} > 0]", factors,
                       note="the derivative at exactly 0 is taken as 0")
    if name == "leaky_relu":
        return _single(step, index, f"1 if {z_symbol} > 0 else {LEAKY_RELU_SLOPE}",
                       f"1 if {format_number(z)} > 0 else {LEAKY_RELU_SLOPE}", factors)
    if name == "sigmoid":
        return _single(step, index, f"{a_symbol}·(1 − {a_symbol})", f"{format_factor(a)}·{format_factor(1 - a)}", factors)
    if name == "tanh":
        return _single(step, index, f"1 − {a_symbol}²", f"1 − {format_factor(a)}²", factors)
    return _single(step, index, "1", "1", factors)


def _explain_softmax_jacobian(step, index):
    k, i, j = index
    (a_key,) = step.operands
    a = step.operand(a_key)
    symbol = display_symbol(a_key)
    a_i = Factor(f"{symbol}[{k},{i}]", float(a[k, i]))
    a_j = Factor(f"{symbol}[{k},{j}]", float(a[k, j]))
    element = f"∂{symbol}[{k},{i}]/∂z{step.layer}[{k},{j}]"
    if i == j:
        expression = f"{a_i.symbol}·(1 − {a_i.symbol})"
        numbers = f"{format_factor(a_i.value)}·(1 − {format_number(a_i.value)})"
    else:
        expression = f"−{a_i.symbol}·{a_j.symbol}"
        numbers = f"−{format_factor(a_i.value)}·{format_factor(a_j.value)}"
    value = float(step.value[index])
    text = f"{element} = {expression} = {numbers} = {format_number(value)}"
    note = "the diagonal of diag(a) − a aᵀ is a·(1 − a); off the diagonal it is −a_i·a_j"
    return Explanation(element, value, expression, ((a_i, a_j),), text, note)


def _explain_chain_elementwise(step, index):
    da_key, dadz_key = step.operands
    terms = [(_factor(da_key, index, step.operand(da_key)[index]), _factor(dadz_key, index, step.operand(dadz_key)[index]))]
    return _sum_of_products(step, index, terms)


def _explain_chain_jacobian(step, index):
    k, j = index
    da_key, dadz_key = step.operands
    da = step.operand(da_key)
    jacobian = step.operand(dadz_key)
    layer = step.layer
    terms = [
        (_factor(da_key, (k, i), da[k, i]), Factor(f"∂a{layer}[{k},{i}]/∂z{layer}[{k},{j}]", float(jacobian[k, i, j])))
        for i in range(da.shape[1])
    ]
    return _sum_of_products(step, index, terms)


def _explain_chain_fused(step, index):
    a_key, _, da_key, dadz_key = step.operands
    a = float(step.operand(a_key)[index])
    y = float(step.operand("Y")[index])
    Y = step.operand("Y")
    loss = get_loss(_loss_name(step))
    n = Y.size if loss.per_element else Y.shape[0]
    n_symbol = "m·C" if loss.per_element else "m"
    a_symbol = display_symbol(a_key) + format_index(index)
    y_symbol = f"Y{format_index(index)}"
    via = float(step.alternative[index]) if step.alternative is not None else float("nan")
    note = (f"through the Jacobian, {step.alternative_formula} gives {format_number(via)}; "
            f"the two routes differ by {abs(via - float(step.value[index])):.1e}")
    return _single(step, index, f"({a_symbol} − {y_symbol})/{n_symbol}",
                   f"({format_number(a)} − {format_number(y)})/{n}",
                   [Factor(a_symbol, a), Factor(y_symbol, y)], note)


def _explain_weight_gradient(step, index):
    i, j = index
    below, dz_key = step.operands
    a_prev, dz = step.operand(below), step.operand(dz_key)
    terms = [(_factor(below, (k, i), a_prev[k, i]), _factor(dz_key, (k, j), dz[k, j])) for k in range(dz.shape[0])]
    return _sum_of_products(step, index, terms)


def _explain_bias_gradient(step, index):
    (j,) = index
    (dz_key,) = step.operands
    dz = step.operand(dz_key)
    terms = [(_factor(dz_key, (k, j), dz[k, j]),) for k in range(dz.shape[0])]
    return _sum_of_products(step, index, terms)


def _explain_backpropagate(step, index):
    k, i = index
    dz_key, weights = step.operands
    dz, W = step.operand(dz_key), step.operand(weights)
    terms = [(_factor(dz_key, (k, j), dz[k, j]), _factor(weights, (i, j), W[i, j])) for j in range(W.shape[1])]
    return _sum_of_products(step, index, terms)


# Update

def _explain_update(step, index):
    name, gradient_key, _ = step.operands
    old = float(step.operand(name)[index])
    gradient = float(step.operand(gradient_key)[index])
    lr = float(step.operand("lr"))
    old_symbol = name + format_index(index)
    gradient_symbol = display_symbol(gradient_key) + format_index(index)
    factors = [Factor(old_symbol, old), Factor("α", lr), Factor(gradient_symbol, gradient)]
    return _single(step, index, f"{old_symbol} − α·{gradient_symbol}",
                   f"{format_number(old)} − {format_number(lr)}·{format_factor(gradient)}", factors, relation="←")


def _activation_name(step: Step) -> str:
    return step.activation


def _loss_name(step: Step) -> str:
    return step.loss


_EXPLAINERS = {
    "affine": _explain_affine,
    "activation": _explain_activation,
    "softmax": _explain_softmax,
    "loss": _explain_loss,
    "loss_gradient": _explain_loss_gradient,
    "activation_derivative": _explain_activation_derivative,
    "softmax_jacobian": _explain_softmax_jacobian,
    "chain_elementwise": _explain_chain_elementwise,
    "chain_jacobian": _explain_chain_jacobian,
    "chain_fused": _explain_chain_fused,
    "weight_gradient": _explain_weight_gradient,
    "bias_gradient": _explain_bias_gradient,
    "backpropagate": _explain_backpropagate,
    "update": _explain_update,
}
