"""The text report in a terminal: its width, colour only on a TTY (NO_COLOR, --no-color), titles in the walk.

The CLI runs through click's CliRunner (a pipe) and in a pseudo-terminal of a set size (the pty module), against
a port of 127.0.0.1 where nothing listens: a real refused connection, the quickest real diagnosis.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import socket
import struct
import subprocess
import sys
import termios
import time

from click.testing import CliRunner

from smtpdoctor.cli.app import build_app

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _args(port: int) -> list[str]:
    return ["diagnose", "127.0.0.1", "--port", str(port), "--ports", "", "--timeout", "2"]


def test_a_pipe_gets_plain_text_of_columns_width_with_titles_in_the_walk():
    runner = CliRunner()
    result = runner.invoke(build_app(), _args(_closed_port()), env={"COLUMNS": "64", "NO_COLOR": ""})
    out = result.output
    assert result.exit_code == 1, out
    assert not ANSI.search(out)
    assert max(len(line) for line in out.splitlines()) <= 64
    walk = out[out.index("The troubleshooting walk"):]
    assert "Nothing is listening on port" in walk  # the finding's title ...
    assert "connection.port-refused" not in walk.split("Other findings")[0]  # ... not its id


def _run_in_pty(args: list[str], cols: int, env_extra: dict[str, str]) -> tuple[int, str]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "LINES")}
    env.update(PYTHONPATH=SRC, TERM="xterm-256color", **env_extra)
    proc = subprocess.Popen([sys.executable, "-m", "smtpdoctor.cli.app", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    code = proc.wait(timeout=30)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_a_terminal_gets_its_width_and_colour():
    code, out = _run_in_pty(_args(_closed_port()), 72, {})
    assert code == 1, out
    assert ANSI.search(out)
    report = ANSI.sub("", out)
    report = report[report.index("╭"):]  # after the live progress lines on stderr
    lines = report.splitlines()
    assert max(len(line) for line in lines) <= 72
    assert len(lines[0]) == 72  # the box spans the terminal, not a fixed 100 columns


def test_no_color_and_the_option_turn_colour_off_on_a_terminal():
    port = _closed_port()
    code, out = _run_in_pty(_args(port), 90, {"NO_COLOR": "1"})
    assert code == 1 and "╭" in out and not ANSI.search(out[out.index("╭"):])
    code, out = _run_in_pty([*_args(port), "--no-color"], 90, {})
    assert code == 1 and "╭" in out and not ANSI.search(out[out.index("╭"):])


def test_a_servers_control_characters_are_shown_not_obeyed_in_a_pipe():
    import asyncio

    from smtpdoctor.lab.faults import Fault
    from smtpdoctor.lab.smtp_server import LabSmtpServer

    async def run() -> bytes:
        async with LabSmtpServer(faults=[Fault.greeting("554 5.7.1 \x1b[2J\x1b]0;pwned\x07 go away")]) as server:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "smtpdoctor.cli.app", *_args(server.port), "--security", "none",
                stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": SRC})
            return (await proc.communicate())[0]

    out = asyncio.run(run()).decode()
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x1b]0;pwned\\x07 go away" in out  # shown, in a box whose lines are all as wide
    box = [line for line in out.splitlines() if line.startswith(("│", "╭", "╰"))]
    assert box and len({len(line) for line in box}) == 1


def test_the_bar_the_live_status_and_colour_agree_on_what_a_terminal_is(tmp_path, monkeypatch):
    from smtpdoctor.cli.common import terminal_output
    from smtpdoctor.cli.live import live_status
    from smtpdoctor.report.progress import LateBar

    monkeypatch.delenv("NO_COLOR", raising=False)
    closed = open(tmp_path / "out.txt", "w")
    closed.close()
    for stream in (closed, None, io.StringIO()):  # no terminal: no bar, no live status, no colour, no crash
        assert LateBar.on(stream, 5, "auditing") is None
        with live_status(stream, timeout=1) as status:
            assert status is None
        assert terminal_output(stream)[1] is False
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as tty:
        assert isinstance(LateBar.on(tty, 5, "auditing"), LateBar)
        assert terminal_output(tty)[1] is True
    os.close(leader)


def test_no_standard_input_means_no_password_prompt(monkeypatch, capsys):
    import pytest

    from smtpdoctor.cli.app import main

    monkeypatch.setattr(sys, "stdin", None)  # started with stdin closed: nothing to prompt on
    monkeypatch.setattr(sys, "argv", ["smtpdoctor", "diagnose", "127.0.0.1", "--port", str(_closed_port()),
                                      "--user", "bob"])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2 and "password" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
