"""Reference for the startup target: the least a PySide6 + pyqtgraph program does to save a window's picture.

Usage: python bare_window.py OUT.png. It shows one plot window at Gradstep's default size
(1440 × 900), saves a grab of it to OUT.png and exits with status 0, or 2 when it cannot
write the file.
"""

import sys

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication


def main() -> int:
    app = QApplication(sys.argv[:1])
    plot = pg.PlotWidget()
    plot.plot([1.0, 2.0, 3.0, 4.0], [1.2, 0.7, 0.5, 0.45])
    plot.resize(1440, 900)
    plot.show()
    app.processEvents()
    if not plot.grab().save(sys.argv[1]):
        print(f"bare_window: could not write {sys.argv[1]}", file=sys.stderr)
        return 2
    plot.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
