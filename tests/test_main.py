"""``python -m smtpdoctor`` runs the same command line as the installed script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import smtpdoctor

SRC = Path(smtpdoctor.__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "smtpdoctor", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_version_through_python_m():
    done = run("--version")
    assert done.returncode == 0
    assert smtpdoctor.__version__ in done.stdout


def test_a_command_through_python_m_prints_its_report():
    done = run("explain", "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown",
               "--format", "json")
    assert done.returncode == 1, done.stderr
    line = json.loads(done.stdout)
    assert line["results"][0]["reason"] == "userunknown"


def test_bad_usage_through_python_m_is_one_line_and_exit_2():
    done = run("diagnose", "smtp.example.com", "--port", "99999")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "65535" in done.stderr
