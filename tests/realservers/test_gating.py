"""Real-server tests skip with a reason on a developer machine and fail in CI (CI=true)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]

BODY = f"""
import sys
sys.path.insert(0, {str(TESTS_DIR)!r})
from realservers._proc import require

def test_needs_a_server():
    require("postfix: Postfix not installed")
"""


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_gate.py").write_text(BODY)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           str(tmp_path / "test_gate.py")], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)


def test_missing_server_skips_with_reason_outside_ci(tmp_path):
    r = _run(tmp_path, None)
    assert r.returncode == 0 and "1 skipped" in r.stdout
    assert "postfix: Postfix not installed" in r.stdout


def test_missing_server_fails_in_ci(tmp_path):
    r = _run(tmp_path, "true")
    assert r.returncode == 1 and "1 failed" in r.stdout
    assert "required in CI: postfix: Postfix not installed" in r.stdout
