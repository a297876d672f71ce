"""The benchmark report still runs: ``report.py --quick`` in a child process, with no timing checked."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "tests" / "benchmarks" / "report.py"
TARGETS = ("fast_vs_numpy", "fast_vs_torch", "traced_vs_numpy", "step_frame", "run_throughput", "run_memory",
           "startup", "session_io")
# report.py --quick prints one of these in place of PASS or FAIL, which need the full sizes.
QUICK_VERDICTS = ("quick", "SKIP", "info")


def test_quick_report_lists_every_target():
    environment = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    result = subprocess.run([sys.executable, str(REPORT), "--quick"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]

    rows = [line.split() for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    for target in TARGETS:
        target_rows = [row for row in rows if row[0] == target]
        assert target_rows, f"no line for {target} in:\n{result.stdout}"
        for row in target_rows:
            assert row[-1] in QUICK_VERDICTS, f"{target}: unexpected verdict in {' '.join(row)}"
