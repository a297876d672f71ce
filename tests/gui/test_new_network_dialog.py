"""The New Network dialog: defaults from the session, valid output and loss pairs, errors inline."""

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton

from engine.datasets import load_builtin
from engine.network import NetworkSpec, init_parameters
from engine.session import Session, TrainingConfig
from gui.controller import Controller
from gui.new_network_dialog import SUGGESTED_SETUPS, NewNetworkDialog, describe_widths, parse_target_columns

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "tutorial_3_4_2.json").read_text())


@pytest.fixture
def dialog(controller, qtbot):
    dialog = NewNetworkDialog(controller)
    qtbot.addWidget(dialog)
    return dialog


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_show_current_network(dialog):
    """The fields start on the open session's data, layers, loss and training."""
    assert dialog.preview_text() == "2 samples · 3 inputs · 2 outputs (class 0, class 1)"
    assert dialog.hidden_layers() == [(4, "relu")]
    assert dialog.offered_activations() == ["softmax"]
    assert "cross_entropy" in dialog.offered_losses()
    assert dialog.error_text() == ""


def test_create_with_defaults_reproduces_session(controller, dialog, qtbot):
    """Create on the defaults rebuilds the same network, data, training and initial weights."""
    before = controller.session
    with qtbot.waitSignal(controller.session_changed, timeout=2000):
        assert dialog.create()

    after = controller.session
    assert after is not before
    assert after.spec == before.spec
    assert after.data is before.data
    assert after.training == before.training
    for name, value in before.initial_parameters.items():
        np.testing.assert_array_equal(after.initial_parameters[name], value, err_msg=name)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_create_keeps_explicit_initial_weights(qtbot):
    """A session on hand-written weights (the tutorial's) is rebuilt on those weights, not on seeded ones."""
    session = Session(NetworkSpec.from_dict(REFERENCE["network"]), load_builtin("tutorial"),
                      TrainingConfig(learning_rate=0.1, seed=435), REFERENCE["initial_parameters"])
    controller = Controller(session)
    dialog = NewNetworkDialog(controller)
    qtbot.addWidget(dialog)

    assert dialog.keeps_initial_weights()
    assert dialog.create()
    np.testing.assert_array_equal(controller.session.initial_parameters["W1"], session.initial_parameters["W1"])


def test_create_iris_network(controller, dialog, qtbot):
    """Iris 4 → 8 relu → 3 softmax with cross-entropy, lr 0.1 and He weights replaces the session."""
    dialog.set_dataset("iris")
    dialog.set_standardize(True)
    dialog.set_hidden_layers([(8, "relu")])
    dialog.set_output("softmax", "cross_entropy")
    dialog.set_training(learning_rate=0.1, initialization="he", seed=7)
    assert dialog.preview_text().startswith("150 samples · 4 inputs · 3 outputs (setosa, versicolor, virginica)")

    with qtbot.waitSignal(controller.session_changed, timeout=2000):
        assert dialog.create()

    session = controller.session
    assert session.spec.to_dict() == {
        "inputs": 4,
        "layers": [{"units": 8, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
        "loss": "cross_entropy",
    }
    assert session.data.name == "iris"
    assert session.data.standardization is not None
    assert session.training.learning_rate == 0.1
    assert session.training.initialization == "he"
    assert session.training.seed == 7
    assert session.training.batch_size is None
    expected = init_parameters(session.spec, "he", 7)
    np.testing.assert_array_equal(session.initial_parameters["W1"], expected["W1"])


def test_cross_entropy_offers_only_softmax(dialog):
    """Choosing cross-entropy restricts the output to softmax and selects it."""
    dialog.set_dataset("iris")
    dialog.set_output("tanh", "mse")
    assert "relu" in dialog.offered_activations()
    assert "softmax" in dialog.offered_activations()

    dialog.set_loss("cross_entropy")

    assert dialog.offered_activations() == ["softmax"]


def test_binary_cross_entropy_offers_only_sigmoid(dialog):
    dialog.set_dataset("iris")
    dialog.set_loss("binary_cross_entropy")
    assert dialog.offered_activations() == ["sigmoid"]


def test_one_column_target_offers_no_softmax(dialog):
    """XOR's single target column rules out softmax and, with it, cross-entropy."""
    dialog.set_dataset("xor")
    assert dialog.preview_text() == "4 samples · 2 inputs · 1 output (x1 xor x2)"
    assert "cross_entropy" not in dialog.offered_losses()

    dialog.set_loss("mse")

    assert "softmax" not in dialog.offered_activations()
    assert "sigmoid" in dialog.offered_activations()
    with pytest.raises(ValueError, match="softmax"):
        dialog.set_output("softmax", "mse")


def test_regression_targets_offer_squared_errors_only(dialog, tmp_path):
    """Targets outside [0, 1] fit neither cross-entropy loss."""
    path = _write(tmp_path / "line.csv", "x,y\n0,1.5\n1,3.5\n2,5.5\n")
    dialog.set_csv_file(path, "y")
    assert dialog.offered_losses() == ["mse", "half_sse"]


def test_bad_csv_shows_engine_message(controller, dialog, qtbot, tmp_path, monkeypatch):
    """A text cell in a CSV is reported inline with its row and column, and the session stays."""
    path = _write(tmp_path / "bad.csv", "a,b,label\n1,2,0\n3,oops,1\n")
    monkeypatch.setattr(dialog, "_choose_csv_path", lambda: str(path))
    dialog.show()
    qtbot.waitExposed(dialog, timeout=2000)
    before = controller.session

    dialog.set_dataset("csv")
    qtbot.mouseClick(dialog.findChild(QPushButton, "browseButton"), Qt.MouseButton.LeftButton)

    message = 'bad.csv row 3, column "b": expected a number, got "oops"'
    assert message in dialog.preview_text()
    assert not dialog.create()
    assert message in dialog.error_text()
    assert controller.session is before
    assert dialog.isVisible()


def test_good_csv_with_named_target(dialog, tmp_path):
    path = _write(tmp_path / "pets.csv", "weight,height,kind\n4,30,cat\n30,60,dog\n5,25,cat\n")
    dialog.set_csv_file(path, "kind")
    assert dialog.preview_text() == "3 samples · 2 inputs · 2 outputs (cat, dog)"


def test_empty_target_columns_are_reported(dialog, tmp_path):
    path = _write(tmp_path / "pets.csv", "weight,kind\n4,cat\n30,dog\n")
    dialog.set_csv_file(path, " ")
    assert "Target columns" in dialog.preview_text()
    assert not dialog.create()
    assert "did not load" in dialog.error_text()


def test_controller_rejection_shown_inline(controller, dialog, qtbot):
    """A network the session rejects (too large) keeps the dialog open with the controller's message."""
    before = controller.session
    dialog.set_dataset("iris")
    dialog.set_hidden_layers([(4096, "relu")] * 40)

    with qtbot.waitSignal(controller.error_occurred, timeout=2000):
        assert not dialog.create()

    assert dialog.error_text().startswith("Could not create the network:")
    assert "GiB" in dialog.error_text()
    assert controller.session is before
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_zero_hidden_layers_allowed(controller, dialog, qtbot):
    dialog.set_hidden_layers([])
    with qtbot.waitSignal(controller.session_changed, timeout=2000):
        assert dialog.create()
    assert controller.session.spec.depth == 1


def test_layer_buttons_add_and_remove_rows(dialog, qtbot):
    add = dialog.findChild(QPushButton, "addLayerButton")
    remove = dialog.findChild(QPushButton, "removeLayerButton")

    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert dialog.hidden_layers() == [(4, "relu"), (4, "relu")]

    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert dialog.hidden_layers() == []
    assert not remove.isEnabled()


def test_generated_set_uses_sample_fields(dialog):
    dialog.set_dataset("moons")
    assert dialog.preview_text() == "200 samples · 2 inputs · 2 outputs (upper, lower) · inputs standardised"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SUGGESTED_SETUPS))
