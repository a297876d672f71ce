"""The real application in a real X window under xvfb-run: it starts, draws and exits."""

import os
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.xvfb


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (Debian package xvfb)")
def test_screenshot_of_real_window_is_not_blank(tmp_path):
    out = tmp_path / "window.png"
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    env["HOME"] = str(tmp_path)  # keep the test's QSettings away from the user's
    command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24",
               sys.executable, "-m", "gui.app", "--screenshot", str(out), "--steps", "9"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "xcb" not in result.stderr.lower() or "could not load" not in result.stderr.lower(), result.stderr

    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1440, 900)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50, f"only {len(colours)} distinct colours: the window looks blank"
