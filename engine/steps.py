"""A ``Step``: one computation of a training iteration, frozen, with read-only arrays.

A step carries what the window displays (phase, layer, symbol, formula in plain Unicode
and LaTeX, operand symbols, value) and what it needs to explain any element of the value
with numbers (the operand arrays). Arrays are shared between steps, never copied twice,
which is safe because every one of them is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PHASES = ("forward", "loss", "backward", "update")


def frozen_array(values) -> np.ndarray:
    """Return a read-only float64 copy of values."""
    array = np.array(values, dtype=np.float64, copy=True)
    array.setflags(write=False)
    return array


def frozen_parameters(parameters: dict) -> dict[str, np.ndarray]:
    """Return read-only float64 copies of every array in parameters, by name."""
    return {name: frozen_array(value) for name, value in parameters.items()}


@dataclass(frozen=True)
class Factor:
    """One number in an explanation: its symbol with element index, and its value."""

    symbol: str
    value: float


@dataclass(frozen=True)
class Explanation:
    """One element of a step explained with numbers.

    ``terms`` is a sum of products: each inner tuple is multiplied and the products are
    added (an activation is a single term of one factor). ``text`` is the whole line:
    ``∂L/∂W2[1,0] = a1[0,1]·∂L/∂z2[0,0] + … = 0.101368·(−0.250192) + … = −0.012983``.
    """

    element: str
    value: float
    expression: str
    terms: tuple[tuple[Factor, ...], ...]
    text: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One computation: ``symbol = formula`` evaluated to ``value``.

    ``key`` is the code name (``dz2``), ``symbol`` the displayed one (``∂L/∂z2``).
    ``operands`` are the keys of the arrays the formula reads, in ``operand_values``.
    ``feeds_gradient`` is False for a step shown for the derivation only: with softmax and
    cross-entropy the gradient flows through the fused (a − Y)/m, not through ∂L/∂a and the
    Jacobian. ``alternative`` contains the same value computed the other way (the Jacobian
    route beside the fused one), or None.
    """

    index: int
    phase: str
    layer: int | None
    key: str
    symbol: str
    kind: str
    formula: str
    latex: str
    operands: tuple[str, ...]
    value: np.ndarray
    operand_values: dict = field(repr=False, compare=False)
    feeds_gradient: bool = True
    alternative: np.ndarray | None = field(default=None, repr=False, compare=False)
    alternative_formula: str = ""
    activation: str = ""  # the activation of this step's layer; "" for the loss step
    loss: str = ""  # the network's loss function

    def operand(self, key: str) -> np.ndarray:
        return self.operand_values[key]

    def explain(self, index=None) -> Explanation:
        """Explain one element of ``value`` with numbers; index defaults to the first element."""
        from engine.explain import explain_step

        # A diverged step contains inf or NaN, and its explanation shows them instead of warning.
        with np.errstate(all="ignore"):
            return explain_step(self, index)

    def to_dict(self) -> dict:
        """Return the fields a session file stores for this step (the value stays a NumPy array)."""
        return {
            "index": self.index,
            "phase": self.phase,
            "layer": self.layer,
            "symbol": self.symbol,
            "formula": self.formula,
            "value": self.value,
        }
