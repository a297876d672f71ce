"""The session: stepping, rewinding, running and breakpoints, all bit-exact."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine.breakpoints import GradientNormBreakpoint
from engine.datasets import Dataset, load_builtin
from engine.errors import SpecError
from engine.iteration import evaluate, trace_iteration
from engine.network import Layer, NetworkSpec, check_parameters
from engine.session import Session, TrainingConfig

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "tutorial_3_4_2.json").read_text())
SPEC = NetworkSpec.from_dict(REFERENCE["network"])


def _tutorial(**training) -> Session:
    config = TrainingConfig(learning_rate=0.1, seed=435, **training)
    return Session(SPEC, load_builtin("tutorial"), config, REFERENCE["initial_parameters"])


def _snapshot(session):
    step = session.current_step()
    value = None if step is None else step.value.copy()
    return session.cursor, value, session.parameters, session.history.loss.copy()


def _assert_same(first, second):
    assert first[0] == second[0]
    if first[1] is None:
        assert second[1] is None
    else:
        assert np.array_equal(first[1], second[1], equal_nan=True)
    for name in first[2]:
        assert np.array_equal(first[2][name], second[2][name]), name
    assert np.array_equal(first[3], second[3])


def test_nineteen_steps_walk_the_first_iteration():
    session = _tutorial()
    trace = trace_iteration(SPEC, check_parameters(SPEC, REFERENCE["initial_parameters"]),
                            REFERENCE["inputs"], REFERENCE["targets"], 0.1)
    for expected in trace.steps:
        step = session.step()
        assert step.symbol == expected.symbol
        assert np.array_equal(step.value, expected.value)
    assert session.cursor == (1, 19)
    assert session.finished_iterations == 1
    assert len(session.history.loss) == 2
    assert session.history.loss[0] == trace.loss


def test_step_after_last_update_starts_next_iteration():
    session = _tutorial()
    for _ in range(19):
        session.step()
    assert session.step().symbol == "z1"
    assert session.cursor == (2, 1)
    assert session.step_back().symbol == "b1"
    assert session.cursor == (1, 19)


def test_step_back_and_forward_is_exact():
    session = _tutorial()
    recorded = []
    while session.cursor != (5, 7):
        session.step()
        recorded.append(_snapshot(session))
    for snapshot in reversed(recorded[:-1]):
        session.step_back()
        _assert_same(_snapshot(session), snapshot)
    assert session.cursor == (1, 1)
    for snapshot in recorded[1:]:
        session.step()
        _assert_same(_snapshot(session), snapshot)


def test_goto_and_run_match_an_uninterrupted_run():
    straight = _tutorial()
    straight.run(60)
    wandering = _tutorial()
    wandering.run(30)
    wandering.goto(12, 5)
    wandering.step_back()
    wandering.goto(40, 19)
    wandering.reset()
    wandering.goto(25, 3)
    wandering.run(60 - 24)
    assert wandering.cursor == straight.cursor == (61, 0)
    _assert_same(_snapshot(wandering), _snapshot(straight))
    np.testing.assert_array_equal(wandering.history.gradient_norms, straight.history.gradient_norms)


def test_history_loss_per_parameter_set():
    session = _tutorial()
    session.run(5)
    parameters = check_parameters(SPEC, REFERENCE["initial_parameters"])
    expected = []
    for _ in range(5):
        trace = trace_iteration(SPEC, parameters, REFERENCE["inputs"], REFERENCE["targets"], 0.1)
        expected.append(trace.loss)
        parameters = trace.parameters
    expected.append(evaluate(SPEC, parameters, REFERENCE["inputs"], REFERENCE["targets"])[1])
    assert session.history.loss.tolist() == expected
    assert session.history.gradient_norms.shape == (5, 2)


def test_next_iteration_finishes_the_current_one():
    session = _tutorial()
    session.step()
    session.step()
    session.next_iteration()
    assert session.cursor == (1, 19)
    session.next_iteration()
    assert session.cursor == (2, 19)
    assert len(session.history.loss) == 3


def test_learning_rate_change_is_recorded_and_replayed():
    session = _tutorial()
    session.run(3)
    assert session.set_learning_rate(0.5) == 4
    session.run(3)
    assert session.rates.at(3) == 0.1
    assert session.rates.at(4) == 0.5
    final = _snapshot(session)
    session.reset()
    session.run(6)
    _assert_same(_snapshot(session), final)


@pytest.mark.parametrize("rate", [0, -0.1, float("nan"), float("inf"), "0.1", True])
def test_invalid_learning_rate_is_rejected(rate):
    session = _tutorial()
    with pytest.raises(SpecError, match="learning rate: expected a positive finite number"):
        session.set_learning_rate(rate)


def test_iteration_breakpoint_stops_before_it():
    session = _tutorial()
    session.breakpoints.iterations.add(8)
    result = session.run(100)
    assert result.iterations == 7
    assert result.stop.reason == "iteration"
    assert session.cursor == (8, 0)
    assert session.run(100).iterations == 100


def test_loss_threshold_stops_at_the_loss_step():
    session = _tutorial()
    session.breakpoints.loss_thresholds.append(0.5)
    result = session.run(1000)
    assert result.stop.reason == "loss"
    iteration, step = session.cursor
    assert session.current_step().symbol == "L"
    assert session.current_step().value < 0.5
    assert session.history.loss[iteration - 2] > 0.5


def test_gradient_norm_breakpoint_stops_at_the_weight_gradient():
    session = _tutorial()
    session.breakpoints.gradient_norms.append(GradientNormBreakpoint(layer=1, threshold=0.05, above=True))
    result = session.run(1000)
    assert result.stop.reason == "gradient_norm"
    assert session.current_step().symbol == "∂L/∂W1"
    assert np.linalg.norm(session.current_step().value) > 0.05


def _diverging() -> Session:
    """Linear 1 → 1, half_sse, x = 1, y = 3, α = 1.5: the error doubles each iteration."""
    spec = NetworkSpec(1, (Layer(1, "linear"),), "half_sse")
    data = Dataset("diverge", np.array([[1.0]]), np.array([[3.0]]), ("x",), ("y",))
    return Session(spec, data, TrainingConfig(learning_rate=1.5), {"W1": [[0.0]], "b1": [0.0]})


def test_divergence_stops_at_first_non_finite_step():
    session = _diverging()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = session.run(100_000)
    stop = result.stop
    assert stop.reason == "non_finite"
    step = session.current_step()
    assert step.symbol == stop.symbol
    assert not np.isfinite(step.value).all()
    for earlier in session.current_trace().steps[:step.index - 1]:
        assert np.isfinite(earlier.value).all(), f"{earlier.symbol} was already non-finite"
    assert f"step {step.index} ({step.symbol})" in stop.message
    assert result.iterations < 2000


def test_mini_batches_cover_every_row_each_epoch():
    data = load_builtin("moons", samples=10, seed=1)
    spec = NetworkSpec(2, (Layer(3, "tanh"), Layer(2, "softmax")), "cross_entropy")
    session = Session(spec, data, TrainingConfig(batch_size=4, seed=9))
    rows = [session.batches.rows(i) for i in range(1, 4)]
    assert [len(r) for r in rows] == [4, 4, 2]
    assert sorted(np.concatenate(rows).tolist()) == list(range(10))
    assert not np.array_equal(session.batches.rows(1), session.batches.rows(4))


def test_mini_batch_rewind_is_exact():
    data = load_builtin("moons", samples=10, seed=1)
    spec = NetworkSpec(2, (Layer(3, "tanh"), Layer(2, "softmax")), "cross_entropy")
    session = Session(spec, data, TrainingConfig(batch_size=4, seed=9))
    session.run(9)
    final = _snapshot(session)
    session.goto(2, 4)
    session.run(8)
    _assert_same(_snapshot(session), final)


def test_network_too_large_is_rejected_before_allocation():
    spec = NetworkSpec(100_000, (Layer(100_000, "relu"), Layer(2, "softmax")), "cross_entropy")
    data = Dataset("wide", np.zeros((1, 100_000)), np.array([[1.0, 0.0]]),
                   tuple(f"x{i}" for i in range(100_000)), ("a", "b"))
    with pytest.raises(SpecError, match=r"network: training needs about \d+\.\d GiB, above the limit"):
        Session(spec, data)


def test_long_run_keeps_checkpoints_bounded():
    session = _tutorial()
    session.run(20_000)
    assert len(session.checkpoints._saved) <= session.checkpoints.max_count
    session.goto(12_345, 0)
    back = session.parameters
    again = _tutorial()
    again.run(12_344)
    for name in back:
        assert np.array_equal(back[name], again.parameters[name])
