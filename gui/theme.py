"""Colours, fonts and the colour map that every view shares.

Values are coloured with one diverging colour map that is symmetric around zero: blue
below, pale grey at zero, red above. The helpers here map a number to a colour and pick
fonts that render the Unicode of the formulas (∂, ᵀ, ⊙, Σ), falling back to whatever the
system has.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontDatabase

# CET-D1 (Kovesi's perceptually uniform blue–grey–red map) ships with pyqtgraph 0.13+.
# Its centre is a light grey, so zero reads as "nothing" on a white background.
DIVERGING_MAP_NAME = "CET-D1"

BACKGROUND = QColor("#ffffff")
PANEL_BACKGROUND = QColor("#f6f7f9")
TEXT = QColor("#1f2328")
MUTED_TEXT = QColor("#57606a")
FAINT_TEXT = QColor("#8c959f")
GRID = QColor("#d0d7de")
LIGHT_GRID = QColor("#e6eaee")  # opaque, because translucent grid lines are slow to draw
ACCENT = QColor("#0969da")
FOCUS = QColor("#bf8700")
INVALID = QColor("#cf222e")
INVALID_BACKGROUND = QColor("#ffebe9")
NEURON_OUTLINE = QColor("#424a53")

PHASE_COLOURS = {
    "forward": QColor("#1a7f37"),
    "loss": QColor("#8250df"),
    "backward": QColor("#cf222e"),
    "update": QColor("#0969da"),
}

MONOSPACE_FAMILIES = ("JetBrains Mono", "Cascadia Mono", "Menlo", "Consolas", "DejaVu Sans Mono", "Liberation Mono")
MATH_FAMILIES = ("STIX Two Text", "Cambria", "DejaVu Serif", "Liberation Serif", "Times New Roman")
UI_FAMILIES = ("Inter", "Segoe UI", "Helvetica Neue", "DejaVu Sans", "Liberation Sans", "Arial")


@lru_cache(maxsize=1)
def diverging_colormap() -> pg.ColorMap:
    """Return the shared diverging colour map (blue < 0 < red)."""
    return pg.colormap.get(DIVERGING_MAP_NAME)


def symmetric_positions(values: np.ndarray, limit: float) -> np.ndarray:
    """Map values to [0, 1] positions on the diverging map, with 0 at 0.5 and ±limit at the ends.

    Values beyond ±limit are clipped; NaN maps to the centre. A limit of 0 or below maps
    everything to the centre.
    """
    values = np.asarray(values, dtype=np.float64)
    if not limit > 0 or not math.isfinite(limit):
        return np.full(values.shape, 0.5)
    with np.errstate(over="ignore", invalid="ignore"):  # |value| / tiny limit may overflow to ±inf; clip takes it
        positions = 0.5 + 0.5 * np.clip(values / limit, -1.0, 1.0)
    return np.where(np.isnan(positions), 0.5, positions)


def value_colour(value: float, limit: float) -> QColor:
    """Return the diverging-map colour of value on a scale of ±limit."""
    position = float(symmetric_positions(np.array([value]), limit)[0])
    return diverging_colormap().map(position, mode="qcolor")


def tint(colour: QColor, strength: float) -> QColor:
    """Blend colour toward white: strength 1 keeps it, 0 gives white. Used for table cells behind text."""
    strength = min(max(strength, 0.0), 1.0)
    red = round(255 + (colour.red() - 255) * strength)
    green = round(255 + (colour.green() - 255) * strength)
    blue = round(255 + (colour.blue() - 255) * strength)
    return QColor(red, green, blue)


def readable_text_colour(background: QColor) -> QColor:
    """Return dark or white text, whichever contrasts more with background (relative luminance)."""
    luminance = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF()
    return QColor("#ffffff") if luminance < 0.5 else TEXT


# Colour scales stop here, so that spans like 2·limit and the tick positions of a scale stay
# within float64. A pyqtgraph colour bar's axis crashed on limits near 1e308.
MAX_COLOUR_LIMIT = 1e300


def finite_limit(values: np.ndarray) -> float:
    """Return the largest finite |value| of values (at most MAX_COLOUR_LIMIT), or 0 when there is none."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0
    return min(float(np.max(np.abs(finite))), MAX_COLOUR_LIMIT)


def _font(families: tuple[str, ...], point_size: float, weight: QFont.Weight) -> QFont:
    available = set(QFontDatabase.families())
    chosen = [family for family in families if family in available] or list(families)
    font = QFont()
    font.setFamilies(chosen)
    font.setPointSizeF(point_size)
    font.setWeight(weight)
    return font


def monospace_font(point_size: float = 10.0, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    """Return a fixed-pitch font for numbers and explanations."""
    font = _font(MONOSPACE_FAMILIES, point_size, weight)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    return font


def math_font(point_size: float = 13.0, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    """Return a serif font for symbols and formulas, which reads like printed mathematics."""
    font = _font(MATH_FAMILIES, point_size, weight)
    font.setStyleHint(QFont.StyleHint.Serif)
    return font


def ui_font(point_size: float = 9.5, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    """Return the sans-serif font of headers, labels and notes."""
    font = _font(UI_FAMILIES, point_size, weight)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


def css_colour(colour: QColor) -> str:
    """Return colour as #rrggbb for style sheets and rich text."""
    return colour.name(QColor.NameFormat.HexRgb)
