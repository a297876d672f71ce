"""Per-iteration records that grow without a Python object per iteration, and parameter checkpoints.

``History`` keeps the loss (entry i is the loss at the parameters after i updates) and each
layer's gradient norm in NumPy arrays that double their capacity when full. ``Checkpoints``
keeps parameter copies at iterations that are multiples of an interval; the interval doubles
when there are too many, so memory stays bounded however long the session runs.
"""

from __future__ import annotations

import numpy as np

from engine.steps import frozen_parameters


class History:
    """Loss per finished iteration plus one, and gradient norms (finished iterations, depth)."""

    def __init__(self, depth: int, capacity: int = 1024):
        self._loss = np.empty(capacity)
        self._norms = np.empty((capacity, depth))
        self._loss_count = 0
        self._norm_count = 0

    def __len__(self) -> int:
        return self._loss_count

    @property
    def loss(self) -> np.ndarray:
        """A read-only view of the recorded losses."""
        view = self._loss[:self._loss_count]
        view.flags.writeable = False
        return view

    @property
    def gradient_norms(self) -> np.ndarray:
        view = self._norms[:self._norm_count]
        view.flags.writeable = False
        return view

    def loss_at(self, index: int) -> float:
        """Return loss entry index (0 is the loss at the initial parameters) without making a view."""
        if not 0 <= index < self._loss_count:
            raise IndexError(f"loss entry {index} is outside the {self._loss_count} recorded")
        return float(self._loss[index])

    def _grow(self, needed: int) -> None:
        if needed <= len(self._loss):
            return
        capacity = max(needed, 2 * len(self._loss))
        loss = np.empty(capacity)
        loss[:self._loss_count] = self._loss[:self._loss_count]
        norms = np.empty((capacity, self._norms.shape[1]))
        norms[:self._norm_count] = self._norms[:self._norm_count]
        self._loss, self._norms = loss, norms

    def append_loss(self, value: float) -> None:
        self._grow(self._loss_count + 1)
        self._loss[self._loss_count] = value
        self._loss_count += 1

    def append_norms(self, norms) -> None:
        self._grow(self._norm_count + 1)
        self._norms[self._norm_count] = norms
        self._norm_count += 1

    def truncate(self, finished: int) -> None:
        """Keep the records of the first ``finished`` iterations (and so finished + 1 losses)."""
        self._loss_count = min(self._loss_count, finished + 1)
        self._norm_count = min(self._norm_count, finished)

    def replace(self, loss, norms) -> None:
        loss = np.asarray(loss, dtype=np.float64)
        norms = np.asarray(norms, dtype=np.float64).reshape(-1, self._norms.shape[1])
        self._loss_count = self._norm_count = 0
        self._grow(max(len(loss), len(norms), 1))
        self._loss[:len(loss)] = loss
        self._norms[:len(norms)] = norms
        self._loss_count, self._norm_count = len(loss), len(norms)


class Checkpoints:
    """Read-only parameter copies at iteration 0 and at multiples of ``interval``."""

    def __init__(self, budget_bytes: int = 64 * 1024**2, max_count: int = 1024):
        self.interval = 1
        self.budget_bytes = budget_bytes
        self.max_count = max_count
        self._saved: dict[int, dict[str, np.ndarray]] = {}

    def _limit(self, parameters) -> int:
        size = sum(value.nbytes for value in parameters.values())
        return max(8, min(self.max_count, self.budget_bytes // max(size, 1)))

    def wants(self, finished: int) -> bool:
        return finished % self.interval == 0 and finished not in self._saved

    def save(self, finished: int, parameters) -> None:
        """Keep a copy of the parameters after ``finished`` iterations (always kept for 0)."""
        self._saved[finished] = frozen_parameters(parameters)
        while len(self._saved) > self._limit(parameters):
            self.interval *= 2
            self._saved = {key: value for key, value in self._saved.items() if key % self.interval == 0 or key == 0}

    def forget_after(self, finished: int) -> None:
        self._saved = {key: value for key, value in self._saved.items() if key <= finished}

    def latest_at_or_before(self, finished: int) -> tuple[int, dict[str, np.ndarray]]:
        best = max(key for key in self._saved if key <= finished)
        return best, self._saved[best]
