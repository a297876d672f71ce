"""Saving a view as a picture: PNG (or another raster format) and SVG.

SVG goes through Qt's own ``QSvgGenerator``: the widget paints itself into it as vector
paths. pyqtgraph 0.14.0's SVG exporter is not used because with PySide6 6.11 it raises
``ValueError`` while rewriting Qt's path data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QWidget
import pyqtgraph as pg

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def export_widget(widget: QWidget, path, title: str) -> None:
    """Write widget as it looks now to path; the suffix picks SVG or a raster format.

    Raises ValueError for an unknown suffix and OSError when the file can't be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        _export_svg(widget, path, title)
    elif suffix in RASTER_SUFFIXES:
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
    else:
        raise ValueError(f"cannot export {title} as {suffix or 'a file without suffix'}: use .png or .svg")


def _export_svg(widget: QWidget, path: Path, title: str) -> None:
    # Scatter points are normally stamped from a cached pixmap atlas, which comes out of
    # QSvgGenerator as striped bitmaps; drawing them as paths keeps them vector shapes.
    scatters = [item for view in [widget, *widget.findChildren(QGraphicsView)] if isinstance(view, QGraphicsView)
                for item in view.scene().items() if isinstance(item, pg.ScatterPlotItem) and item.opts["useCache"]]
    for item in scatters:
        item.opts["useCache"] = False
    try:
        _render_svg(widget, path, title)
    finally:
        for item in scatters:
            item.opts["useCache"] = True


def _render_svg(widget: QWidget, path: Path, title: str) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    generator.setDescription("Exported from Gradstep")
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not write {path}")
    try:
        if isinstance(widget, QGraphicsView):
            widget.render(painter)  # the scene through the view, as vector paths
        else:
            widget.render(painter, QPoint(0, 0))  # the widget and its children
    finally:
        painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"could not write {path}")
