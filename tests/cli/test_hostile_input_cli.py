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


# Every case below must be refused before any connection: the host is a lab address nothing listens on,
# and a run that got that far would take seconds and print a report instead of one line.
DIAG = ("diagnose", "127.0.0.1", "--port", "9", "--ports", "", "--timeout", "1")


@pytest.mark.parametrize("args, words", [
    (("--helo", "client.example\r\nMAIL FROM:<x@evil.example>"), "--helo 'client.example\\r\\nMAIL"),
    (("--helo", "a\x1b[2Jb"), "control character"),
    (("--user", "bob\r\nRSET"), "--user 'bob\\r\\nRSET' holds a control character"),
    (("--from", "a\x07@example.com"), "control character"),
    (("--dnsbl", "not a zone!"), "not a zone"),
    (("--domain", "a" * 300 + ".example"), "--domain: domain name is 308 characters long"),
    (("--dkim-selector", "s" * 300), "selector names (letters, digits, - _ .)"),
    (("--ca-file", "/dev/zero"), "--ca-file /dev/zero: not a regular file"),
    (("--ports", "\u00b2"), "is not a port number"),  # str.isdigit() says yes, int() says no
])
def test_diagnose_refuses_bad_values_before_sending_anything(args, words):
    line = one_line_usage_error(*run(*DIAG, *args)[::2])
    assert words in line


def test_diagnose_and_serve_refuse_a_ca_file_that_is_not_pem(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n")
    for command in (DIAG, ("serve", "--port", "0"), ("domain", "example.com")):
        assert "not a valid PEM certificate file" in one_line_usage_error(*run(*command, "--ca-file", str(bad))[::2])
        assert "no PEM certificate" in one_line_usage_error(*run(*command, "--ca-file", str(empty))[::2])
        assert "no PEM certificate" in one_line_usage_error(*run(*command, "--ca-file", str(text))[::2])
    unreadable = one_line_usage_error(*run(*DIAG, "--ca-file", str(tmp_path))[::2])
    assert "is a directory" in unreadable


def test_a_password_variable_that_is_not_utf8_is_refused_with_one_line():
    env = {"SMTPDOCTOR_TEST_PW": os.fsdecode(b"pass\x95word")}
    line = one_line_usage_error(*run(*DIAG, "--user", "bob", "--password-env", "SMTPDOCTOR_TEST_PW", env=env)[::2])
    assert "--password-env SMTPDOCTOR_TEST_PW: the value is not UTF-8" in line
    line = one_line_usage_error(*run(*DIAG, "--user", "bob", "--token-env", "SMTPDOCTOR_TEST_PW", env=env)[::2])
    assert "--token-env SMTPDOCTOR_TEST_PW: the value is not UTF-8" in line


def test_blacklist_and_diagnose_judge_a_zone_name_alike():
    _, _, blacklist_err = run("blacklist", "192.0.2.1", "--dnsbl", "not a zone!", "--resolver", "127.0.0.1:9")
    _, _, diagnose_err = run(*DIAG, "--dnsbl", "not a zone!")
    # the same judgement in the same words (diagnose names the option first, as for every field)
    assert blacklist_err.split("error: ", 1)[1] == diagnose_err.split("error: ", 1)[1].removeprefix("--dnsbl: ")
