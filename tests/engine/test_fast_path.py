"""The fast path trains bit-identically to the traced path and checks nothing else away."""

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.iteration import trace_iteration
from engine.network import Layer, NetworkSpec, init_parameters
from engine.optimizers import FastTrainer

NETWORKS = [
    NetworkSpec(3, (Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy"),
    NetworkSpec(2, (Layer(8, "tanh"), Layer(8, "leaky_relu"), Layer(1, "sigmoid")), "binary_cross_entropy"),
    NetworkSpec(2, (Layer(5, "sigmoid"), Layer(3, "softmax")), "mse"),
    NetworkSpec(1, (Layer(1, "linear"),), "half_sse"),
]


def _batch(spec, rng, m):
    inputs = rng.standard_normal((m, spec.inputs))
    if spec.loss == "cross_entropy":
        return inputs, np.eye(spec.outputs)[rng.integers(0, spec.outputs, m)]
    return inputs, rng.uniform(0, 1, (m, spec.outputs))


@pytest.mark.parametrize("spec", NETWORKS, ids=lambda spec: f"{spec.widths}-{spec.loss}")
def test_fast_path_is_bit_identical_to_trace(spec):
    rng = np.random.default_rng(11)
    parameters = init_parameters(spec, "glorot", 11)
    trainer = FastTrainer(spec, parameters)
    traced = parameters
    for iteration in range(30):
        inputs, targets = _batch(spec, rng, m=1 + iteration % 5)
        fast_loss = trainer.iterate(inputs, targets, 0.05)
        trace = trace_iteration(spec, traced, inputs, targets, 0.05)
        traced = trace.parameters
        assert fast_loss == trace.loss, f"iteration {iteration + 1}: loss differs"
        for name in traced:
            assert np.array_equal(trainer.parameters[name], traced[name]), f"iteration {iteration + 1}: {name} differs"
        norms = trainer.gradient_norms()
        expected = [np.linalg.norm(trace.gradients[f"W{layer}"]) for layer in range(1, spec.depth + 1)]
        np.testing.assert_allclose(norms, expected, rtol=1e-14)


def test_fast_trainer_copies_its_parameters():
    spec = NETWORKS[0]
    parameters = init_parameters(spec, "small", 1)
    before = {name: value.copy() for name, value in parameters.items()}
    trainer = FastTrainer(spec, parameters)
    trainer.iterate(np.ones((2, 3)), np.eye(2), 0.1)
    for name in parameters:
        assert np.array_equal(parameters[name], before[name])
    snapshot = trainer.snapshot()
    with pytest.raises(ValueError):
        snapshot["W1"][0, 0] = 1.0


def test_snapshot_shares_read_only_start():
    spec = NETWORKS[0]
    start = trace_iteration(spec, init_parameters(spec, "small", 1), np.ones((2, 3)), np.eye(2), 0.1).parameters
    trainer = FastTrainer(spec, start)
    shared = trainer.snapshot()
    assert all(shared[name] is start[name] for name in start)
    trainer.iterate(np.ones((2, 3)), np.eye(2), 0.1)
    after = trainer.snapshot()
    assert not np.array_equal(after["W2"], start["W2"])
    assert not any(after[name].flags.writeable for name in after)


def test_trace_copies_writable_parameters():
    spec = NETWORKS[0]
    parameters = init_parameters(spec, "small", 1)
    original = {name: value.copy() for name, value in parameters.items()}
    trace = trace_iteration(spec, parameters, np.ones((2, 3)), np.eye(2), 0.1)
    for value in parameters.values():
        value += 1.0
    before = trace.parameters_before()
    update = next(step for step in trace.steps if step.key == "W1")
    for name in original:
        assert np.array_equal(before[name], original[name])
    assert np.array_equal(update.operand("W1"), original["W1"])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_without_out_same_bits(name):
    activation = ACTIVATIONS[name]
    z = np.array([[-1e300, -3.5, -0.0, 0.0, 1e-310, 2.25, 700.0, 1e300]])
    buffer = np.full_like(z, 7.0)
    assert np.array_equal(activation.forward(z), activation.forward(z, out=buffer))
    assert activation.forward(z).tobytes() == buffer.tobytes()
    if activation.is_elementwise:
        a = activation.forward(z)
        assert activation.derivative(z, a).tobytes() == activation.derivative(z, a, out=np.empty_like(z)).tobytes()


def test_saturated_output_steps_build_quietly():
    # softmax gives exactly 0 for the target class, so ∂L/∂a = −Y ⊘ a divides by zero when the
    # steps are built. The suite turns warnings into errors, so a leaked warning fails this test.
    spec = NETWORKS[0]
    parameters = {"W1": np.ones((3, 4)), "b1": np.zeros(4),
                  "W2": np.array([[100.0, -100.0]] * 4), "b2": np.zeros(2)}
    trace = trace_iteration(spec, parameters, np.ones((2, 3)), np.array([[0.0, 1.0], [0.0, 1.0]]), 0.1)
    steps = trace.steps
    assert len(steps) == 19
    assert np.isinf(next(step for step in steps if step.key == "da2").value).any()
