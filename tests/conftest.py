"""Settings shared by every test: Qt runs headless, and a GUI test that leaves a window open fails.

QT_QPA_PLATFORM is set here, at import time, because Qt reads it once when the first
QApplication starts. A test that needs a real X server starts its own process under
xvfb-run, with this variable removed from that process's environment.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

# pytester runs an inner pytest session; the GUI tests use it to check the leak guard below.
pytest_plugins = ["pytester"]


def _visible_windows() -> dict[int, object]:
    """Return the visible top-level widgets by C++ address, leaving tooltips out; {} before Qt is loaded."""
    if "PySide6.QtWidgets" not in sys.modules:
        return {}
    import shiboken6
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        return {}
    windows = {}
    for widget in QApplication.topLevelWidgets():
        if not shiboken6.isValid(widget) or not widget.isVisible():
            continue
        if widget.windowType() == Qt.WindowType.ToolTip:
            continue
        windows[shiboken6.getCppPointer(widget)[0]] = widget
    return windows


@pytest.fixture(autouse=True)
def fail_on_leaked_windows():
    """Fail a test that leaves a new top-level window visible.

    Widgets registered with ``qtbot.addWidget`` are closed by pytest-qt before this
    teardown runs, so only windows the test itself left open are reported. They are closed here so
    the next test starts clean.
    """
    before = _visible_windows()
    yield
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QToolTip

        QToolTip.hideText()
    leaked = [widget for address, widget in _visible_windows().items() if address not in before]
    if not leaked:
        return
    names = ", ".join(f"{type(widget).__name__} {widget.windowTitle()!r}" for widget in leaked)
    for widget in leaked:
        widget.close()
    pytest.fail(f"the test left {len(leaked)} top-level window(s) open: {names}; register widgets with qtbot.addWidget")