def test_suggested_setup_learns(controller, dialog, name):
    """Picking a built-in data set suggests a network that reaches 95 % training accuracy."""
    dialog.set_dataset(name)
    dialog.set_training(seed=0)
    assert dialog.create(), dialog.error_text()
    session = controller.session
    assert session.data.name == name
    session.run(3000)
    assert session.accuracy() >= 0.95, f"{name}: {session.accuracy():.1%} after 3,000 iterations"


def test_batch_size_zero_means_full_batch(controller, dialog):
    dialog.set_training(batch_size=0)
    assert dialog.create()
    assert controller.session.training.batch_size is None


def test_batch_size_is_passed_on(controller, dialog):
    dialog.set_dataset("moons")
    dialog.set_training(batch_size=16, shuffle=False)
    assert dialog.create()
    assert controller.session.training.batch_size == 16
    assert controller.session.training.shuffle is False


def test_new_seed_draws_new_weights(dialog):
    dialog.set_training(seed=99)
    assert not dialog.keeps_initial_weights()


def test_cancel_keeps_session(controller, dialog, qtbot):
    before = controller.session
    dialog.show()
    qtbot.waitExposed(dialog, timeout=2000)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        dialog.reject()
    assert controller.session is before


@pytest.mark.parametrize(
    ("text", "columns"),
    [("species", ["species"]), ("4", [4]), ("-1", [-1]), (" a , 2 ", ["a", 2])],
)
def test_parse_target_columns(text, columns):
    assert parse_target_columns(text) == columns


def test_parse_target_columns_rejects_empty_entry():
    with pytest.raises(ValueError, match="empty"):
        parse_target_columns("a,,b")


def test_csv_session_defaults_to_its_own_data(qtbot, tmp_path):
    """Data that is not a built-in set appears as "Current data" and is reused as it is."""
    from engine.datasets import load_csv

    path = _write(tmp_path / "pets.csv", "weight,height,kind\n4,30,cat\n30,60,dog\n5,25,cat\n")
    data = load_csv(path, ["kind"])
    spec = NetworkSpec.from_dict({"inputs": 2, "layers": [{"units": 2, "activation": "softmax"}],
                                  "loss": "cross_entropy"})
    controller = Controller(Session(spec, data, TrainingConfig()))
    dialog = NewNetworkDialog(controller)
    qtbot.addWidget(dialog)

    assert dialog.preview_text() == "3 samples · 2 inputs · 2 outputs (cat, dog)"
    assert dialog.hidden_layers() == []
    assert dialog.create()
    assert controller.session.data is data


def test_describe_widths_groups_equal_layers():
    spec = NetworkSpec.from_dict({
        "inputs": 4,
        "layers": [{"units": 64, "activation": "tanh"}] * 3 + [{"units": 3, "activation": "softmax"}],
        "loss": "cross_entropy",
    })
    assert describe_widths(spec) == "4 → 64 tanh ×3 → 3 softmax"
