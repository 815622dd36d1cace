"""Explain an error, Check a domain, Am I blacklisted?: the pages against the lab DNS, and their JSON
against the command line's ``--format json`` for the same inputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app as cli

from .conftest import LAB_DNSBL, LISTED_IP, REPO, create_app, csrf_of, wait_finished

BOUNCE = REPO / "tests" / "data" / "bounces" / "sisimai" / "eml" / "lhost-gmx-02.eml"
SPAMHAUS_REPLY = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


def _json_block(html: str) -> list[dict]:
    import html as h
    import re

    m = re.search(r"<summary>JSON.*?</summary>\s*<pre[^>]*>(.*?)</pre>", html, re.S)
    assert m, "no JSON block on the page"
    return [json.loads(line) for line in h.unescape(m.group(1)).splitlines() if line.strip()]


def _explain(client, **kwargs):
    token = csrf_of(client.get("/explain").text)
    files = kwargs.pop("files", None)
    return client.post("/explain", data={"csrf": token, **kwargs}, files=files)


# -- Explain an error -----------------------------------------------------------------------------------
def test_explain_pasted_reply(client):
    r = _explain(client, text=SPAMHAUS_REPLY)
    assert r.status_code == 200
    assert "blacklist (blocked)" in r.text and "listed by Spamhaus" in r.text
    assert "check.spamhaus.org" in r.text


def test_explain_json_equals_the_cli(client):
    web = _json_block(_explain(client, text=SPAMHAUS_REPLY).text)
    result = CliRunner().invoke(cli, ["explain", SPAMHAUS_REPLY, "--format", "json"])
    assert [json.loads(line) for line in result.stdout.splitlines()] == web


def test_explain_bounce_file_equals_the_cli(client, tmp_path):
    r = _explain(client, files={"file": ("bounce.eml", BOUNCE.read_bytes(), "message/rfc822")})
    assert r.status_code == 200 and "userunknown" in r.text and "shironeko@example.jp" in r.text
    web = _json_block(r.text)
    copy = tmp_path / "bounce.eml"
    copy.write_bytes(BOUNCE.read_bytes())
    result = CliRunner().invoke(cli, ["explain", str(copy), "--format", "json"])
    cli_lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [dict(x, source="bounce.eml") for x in cli_lines] == web


def test_explain_png_is_refused_clearly(client):
    r = _explain(client, files={"file": ("logo.png", PNG, "image/png")})
    assert "could not be explained" in r.text and "binary data" in r.text
    assert client.get("/explain").status_code == 200


@pytest.mark.parametrize("kwargs,text", [
    ({"text": "   "}, "paste an error message or a bounce here"),
    ({"text": "5" * (600 * 1024)}, "too long"),
])
def test_explain_bad_input(client, kwargs, text):
    r = _explain(client, **kwargs)
    assert r.status_code == 400 and text in r.text and 'id="e-text"' in r.text


def test_explain_1mb_paste(client):
    r = _explain(client, text="550 5.1.1 unknown\n" * 60_000)  # ~1.1 MB
    assert r.status_code == 413 and "larger than" in r.text
    assert _explain(client, text=SPAMHAUS_REPLY).status_code == 200  # still serving


def test_explain_empty_file(client):
    r = _explain(client, files={"file": ("empty.eml", b"", "message/rfc822")})
    assert r.status_code == 400 and "empty.eml is empty" in r.text


def test_explain_two_files_refused(client):
    token = csrf_of(client.get("/explain").text)
    r = client.post("/explain", data={"csrf": token},
                    files=[("file", ("a.txt", b"550 x", "text/plain")), ("file", ("b.txt", b"550 y", "text/plain"))])
    assert r.status_code == 400 and "Traceback" not in r.text


# -- Check a domain ---------------------------------------------------------------------------------------
def _start(client, path: str, **fields):
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf": token, **fields})


def test_domain_audit_page_and_json_equal_the_cli(client, lab):
    r = _start(client, "/domain", domain="lab.test")
    assert r.status_code == 303
    page = wait_finished(client, r.headers["location"])
    assert "dkim.none-published" in page and "Bulk-sender checklist" in page
    assert "gmail answers: <code>550-5.7.30 " in page  # the failed DKIM row names the provider's reply
    web = json.loads(client.get(r.headers["location"] + "/report.json").text)
    result = CliRunner().invoke(cli, ["domain", "lab.test", "--resolver", lab.dns.address, "--format", "json"])
    cli_json = json.loads(result.stdout)
    web.pop("timings"), cli_json.pop("timings")
    assert web == cli_json


@pytest.mark.parametrize("fields,field,text", [
    ({"domain": ""}, "domain", "enter the domain"),
    ({"domain": "not a domain!"}, "domain", ""),
    ({"domain": "example.com", "ip": "300.1.1.1"}, "ip", "is not an IP address"),
])
def test_domain_bad_input(client, fields, field, text):
    r = _start(client, "/domain", **fields)
    assert r.status_code == 400 and f'id="e-{field}"' in r.text and text in r.text


# -- Am I blacklisted? --------------------------------------------------------------------------------------
def test_blacklist_listed_ip_and_json_equal_the_cli(client, lab):
    r = _start(client, "/blacklist", target=LISTED_IP)
    page = wait_finished(client, r.headers["location"])
    assert "Listed on 1 list" in page and "Spamhaus ZEN" in page
    web = client.get(r.headers["location"] + "/report.json").text
    result = CliRunner().invoke(cli, ["blacklist", LISTED_IP, "--dnsbl", LAB_DNSBL[0], "--resolver", lab.dns.address,
                                      "--format", "json"])
    assert result.exit_code == 1
    assert [json.loads(x) for x in web.splitlines()] == [json.loads(x) for x in result.stdout.splitlines()]


def test_blacklist_clean_ip(client):
    r = _start(client, "/blacklist", target="192.0.2.7")
    page = wait_finished(client, r.headers["location"])
    assert "Not listed on the lists that answered" in page


@pytest.mark.parametrize("target,text", [("", "enter the IP address"), ("10.0.0.0/8", "range"),
                                         ("not an address", "")])
def test_blacklist_bad_input(client, target, text):
    r = _start(client, "/blacklist", target=target)
    assert r.status_code == 400 and 'id="e-target"' in r.text and text in r.text


def test_blacklist_page_says_inconclusive_when_no_list_answers(config, lab):
    """Issue 20: through a resolver that denies everything, the page never says 'not listed'."""
    import dataclasses

    from starlette.testclient import TestClient

    from smtpdoctor.lab.dns_server import LabDnsServer

    dead = lab.call(LabDnsServer({}).start())
    try:
        offline = dataclasses.replace(config, resolvers=(dead.address,), dnsbl_zones=None)
        with TestClient(create_app(offline), base_url="http://127.0.0.1:8025", follow_redirects=False) as c:
            r = _start(c, "/blacklist", target="203.0.113.9")
            page = wait_finished(c, r.headers["location"])
            assert "Inconclusive: could not be checked" in page and "Not listed" not in page
            assert "the DNS resolver is the common cause" in page
    finally:
        lab.call(dead.stop())


def test_domain_page_says_inconclusive_when_the_resolver_denies_everything(config, lab):
    import dataclasses

    from starlette.testclient import TestClient

    from smtpdoctor.lab.dns_server import LabDnsServer

    dead = lab.call(LabDnsServer({}).start())
    try:
        offline = dataclasses.replace(config, resolvers=(dead.address,))
        with TestClient(create_app(offline), base_url="http://127.0.0.1:8025", follow_redirects=False) as c:
            r = _start(c, "/domain", domain="example.com")
            page = wait_finished(c, r.headers["location"])
            assert "Inconclusive: dns could not be tested" in page and "problem to fix" not in page
    finally:
        lab.call(dead.stop())
