"""Every analytic gradient against central differences, over many shapes and every valid pairing."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.gradcheck import gradient_check, relative_error
from engine.iteration import evaluate
from engine.network import Layer, NetworkSpec, init_parameters

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "linear"]
# Every valid (output activation, loss) pairing.
OUTPUTS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "mse"),
    ("softmax", "half_sse"),
    ("sigmoid", "mse"),
    ("tanh", "half_sse"),
    ("linear", "mse"),
    ("linear", "half_sse"),
    ("relu", "half_sse"),
    ("leaky_relu", "mse"),
]
KINK_MARGIN = 1e-2  # a difference step of 2h moves z by up to about 2h·|a_prev|; kinks must stay out of reach


def _targets(rng, loss, m, width):
    if loss == "cross_entropy":
        return np.eye(width)[rng.integers(0, width, m)]
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, (m, width)).astype(float)
    return rng.standard_normal((m, width))


def _far_from_kinks(spec, parameters, inputs) -> bool:
    previous = inputs
    for number, layer in enumerate(spec.layers, start=1):
        z = previous @ parameters[f"W{number}"] + parameters[f"b{number}"]
        if layer.activation in ("relu", "leaky_relu") and np.abs(z).min() < KINK_MARGIN:
            return False
        previous = evaluate(NetworkSpec(spec.inputs, spec.layers[:number], "half_sse"), parameters, inputs)
    return True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    data=st.data(),
    widths=st.lists(st.integers(1, 8), min_size=0, max_size=3),
    inputs=st.integers(1, 8),
    batch=st.integers(1, 8),
    pairing=st.sampled_from(OUTPUTS),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_match_central_differences(data, widths, inputs, batch, pairing, seed):
    output, loss = pairing
    out_units = data.draw(st.integers(2 if output == "softmax" else 1, 6), label="output units")
    hidden = [Layer(units, data.draw(st.sampled_from(HIDDEN), label="hidden")) for units in widths]
    spec = NetworkSpec(inputs, tuple(hidden) + (Layer(out_units, output),), loss)
    rng = np.random.default_rng(seed)
    parameters = init_parameters(spec, "glorot", seed)
    for name in parameters:
        if name.startswith("b"):
            parameters[name] = rng.standard_normal(parameters[name].shape) * 0.1
    x = rng.standard_normal((batch, inputs))
    assume(_far_from_kinks(spec, parameters, x))

    errors = gradient_check(spec, parameters, x, _targets(rng, loss, batch, out_units))
    for name, error in errors.items():
        assert error < 1e-6, f"{name}: relative error {error:.2e} in {spec}"


def test_gradient_check_detects_a_wrong_gradient():
    analytic = np.array([1.0, 2.0])
    assert relative_error(analytic, analytic * 1.001) > 1e-4


def test_tutorial_gradient_check():
    spec = NetworkSpec(3, (Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy")
    parameters = init_parameters(spec, "small", 435)
    inputs = np.array([[2.0, 8, 6], [1, 2, 3]])
    errors = gradient_check(spec, parameters, inputs, np.eye(2))
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("method", ["small", "glorot", "he"])
def test_initialisation_is_seeded(method):
    spec = NetworkSpec(3, (Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy")
    first = init_parameters(spec, method, 5)
    again = init_parameters(spec, method, 5)
    other = init_parameters(spec, method, 6)
    assert all(np.array_equal(first[name], again[name]) for name in first)
    assert not np.array_equal(first["W1"], other["W1"])
    assert first["b1"].shape == (4,)
    assert not first["b1"].any()
