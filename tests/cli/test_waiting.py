"""Long waits say what they wait for, live on stderr of a terminal; -q silences them; stdout never gets them."""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import sys
import time

from smtpdoctor.report.progress import WaitStatus
from smtpdoctor.core.model import TranscriptLine

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


def _line(dir: str, text: str, port: int = 587) -> TranscriptLine:
    return TranscriptLine(t=0.0, port=port, dir=dir, tls=False, text=text, address="192.0.2.1")


def test_the_status_names_the_port_and_the_seconds_left():
    now = [100.0]
    status = WaitStatus(10, clock=lambda: now[0])
    status.on_step("server-connection", "running")
    status.on_line(_line("info", "Trying 192.0.2.1:587..."))
    now[0] += 0.5
    assert status.text() == "connecting…"  # half a second is no wait worth a word
    now[0] += 2.6
    assert status.text() == "waiting for 587: no answer yet, 7 s left"
    status.on_line(_line("recv", "220 mx ESMTP"))
    assert status.text() == "connecting…"
    status.on_line(_line("send", "EHLO [192.0.2.9]"))
    now[0] += 4
    assert status.text() == "waiting for 587: no answer yet, 6 s left"


def _run(args: list[str], seconds: float) -> tuple[str, str]:
    """The CLI with stderr on a pseudo-terminal and stdout on a pipe: (stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    env.update(PYTHONPATH=SRC, TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "smtpdoctor.cli.app", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if select.select([master], [], [], 0.2)[0]:
            try:
                shown += os.read(master, 65536)
            except OSError:
                break
    out = proc.communicate(timeout=60)[0].decode()
    os.close(master)
    return out, shown.decode("utf-8", "replace")


def test_a_silent_server_is_named_on_the_terminal_and_q_silences_it():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        args = ["diagnose", "127.0.0.1", "--port", str(port), "--ports", "", "--timeout", "4", "--security", "starttls"]
        out, shown = _run(args, 30)
        assert f"waiting for {port}: no answer yet" in shown and " s left" in shown
        assert "waiting for" not in out and "Cause:" in out
        out, shown = _run([*args, "-q"], 30)
        assert "waiting for" not in shown and "Cause:" in out
