"""How code names map to the symbols the window shows.

Code names follow the maths: ``a0`` is the input batch X, ``z1``/``a1`` are layer 1's
pre-activation and activation, a leading ``d`` is a derivative of the loss (``dz2`` is
∂L/∂z2, ``dW1`` is ∂L/∂W1), ``dadz2`` is the local factor ∂a2/∂z2, ``L`` is the loss,
``Y`` the targets and ``lr`` the learning rate α.
"""

from __future__ import annotations

import functools
import re

_LAYERED = re.compile(r"^(dadz|da|dz|dW|db|a|z|W|b)(\d+)$")


@functools.lru_cache(maxsize=4096)
def display_symbol(key: str) -> str:
    """Return the displayed symbol of a code name: ``dz2`` → ``∂L/∂z2``, ``a0`` → ``X``."""
    if key == "lr":
        return "α"
    match = _LAYERED.match(key)
    if match is None:
        return key
    prefix, layer = match.groups()
    if prefix == "a" and layer == "0":
        return "X"
    if prefix == "dadz":
        return f"∂a{layer}/∂z{layer}"
    if prefix.startswith("d"):
        return f"∂L/∂{prefix[1:]}{layer}"
    return f"{prefix}{layer}"


def format_index(index) -> str:
    """Return ``[1,0]`` for an element index; an empty index (a scalar) gives ``""``."""
    if not index:
        return ""
    return "[" + ",".join(str(int(i)) for i in index) + "]"


def format_number(value: float) -> str:
    """Format a number as the window shows it: up to 6 decimals, scientific below 1e-3, Unicode minus."""
    value = float(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        text = "∞"
        return "−∞" if value < 0 else text
    if value == 0:
        return "0"
    if value == int(value) and abs(value) < 1e6:
        text = str(int(value))
    elif 1e-3 <= abs(value) < 1e6:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.6g}"
    return text.replace("-", "−")


def format_factor(value: float) -> str:
    """Format a number for use inside a product: negative values get parentheses."""
    text = format_number(value)
    return f"({text})" if text.startswith("−") else text
