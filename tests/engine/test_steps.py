"""Steps are immutable and explain every element with the engine's own numbers."""

import subprocess
import sys

import numpy as np
import pytest

from engine.chain import weight_chain
from engine.iteration import trace_iteration
from engine.network import Layer, NetworkSpec, init_parameters

PAIRS = [
    ("relu", "softmax", "cross_entropy"),
    ("tanh", "sigmoid", "binary_cross_entropy"),
    ("sigmoid", "linear", "mse"),
    ("leaky_relu", "tanh", "half_sse"),
    ("relu", "softmax", "mse"),
]


def _trace(hidden, output, loss, seed=3):
    spec = NetworkSpec(3, (Layer(5, hidden), Layer(4, hidden), Layer(2, output)), loss)
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((4, 3))
    if loss == "cross_entropy":
        targets = np.eye(2)[rng.integers(0, 2, 4)]
    else:
        targets = rng.uniform(0, 1, (4, 2))
    parameters = init_parameters(spec, "glorot", seed)
    return trace_iteration(spec, parameters, inputs, targets, 0.1), parameters


def test_step_values_are_read_only():
    trace, _ = _trace("relu", "softmax", "cross_entropy")
    for step in trace.steps:
        with pytest.raises(ValueError):
            step.value[...] = 0.0
        for operand in step.operand_values.values():
            assert not operand.flags.writeable, f"{step.symbol}: operand is writeable"


def test_trace_leaves_caller_parameters_alone():
    trace, parameters = _trace("relu", "softmax", "cross_entropy")
    again = _trace("relu", "softmax", "cross_entropy")[1]
    for name in parameters:
        assert np.array_equal(parameters[name], again[name])
        assert parameters[name].flags.writeable


@pytest.mark.parametrize("hidden,output,loss", PAIRS)
def test_every_element_explanation_adds_up(hidden, output, loss):
    """The terms of each explanation, multiplied and added, give the element's value."""
    trace, _ = _trace(hidden, output, loss)
    for step in trace.steps:
        for index in np.ndindex(step.value.shape):
            explanation = step.explain(index)
            assert explanation.value == float(step.value[index])
            assert explanation.text.startswith(step.symbol) or step.kind == "softmax_jacobian"
            if step.kind in ("affine", "weight_gradient", "bias_gradient", "backpropagate", "chain_elementwise",
                             "chain_jacobian"):
                total = sum(np.prod([factor.value for factor in term]) for term in explanation.terms)
                assert total == pytest.approx(float(step.value[index]), rel=1e-12, abs=1e-15), (
                    f"{step.symbol}{index}: terms sum to {total}, value is {step.value[index]}"
                )


def test_explain_rejects_index_outside_shape():
    trace, _ = _trace("relu", "softmax", "cross_entropy")
    with pytest.raises(IndexError, match=r"z1: index \(9, 0\) is outside shape \(4, 5\)"):
        trace.steps[0].explain((9, 0))


def test_update_explanation_uses_learning_rate():
    trace, _ = _trace("relu", "softmax", "cross_entropy")
    step = next(step for step in trace.steps if step.phase == "update" and step.key == "W1")
    explanation = step.explain((0, 0))
    old, lr, gradient = (factor.value for factor in explanation.terms[0])
    assert lr == 0.1
    assert old - lr * gradient == explanation.value
    assert explanation.text.startswith("W1[0,0] ← W1[0,0] − α·∂L/∂W1[0,0] = ")


@pytest.mark.parametrize("hidden,output,loss", PAIRS)
def test_weight_chain_sums_to_gradient(hidden, output, loss):
    trace, _ = _trace(hidden, output, loss)
    gradients = trace.gradients
    for layer in (1, 2, 3):
        shape = gradients[f"W{layer}"].shape
        for i, j in [(0, 0), (shape[0] - 1, shape[1] - 1)]:
            chain = weight_chain(trace, layer, i, j)
            total = sum(sample.product for sample in chain.samples)
            assert total == pytest.approx(gradients[f"W{layer}"][i, j], rel=1e-9, abs=1e-15)
            assert chain.text.splitlines()[0].startswith(f"∂L/∂W{layer}[{i},{j}] = Σ_k ")


def test_hidden_weight_chain_has_three_factors():
    trace, _ = _trace("relu", "softmax", "cross_entropy")
    chain = weight_chain(trace, 1, 2, 3)
    assert [symbol.split("[")[0] for symbol, _ in chain.samples[0].factors] == ["∂L/∂a1", "∂a1/∂z1", "∂z1/∂W1"]


def test_engine_imports_no_qt():
    code = "import sys, engine, engine.iteration, engine.chain, engine.gradcheck; " \
           "print([m for m in ('PySide6', 'pyqtgraph') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
