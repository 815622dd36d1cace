"""``reports --imap`` against a real Dovecot serving imaps: the reports mailed to a DMARC folder are read
(without marking them read), counted like files; a wrong password is one line, exit 2, never echoed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from realservers._proc import ServerUnavailable, require
from realservers.dovecot_imap import start_dovecot_imap

pytestmark = pytest.mark.realserver
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "parsedmarc" / "samples"
USER, PASSWORD = "dmarc@smtpdoctor.test", "imap-S3cret-pw"


@pytest.fixture(scope="module")
def imap(realserver_pki, _servers):
    mail = {USER: {"DMARC": [(SAMPLES / "aggregate" / "twilight.eml").read_bytes(),
                             (SAMPLES / "smtp_tls" / "google.com_smtp_tls_report.eml").read_bytes(),
                             b"From: someone@example.net\r\nTo: dmarc@smtpdoctor.test\r\nSubject: hi\r\n\r\nnot a report\r\n"],
                   "INBOX": [(SAMPLES / "aggregate" / "mimecast-weird-gzip.eml").read_bytes()]}}
    try:
        server = start_dovecot_imap(realserver_pki, {USER: PASSWORD}, mail)
    except ServerUnavailable as exc:
        require(f"dovecot imap: {exc}")  # skipped on a developer machine, a failure in CI
    return _servers.add(server)


def run(url: str, password: str, *extra: str):
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "DMARC_PW": password}
    return subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "reports", "--imap", url,
                           "--password-env", "DMARC_PW", "--no-dns", *extra], capture_output=True, env=env, timeout=60)


def test_reports_from_an_imap_folder(imap):
    url = f"imaps://dmarc%40smtpdoctor.test@127.0.0.1:{imap.port}/DMARC"
    out = run(url, PASSWORD, "--ca-file", str(imap.ca_file), "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["totals"]["dmarc_reports"], doc["totals"]["tls_reports"], doc["totals"]["messages"]) == (1, 1, 1)
    assert [s["ip"] for s in doc["sources"]] == ["87.106.127.28"]  # twilight.eml's one source
    err = out.stderr.decode().splitlines()
    assert len(err) == 1 and "#3: a message without a DMARC or TLS report attached" in err[0]
    # INBOX is another folder: its report is not counted here, and read-only SELECT left it unseen
    inbox = run(f"imaps://dmarc%40smtpdoctor.test@127.0.0.1:{imap.port}/INBOX", PASSWORD, "--ca-file",
                str(imap.ca_file), "--format", "json")
    assert json.loads(inbox.stdout)["sources"][0]["ip"] == "40.93.199.22"


def test_wrong_password_and_untrusted_certificate(imap):
    url = f"imaps://dmarc%40smtpdoctor.test@127.0.0.1:{imap.port}/DMARC"
    out = run(url, "wrong-pw-123", "--ca-file", str(imap.ca_file))
    err = out.stderr.decode()
    assert out.returncode == 2 and err.count("\n") == 1 and "login refused" in err and "wrong-pw-123" not in err
    out = run(url, PASSWORD)  # the test CA is not in the system's trust store
    assert out.returncode == 2 and b"CERTIFICATE_VERIFY_FAILED" in out.stderr and PASSWORD.encode() not in out.stderr
