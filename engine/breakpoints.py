"""Breakpoints: where a run stops, and the ``Stop`` it reports.

A run stops before an iteration the user named, at the loss step of the iteration whose
loss crossed a threshold, at the ∂L/∂W step of a layer whose gradient norm went above or
below a limit, and at the first step that produced NaN or ±Inf.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stop:
    """The reason a run stopped, and the cursor position it left."""

    reason: str  # "iteration", "loss", "gradient_norm", "non_finite", "finished"
    message: str
    iteration: int
    step: int
    symbol: str = ""
    element: tuple[int, ...] | None = None


@dataclass(frozen=True)
class GradientNormBreakpoint:
    layer: int  # 1-based
    threshold: float
    above: bool  # True: stop when the norm rises above threshold; False: when it falls below

    def triggered(self, norm: float) -> bool:
        return norm > self.threshold if self.above else norm < self.threshold


@dataclass
class Breakpoints:
    """The breakpoints a run checks after every iteration."""

    iterations: set[int] = field(default_factory=set)
    loss_thresholds: list[float] = field(default_factory=list)
    gradient_norms: list[GradientNormBreakpoint] = field(default_factory=list)
    non_finite: bool = True

    def loss_crossed(self, previous: float, current: float) -> float | None:
        """Return the threshold the loss crossed between two iterations, or None."""
        for threshold in self.loss_thresholds:
            if (previous - threshold) * (current - threshold) < 0 or (current == threshold != previous):
                return threshold
        return None

    def gradient_norm_hit(self, norms) -> GradientNormBreakpoint | None:
        for breakpoint_ in self.gradient_norms:
            if 1 <= breakpoint_.layer <= len(norms) and breakpoint_.triggered(float(norms[breakpoint_.layer - 1])):
                return breakpoint_
        return None

    def to_dict(self) -> dict:
        return {
            "iterations": sorted(self.iterations),
            "loss_thresholds": list(self.loss_thresholds),
            "gradient_norms": [
                {"layer": b.layer, "threshold": b.threshold, "above": b.above} for b in self.gradient_norms
            ],
            "non_finite": self.non_finite,
        }
