"""Fixtures shared by the window's tests."""

import pytest

from engine.datasets import load_builtin
from engine.network import NetworkSpec
from engine.session import Session, TrainingConfig
from gui.controller import Controller

TUTORIAL_NETWORK = {
    "inputs": 3,
    "layers": [{"units": 4, "activation": "relu"}, {"units": 2, "activation": "softmax"}],
    "loss": "cross_entropy",
}


@pytest.fixture
def controller(qtbot):
    """A controller on the tutorial network and data, learning rate 0.1, weights drawn from seed 0."""
    session = Session(NetworkSpec.from_dict(TUTORIAL_NETWORK), load_builtin("tutorial"),
                      TrainingConfig(learning_rate=0.1))
    controller = Controller(session)
    yield controller
    controller.pause()
