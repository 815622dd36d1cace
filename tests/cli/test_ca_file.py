"""``--ca-file`` on every command that makes TLS connections: checked once, up front; a bad file is one
line on stderr and exit 2 (issue 20)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smtpdoctor.lab.certs import LabPki

COMMANDS = {
    "diagnose": ["diagnose", "smtp.example.test", "--timeout", "1"],
    "domain": ["domain", "example.test", "--timeout", "1"],
    "serve": ["serve", "--port", "0"],
}


def smtpdoctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", *args], capture_output=True, text=True,
                          timeout=60)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ca")
    (d / "notes.txt").write_text("just some text\n")
    (d / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n")
    return {
        "missing": (str(d / "nope.pem"), "no such file"),
        "directory": (str(d), "is a directory"),
        "device": ("/dev/zero", "not a regular file"),
        "not pem": (str(d / "notes.txt"), "no PEM certificate"),
        "broken pem": (str(d / "broken.pem"), "not a valid PEM certificate file"),
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", ["missing", "directory", "device", "not pem", "broken pem"])
def test_bad_ca_file_is_one_line_exit_2(bad_files, command, case):
    path, words = bad_files[case]
    out = smtpdoctor(*COMMANDS[command], "--ca-file", path)
    assert out.returncode == 2, (command, case, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smtpdoctor: error: --ca-file"), out.stderr
    assert words in lines[0] and "Traceback" not in out.stderr


def test_a_good_ca_file_is_accepted(tmp_path):
    from smtpdoctor.core.names import ca_file

    pki = LabPki(tmp_path)
    assert ca_file(str(pki.ca_file)) == str(pki.ca_file)
