"""One test per known numerical trap of activations and losses."""

import warnings

import numpy as np
import pytest

from engine.activations import relu_derivative, sigmoid, softmax
from engine.iteration import evaluate, trace_iteration
from engine.losses import binary_cross_entropy_value, cross_entropy_value
from engine.network import Layer, NetworkSpec, init_parameters


def test_softmax_of_huge_logit_is_one_hot():
    a = softmax(np.array([[1000.0, 0.0]]))
    assert a.tolist() == [[1.0, 0.0]]


def test_cross_entropy_of_huge_wrong_logit_is_finite():
    z = np.array([[1000.0, 0.0]])
    loss = cross_entropy_value(z, softmax(z), np.array([[0.0, 1.0]]))
    assert loss == 1000.0


def test_cross_entropy_of_perfect_prediction_is_zero():
    z = np.array([[1000.0, 0.0]])
    loss = cross_entropy_value(z, softmax(z), np.array([[1.0, 0.0]]))
    assert loss == 0.0


def test_relu_derivative_at_zero_is_zero():
    assert relu_derivative(np.array([[-1.0, 0.0, 1.0]]), None).tolist() == [[0.0, 0.0, 1.0]]


def test_softmax_rows_sum_to_one_each():
    z = np.random.default_rng(1).standard_normal((5, 3)) * 10
    np.testing.assert_allclose(softmax(z).sum(axis=1), np.ones(5), rtol=0, atol=1e-15)


def test_sigmoid_of_minus_1000_is_zero_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = sigmoid(np.array([-1000.0, 1000.0]))
    assert values.tolist() == [0.0, 1.0]


def test_binary_cross_entropy_logit_40_target_0():
    z = np.array([[40.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = binary_cross_entropy_value(z, sigmoid(z), np.array([[0.0]]))
    assert loss == pytest.approx(40.0, abs=1e-15)


def _tiny_net():
    spec = NetworkSpec(2, (Layer(3, "tanh"), Layer(2, "softmax")), "cross_entropy")
    rng = np.random.default_rng(7)
    inputs = rng.standard_normal((3, 2))
    targets = np.eye(2)[[0, 1, 1]]
    return spec, init_parameters(spec, "glorot", 7), inputs, targets


def test_bias_gradient_is_flat_and_sums_over_batch():
    spec, parameters, inputs, targets = _tiny_net()
    trace = trace_iteration(spec, parameters, inputs, targets, 0.1)
    steps = {step.key: step for step in trace.steps if step.phase == "backward"}
    for layer in (1, 2):
        db = steps[f"db{layer}"].value
        assert db.shape == (spec.layers[layer - 1].units,)
        np.testing.assert_array_equal(db, steps[f"dz{layer}"].value.sum(axis=0))


def test_repeated_batch_leaves_gradients_unchanged():
    """Losses average over the batch, so the same rows four times give the same gradient."""
    spec, parameters, inputs, targets = _tiny_net()
    once = trace_iteration(spec, parameters, inputs, targets, 0.1).gradients
    four = trace_iteration(spec, parameters, np.tile(inputs, (4, 1)), np.tile(targets, (4, 1)), 0.1).gradients
    for name in once:
        np.testing.assert_allclose(four[name], once[name], rtol=1e-12, atol=1e-15, err_msg=name)


def test_evaluate_loss_equals_traced_loss():
    spec, parameters, inputs, targets = _tiny_net()
    _, loss = evaluate(spec, parameters, inputs, targets)
    assert loss == trace_iteration(spec, parameters, inputs, targets, 0.1).loss
