"""Network specifications: validation names the layer and the bad value."""

import numpy as np
import pytest

from engine.errors import SpecError
from engine.network import Layer, NetworkSpec, check_batch, check_parameters, check_targets


@pytest.mark.parametrize(
    "layers,loss,message",
    [
        ((Layer(0, "relu"), Layer(2, "softmax")), "cross_entropy",
         r"network.layers\[0\].units: expected a positive integer, got 0"),
        ((Layer(-3, "relu"), Layer(2, "softmax")), "cross_entropy",
         r"network.layers\[0\].units: expected a positive integer, got -3"),
        ((Layer("4x", "relu"), Layer(2, "softmax")), "cross_entropy",
         r"network.layers\[0\].units: expected a positive integer, got '4x'"),
        ((Layer(True, "relu"), Layer(2, "softmax")), "cross_entropy",
         r"network.layers\[0\].units: expected a positive integer, got True"),
        ((Layer(4, "swish"), Layer(2, "softmax")), "cross_entropy",
         r"network.layers\[0\].activation: unknown activation 'swish'"),
        ((Layer(4, "softmax"), Layer(2, "softmax")), "cross_entropy",
         r"network.layers\[0\].activation: softmax is only allowed on the output layer"),
        ((Layer(4, "relu"), Layer(2, "sigmoid")), "cross_entropy",
         r"network.loss: cross_entropy needs a softmax output layer, got sigmoid on layer 2"),
        ((Layer(4, "relu"), Layer(2, "softmax")), "binary_cross_entropy",
         r"network.loss: binary_cross_entropy needs a sigmoid output layer, got softmax"),
        ((Layer(4, "relu"), Layer(2, "softmax")), "hinge", r"network.loss: unknown loss 'hinge'"),
        ((), "mse", r"network.layers: expected at least one layer"),
        (tuple(Layer(2, "relu") for _ in range(200)), "mse", r"network.layers: 200 layers is above the limit of 64"),
        ((Layer(1, "softmax"),), "cross_entropy", r"softmax output needs at least 2 units"),
    ],
)
def test_invalid_spec_is_rejected(layers, loss, message):
    with pytest.raises(SpecError, match=message):
        NetworkSpec(3, layers, loss)


def test_inputs_must_be_positive():
    with pytest.raises(SpecError, match=r"network.inputs: expected a positive integer, got 0"):
        NetworkSpec(0, (Layer(1, "linear"),), "mse")


def test_spec_round_trips_through_dict():
    spec = NetworkSpec(3, (Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy")
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    assert spec.parameter_shapes() == {"W1": (3, 4), "b1": (4,), "W2": (4, 2), "b2": (2,)}


def test_targets_of_wrong_width_are_rejected():
    spec = NetworkSpec(3, (Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy")
    with pytest.raises(SpecError, match=r"data.targets: expected rows of 2 values for 2 output units, got shape \(2, 3\)"):
        check_batch(spec, np.ones((2, 3)), np.ones((2, 3)))


def test_cross_entropy_targets_must_sum_to_one():
    spec = NetworkSpec(3, (Layer(2, "softmax"),), "cross_entropy")
    with pytest.raises(SpecError, match=r"data.targets\[1\]: cross_entropy needs each target row to sum to 1"):
        check_targets(spec, np.array([[1.0, 0.0], [1.0, 1.0]]))


def test_binary_targets_outside_unit_interval():
    spec = NetworkSpec(3, (Layer(1, "sigmoid"),), "binary_cross_entropy")
    with pytest.raises(SpecError, match=r"data.targets\[0\]\[0\]: binary_cross_entropy needs targets in \[0, 1\], got 1.5"):
        check_targets(spec, np.array([[1.5]]))


def test_parameter_shapes_are_checked():
    spec = NetworkSpec(3, (Layer(4, "relu"), Layer(2, "softmax")), "cross_entropy")
    good = {"W1": np.zeros((3, 4)), "b1": np.zeros((1, 4)), "W2": np.zeros((4, 2)), "b2": np.zeros(2)}
    assert check_parameters(spec, good)["b1"].shape == (4,)
    with pytest.raises(SpecError, match=r"parameters.W2: expected shape \(4, 2\), got \(3, 2\)"):
        check_parameters(spec, {**good, "W2": np.zeros((3, 2))})
    with pytest.raises(SpecError, match=r"parameters.b2: missing"):
        check_parameters(spec, {name: value for name, value in good.items() if name != "b2"})
