"""Repeated measurements, goals and report rows shared by every benchmark target.

A ratio is measured by alternating its two sides in one loop (A B, then B A, …), so a burst
of load from another process on the machine slows both sides of the same pair. Every row
shows the median of the per-pair values with their minimum and maximum.
"""

from __future__ import annotations

import resource
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Goal:
    """A pass condition: the median must be at least (">=") or at most ("<=") threshold."""

    comparison: str
    threshold: float
    unit: str = ""

    def is_met(self, value: float) -> bool:
        return value >= self.threshold if self.comparison == ">=" else value <= self.threshold

    def __str__(self) -> str:
        return f"{self.comparison} {format_value(self.threshold)}{_unit_suffix(self.unit)}"


@dataclass
class Row:
    """One line of the report: a target at one case (network size or variant)."""

    name: str
    case: str
    values: list[float] = field(default_factory=list)
    unit: str = ""
    goal: Goal | None = None
    note: str = ""
    skipped: str = ""  # why the target was not measured, or empty
    error: str = ""  # the exception that stopped the measurement, or empty
    complete: bool = True  # False when a time limit stopped the measurement before its full length

    def verdict(self, quick: bool) -> str:
        if self.error:
            return "ERROR"
        if self.skipped:
            return "SKIP"
        if self.goal is None:
            return "info"
        if quick:
            return "quick"
        if not self.complete:
            return "INCOMPLETE"
        return "PASS" if self.goal.is_met(statistics.median(self.values)) else "FAIL"

    def measured_text(self) -> str:
        if self.error:
            return f"error: {self.error}"
        if self.skipped:
            return f"skipped: {self.skipped}"
        median = statistics.median(self.values)
        text = f"{format_value(median)}{_unit_suffix(self.unit)}"
        if len(self.values) > 1:
            text += f" (min {format_value(min(self.values))}, max {format_value(max(self.values))}, n={len(self.values)})"
        else:
            text += " (n=1)"
        return text


def format_value(value: float) -> str:
    """Format a measured value with three significant digits, and thousands separators above 1,000."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def count_text(count: int, noun: str) -> str:
    """Return "1 run", "3 runs": count with thousands separators and the noun in singular or plural."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _unit_suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


def time_block(function: Callable[[], object], count: int) -> float:
    """Call function count times and return the elapsed wall-clock seconds."""
    started = time.perf_counter()
    for _ in range(count):
        function()
    return time.perf_counter() - started


def calibrate_count(function: Callable[[], object], seconds: float, maximum: int = 1_000_000) -> int:
    """Return how many calls of function fill about ``seconds``, after one warm-up call."""
    function()
    count = 1
    while count < maximum:
        elapsed = time_block(function, count)
        if elapsed >= seconds / 4:
            return max(1, min(maximum, round(count * seconds / elapsed)))
        count *= 4
    return maximum


def interleave(sides: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run each side ``repeats`` times, alternating their order every repetition.

    Each side is a callable that runs one block and returns its measurement. Repetition k
    runs the sides in order when k is even and in reverse when k is odd.
    """
    names = list(sides)
    results: dict[str, list[float]] = {name: [] for name in names}
    for repetition in range(repeats):
        order = names if repetition % 2 == 0 else names[::-1]
        for name in order:
            results[name].append(sides[name]())
    return results


def minor_faults() -> int:
    """Return the process's minor page faults so far (faults served without disk I/O)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def resident_bytes() -> int:
    """Return the process's resident set size (VmRSS in /proc/self/status) in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("/proc/self/status has no VmRSS line; the memory target needs Linux")
