"""Hostile input at the command line (issue 21): endless devices and pipes, empty and binary files, values
that would smuggle a line onto the wire, bad CA files, secrets that are not UTF-8: one line on stderr,
exit 2, before anything is sent. Run as real processes, because stdin redirection is the point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(*args: str, stdin=subprocess.DEVNULL, env: dict | None = None) -> tuple[int, str, str]:
    full_env = {**os.environ, "PYTHONPATH": SRC, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", *args], stdin=stdin, capture_output=True,
                          env=full_env, timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def one_line_usage_error(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smtpdoctor: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_explain_dev_zero_ends_with_one_line():
    line = one_line_usage_error(*run("explain", "/dev/zero")[::2])
    assert "/dev/zero: binary data" in line


def test_explain_stdin_from_dev_zero_ends_with_one_line():
    with open("/dev/zero", "rb") as zero:
        line = one_line_usage_error(*run("explain", "-", stdin=zero)[::2])
    assert "-: binary data" in line


def test_explain_endless_text_on_stdin_is_refused_past_the_limit():
    yes = subprocess.Popen(["yes", "550 5.1.1 user unknown"], stdout=subprocess.PIPE)
    try:
        line = one_line_usage_error(*run("explain", "-", stdin=yes.stdout)[::2])
    finally:
        yes.kill()
        yes.wait()
    assert "larger than 1 MB" in line


@pytest.mark.parametrize("content, words", [(None, "/dev/zero: larger than 25 MB"), (b"", "empty"),
                                            (b"\x00\x01PK\x03\x04", "binary")])
def test_domain_eml_bad_files(tmp_path, content, words):
    if content is None:
        path = "/dev/zero"
    else:
        path = str(tmp_path / "sample.eml")
        Path(path).write_bytes(content)
    line = one_line_usage_error(*run("domain", "example.com", "--eml", path, "--resolver", "127.0.0.1:9")[::2])
    assert words in line
