"""report.formats: the one terminal test (is_terminal) that progress, live status, colour and prompts share."""

from __future__ import annotations

import io
import os
import pty

from smtpdoctor.report.formats import is_terminal


def test_a_pseudo_terminal_is_a_terminal_and_a_pipe_is_not():
    leader, follower = pty.openpty()
    read_end, write_end = os.pipe()
    with os.fdopen(follower, "w") as tty, os.fdopen(write_end, "w") as pipe:
        assert is_terminal(tty) is True
        assert is_terminal(pipe) is False
    os.close(leader)
    os.close(read_end)


def test_what_is_no_terminal_says_so_without_raising(tmp_path):
    closed = open(tmp_path / "out.txt", "w")
    closed.close()
    assert is_terminal(closed) is False  # isatty() on a closed file raises ValueError
    assert is_terminal(None) is False  # no standard stream at all (pythonw, a closed descriptor at start)
    assert is_terminal(object()) is False  # no isatty
    assert is_terminal(io.StringIO()) is False
