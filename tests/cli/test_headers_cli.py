"""``smtpdoctor headers`` on the command line: the four formats, redaction, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows.conftest import delivered, dkim_key, marketing_message, shop_dns, sign  # noqa: F401 (fixtures)

pytestmark = pytest.mark.realserver
ROOT = Path(__file__).resolve().parents[2]


def run(*args, stdin: bytes | None = None):
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "headers", *args], input=stdin,
                          capture_output=True, env=env, timeout=60)


@pytest.fixture
def good(tmp_path, dkim_key):
    path = tmp_path / "good.eml"
    path.write_bytes(delivered(sign(marketing_message(), dkim_key[0])))
    return path


def test_formats_and_exit_zero(good, shop_dns):
    out = run(str(good), "--resolver", shop_dns.address, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["schema"] == "smtpdoctor/report@1" and doc["verdict"]["category"] == "ok"
    assert doc["hops"][0]["handover"] is True and doc["authentication"]["computed"]["dmarc"]["result"] == "pass"
    text = run(str(good), "--resolver", shop_dns.address).stdout.decode()
    assert "No problem found." in text and "Hops (oldest first" in text
    md = run(str(good), "--resolver", shop_dns.address, "--format", "markdown").stdout.decode()
    assert "## Hops" in md and "| dkim | — | pass (shop.test) |" in md
    html = run(str(good), "--resolver", shop_dns.address, "--format", "html").stdout.decode()
    assert html.rstrip().endswith("</body></html>") and "<h2>Authentication</h2>" in html


def test_redact_addresses_hides_recipients(good, shop_dns):
    out = run(str(good), "--resolver", shop_dns.address, "--format", "json", "--redact-addresses")
    assert b"alice" not in out.stdout and b"[redacted]" in out.stdout
    assert b"news@shop.test" in out.stdout  # the sender is what the report is about


def test_stdin_and_problems_exit_one(shop_dns):
    msg = delivered(marketing_message(post=False), ip="203.0.113.5")
    out = run("-", "--resolver", shop_dns.address, stdin=msg)
    assert out.returncode == 1 and b"Cause: dns" in out.stdout


@pytest.mark.parametrize("arg, message", [("/nonexistent/x.eml", "no such file"), ("/", "is a directory")])
def test_bad_input_is_one_line_exit_two(arg, message):
    out = run(arg)
    assert out.returncode == 2 and out.stderr.decode().count("\n") == 1 and message in out.stderr.decode()


def test_an_endless_device_and_empty_text_are_refused_by_the_bounded_reader():
    out = run("/dev/zero")
    assert out.returncode == 2 and out.stderr.decode().count("\n") == 1
    assert "/dev/zero: larger than 25 MB" in out.stderr.decode()
    out = run("-", stdin=b"")
    assert out.returncode == 2 and "standard input: empty, not a message" in out.stderr.decode()


def test_binary_and_non_message(tmp_path):
    (tmp_path / "b").write_bytes(b"\x00\x01\x02" * 10)
    out = run(str(tmp_path / "b"))
    assert out.returncode == 2 and b"binary" in out.stderr
    out = run("-", stdin=b"just some words\n")
    assert out.returncode == 2 and b"not a message" in out.stderr and b"Traceback" not in out.stderr


def test_unreachable_resolver_is_inconclusive(good):
    out = run(str(good), "--resolver", "127.0.0.1:9", "--timeout", "0.2", "--format", "json")
    assert out.returncode == 3, out.stdout
    doc = json.loads(out.stdout)
    assert doc["verdict"]["confidence"] == "inconclusive"
    found = [f["id"] for f in doc["findings"]]
    assert "message.dmarc-untested" in found and "message.dkim-untested" in found
