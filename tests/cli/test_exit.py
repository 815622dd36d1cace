"""The program ends without the interpreter's module clean-up once a command is done (``app.run``), and
loses nothing by it: the whole output, the exit status, the ``atexit`` handlers; with another thread still
running it takes the usual way out, which waits for that thread."""

from __future__ import annotations

import json
import subprocess
import sys

_RUN = ("import atexit, sys\n"
        "from smtpdoctor.cli import app\n"
        "atexit.register(lambda: print('atexit handler ran', file=sys.stderr))\n"
        "{extra}"
        "sys.argv = ['smtpdoctor', *sys.argv[1:]]\n"
        "app.run()\n"
        "print('not reached', file=sys.stderr)\n")


def _run(*args: str, extra: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _RUN.format(extra=extra), *args], capture_output=True, text=True,
                          timeout=120)


def test_the_whole_report_its_status_and_the_atexit_handlers():
    text = "550 5.7.1 Service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org"
    out = _run("explain", text, "--format", "json")
    assert out.returncode == 1, out.stderr  # a cause found: exit status 1, as main() gives
    report = json.loads(out.stdout)  # complete: it parses
    assert report["results"][0]["category"] == "blacklist"
    assert out.stderr.strip().splitlines() == ["atexit handler ran"]


def test_a_failing_diagnosis_keeps_its_status():
    out = _run("diagnose", "127.0.0.1", "--port", "1", "--ports", "", "--timeout", "2", "--format", "json")
    assert out.returncode == 1, out.stderr  # nothing listens on port 1: a cause was found, exit status 1
    assert json.loads(out.stdout)["verdict"]["category"] != "ok"
    assert out.stderr.strip().splitlines()[-1] == "atexit handler ran"


def test_a_usage_error_keeps_its_one_line_and_status_2():
    out = _run("diagnose", "bad host")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("smtpdoctor: error: HOST:") and lines[1:] == ["atexit handler ran"]


def test_another_thread_still_running_is_waited_for():
    thread = ("import threading, time\n"
              "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', file=sys.stderr))).start()\n")
    out = _run("explain", "550 5.1.1 no such user", "--format", "json", extra=thread)
    assert "thread done" in out.stderr, out.stderr
    assert json.loads(out.stdout)["results"][0]["status"] == "5.1.1"


def test_python_dash_m_runs_the_same_entry_point():
    out = subprocess.run([sys.executable, "-m", "smtpdoctor", "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("smtpdoctor ")
