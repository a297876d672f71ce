"""The tutorial's 3-4-2 example, step by step, against its reference numbers."""

import json
from pathlib import Path

import numpy as np
import pytest

from engine.iteration import trace_iteration
from engine.network import NetworkSpec, check_parameters

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "tutorial_3_4_2.json").read_text())
FIRST = REFERENCE["first_iteration"]


@pytest.fixture(scope="module")
def spec():
    return NetworkSpec.from_dict(REFERENCE["network"])


def _trace(spec, parameters):
    return trace_iteration(spec, parameters, REFERENCE["inputs"], REFERENCE["targets"], REFERENCE["learning_rate"])


@pytest.fixture(scope="module", params=["initial_parameters", "initial_parameters_full_precision"])
def first(request, spec):
    """Iteration 1 from the printed (8-decimal) and the full-precision parameters."""
    tolerance = 1e-6 if request.param == "initial_parameters" else 1e-12
    return _trace(spec, check_parameters(spec, REFERENCE[request.param])), tolerance


def _value(trace, key, phase=None):
    matches = [step for step in trace.steps if step.key == key and (phase is None or step.phase == phase)]
    assert len(matches) == 1, f"{key}: expected one step, found {len(matches)}"
    return matches[0].value


def test_step_order_matches_design(spec):
    trace = _trace(spec, check_parameters(spec, REFERENCE["initial_parameters"]))
    symbols = [step.symbol for step in trace.steps]
    assert symbols == [
        "z1", "a1", "z2", "a2", "L",
        "∂L/∂a2", "∂a2/∂z2", "∂L/∂z2", "∂L/∂W2", "∂L/∂b2", "∂L/∂a1",
        "∂a1/∂z1", "∂L/∂z1", "∂L/∂W1", "∂L/∂b1",
        "W2", "b2", "W1", "b1",
    ]
    assert [step.index for step in trace.steps] == list(range(1, 20))
    assert [step.phase for step in trace.steps] == ["forward"] * 4 + ["loss"] + ["backward"] * 10 + ["update"] * 4


@pytest.mark.parametrize("key", ["z1", "a1", "z2", "a2", "dW2", "dW1"])
def test_first_iteration_arrays(first, key):
    trace, tolerance = first
    np.testing.assert_allclose(_value(trace, key), FIRST[key], rtol=0, atol=tolerance, err_msg=key)


@pytest.mark.parametrize("key", ["db2", "db1"])
def test_first_iteration_bias_gradients_are_flat(first, key):
    trace, tolerance = first
    value = _value(trace, key)
    assert value.shape == (len(FIRST[key][0]),)
    np.testing.assert_allclose(value, FIRST[key][0], rtol=0, atol=tolerance)


def test_first_iteration_loss(first):
    trace, tolerance = first
    assert trace.loss == pytest.approx(FIRST["loss_no_eps"], abs=tolerance)
    assert float(_value(trace, "L")) == trace.loss


def test_first_iteration_dz_is_averaged(first):
    """The reference's dz is without the 1/m factor; ours divides by m = 2 in ∂L/∂z."""
    trace, tolerance = first
    np.testing.assert_allclose(_value(trace, "dz2"), np.array(FIRST["dz2_unaveraged"]) / 2, atol=tolerance)
    np.testing.assert_allclose(_value(trace, "dz1"), np.array(FIRST["dz1_unaveraged"]) / 2, atol=tolerance)


def test_parameters_after_one_step(first):
    trace, tolerance = first
    for name, expected in REFERENCE["parameters_after_one_step"].items():
        np.testing.assert_allclose(trace.parameters[name], np.reshape(expected, trace.parameters[name].shape),
                                   rtol=0, atol=tolerance, err_msg=name)


def test_update_steps_hold_new_parameters(first):
    trace, _ = first
    for name in ("W2", "b2", "W1", "b1"):
        assert np.array_equal(_value(trace, name, phase="update"), trace.parameters[name])


def test_second_iteration_matches_published_values(spec):
    """The tutorial prints the forward pass after one update (DESIGN: known facts)."""
    trace = _trace(spec, check_parameters(spec, REFERENCE["initial_parameters"]))
    second = _trace(spec, trace.parameters)
    for key, published in REFERENCE["published_after_one_step"].items():
        np.testing.assert_allclose(_value(second, key), published["value"], rtol=0, atol=published["abs_tol"],
                                   err_msg=key)


def test_explanation_of_dw2_element(spec):
    """The line DESIGN.md prints for the tutorial's first iteration."""
    trace = _trace(spec, check_parameters(spec, REFERENCE["initial_parameters_full_precision"]))
    step = next(step for step in trace.steps if step.key == "dW2")
    explanation = step.explain((1, 0))
    assert explanation.text == (
        "∂L/∂W2[1,0] = a1[0,1]·∂L/∂z2[0,0] + a1[1,1]·∂L/∂z2[1,0]"
        " = 0.101368·(−0.250192) + 0.049528·0.249936 = −0.012983"
    )
    assert explanation.value == FIRST["dW2"][1][0]
    products = [np.prod([factor.value for factor in term]) for term in explanation.terms]
    assert sum(products) == pytest.approx(FIRST["dW2"][1][0], abs=1e-15)


def test_fused_and_jacobian_routes_agree(first):
    trace, _ = first
    step = next(step for step in trace.steps if step.key == "dz2")
    assert step.kind == "chain_fused"
    np.testing.assert_allclose(step.alternative, step.value, rtol=0, atol=1e-12)
    assert "differ by" in step.explain((0, 0)).note
