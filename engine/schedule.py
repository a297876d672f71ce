"""Which rows and which learning rate each iteration uses.

Both are pure functions of the iteration number, so any iteration can be replayed exactly
without replaying a random-number stream: the rows of epoch e come from a generator seeded
with (seed, e), and the learning rate is the last recorded change at or before the iteration.
"""

from __future__ import annotations

import bisect
import math

import numpy as np


class BatchSchedule:
    """Mini-batches of ``batch_size`` rows out of ``samples``; None means the full batch every time."""

    def __init__(self, samples: int, batch_size: int | None, seed: int, shuffle: bool):
        self.samples = samples
        self.batch_size = None if batch_size is None or batch_size >= samples else batch_size
        self.seed = seed
        self.shuffle = shuffle
        self._all_rows = np.arange(samples)
        self._epoch_cache: tuple[int, np.ndarray] | None = None

    @property
    def is_full_batch(self) -> bool:
        return self.batch_size is None

    @property
    def batches_per_epoch(self) -> int:
        return 1 if self.batch_size is None else math.ceil(self.samples / self.batch_size)

    def rows(self, iteration: int) -> np.ndarray:
        """Return the row indices iteration (1-based) trains on."""
        if self.batch_size is None:
            return self._all_rows
        epoch, batch = divmod(iteration - 1, self.batches_per_epoch)
        order = self._epoch_order(epoch)
        return order[batch * self.batch_size:(batch + 1) * self.batch_size]

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if self._epoch_cache is not None and self._epoch_cache[0] == epoch:
            return self._epoch_cache[1]
        if self.shuffle:
            order = np.random.default_rng([self.seed, epoch]).permutation(self.samples)
        else:
            order = self._all_rows
        self._epoch_cache = (epoch, order)
        return order


class LearningRateSchedule:
    """The learning rate per iteration: an initial value and the recorded changes."""

    def __init__(self, initial: float, changes=()):
        self.initial = float(initial)
        self._iterations: list[int] = []
        self._rates: list[float] = []
        for iteration, rate in changes:
            self.set(iteration, rate)

    def set(self, iteration: int, rate: float) -> None:
        """Use rate from iteration on; changes recorded for later iterations are dropped."""
        position = bisect.bisect_left(self._iterations, iteration)
        del self._iterations[position:], self._rates[position:]
        self._iterations.append(int(iteration))
        self._rates.append(float(rate))

    def at(self, iteration: int) -> float:
        position = bisect.bisect_right(self._iterations, iteration)
        return self.initial if position == 0 else self._rates[position - 1]

    def next_change_after(self, iteration: int) -> int | None:
        """Return the first iteration after ``iteration`` whose rate differs by a recorded change."""
        position = bisect.bisect_right(self._iterations, iteration)
        return self._iterations[position] if position < len(self._iterations) else None

    def changes(self) -> list[tuple[int, float]]:
        return list(zip(self._iterations, self._rates))
