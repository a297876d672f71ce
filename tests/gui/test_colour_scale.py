"""The colour scale under the graph: round ticks, their labels, and what the graph sets on it."""

import pytest

from gui.colour_scale import ColourScale, nice_ticks, tick_text


@pytest.mark.parametrize("limit, expected", [
    (0.38, [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]),
    (1.0, [-1.0, -0.5, 0.0, 0.5, 1.0]),
    (0.3, [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]),
    (0.0123, [-0.01, -0.005, 0.0, 0.005, 0.01]),
    (9.99, [-5.0, 0.0, 5.0]),
    (250.0, [-200.0, -100.0, 0.0, 100.0, 200.0]),
])
def test_nice_ticks_round_values(limit, expected):
    assert nice_ticks(limit) == pytest.approx(expected)


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan"), float("inf")])
def test_nice_ticks_degenerate_limit(limit):
    assert nice_ticks(limit) == [0.0]


def test_nice_ticks_subnormal_limit():
    ticks = nice_ticks(5e-324)
    assert 0.0 in ticks
    assert all(abs(tick) <= 5e-324 for tick in ticks)


def test_nice_ticks_largest_colour_limit():
    ticks = nice_ticks(1e300)
    assert len(ticks) <= 7
    assert max(ticks) <= 1e300
    assert ticks[len(ticks) // 2] == 0.0


@pytest.mark.parametrize("value, step, expected", [
    (0.0, 0.1, "0"),
    (-0.3, 0.1, "−0.3"),
    (0.30000000000000004, 0.1, "0.3"),
    (0.005, 0.005, "0.005"),
    (200.0, 100.0, "200"),
    (-2e5, 1e5, "−2e5"),
    (5e-5, 5e-5, "5e−5"),
    (1.5e-4, 5e-5, "1.5e−4"),
    (-1.5e6, 5e5, "−1.5e6"),
    (1e-4, 5e-5, "1.0e−4"),
])
def test_tick_text(value, step, expected):
    assert tick_text(value, step) == expected


def test_colour_scale_limit_and_fading(qtbot):
    scale = ColourScale()
    qtbot.addWidget(scale)
    scale.set_limit(0.0)
    assert scale.limit() == 1.0
    scale.set_limit(0.38)
    assert scale.tick_values() == pytest.approx([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3])
    scale.set_faded(True)
    assert scale.is_faded()
