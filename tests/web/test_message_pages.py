"""Check a message, DMARC reports: the pages run the same flows as ``smtpdoctor headers`` and
``smtpdoctor reports``, against the lab DNS."""

from __future__ import annotations

import html as h
import json
import re

from click.testing import CliRunner

from smtpdoctor.cli.app import app as cli

from .conftest import REPO, csrf_of

SAMPLES = REPO / "tests" / "data" / "parsedmarc" / "samples"
MESSAGE = ("Return-Path: <bounce@shop.test>\r\nDelivered-To: alice@example.net\r\n"
           "Received: from mail.shop.test (mail.shop.test [192.0.2.25]) (using TLSv1.3 with cipher "
           "TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.example.net (Postfix) with ESMTPS id 1 "
           "for <alice@example.net>; Sun, 06 Dec 2026 16:00:05 +0000\r\n"
           "From: news@shop.test\r\nTo: alice@example.net\r\nSubject: hi\r\nDate: Sun, 06 Dec 2026 15:59:58 +0000\r\n"
           "Message-ID: <x1@shop.test>\r\n\r\nhello\r\n")


def _json(page: str) -> dict:
    m = re.search(r"<summary>JSON.*?</summary>\s*<pre[^>]*>(.*?)</pre>", page, re.S)
    assert m, "no JSON block on the page"
    return json.loads(h.unescape(m.group(1)))


def test_headers_page_equals_the_cli(client, config, tmp_path):
    token = csrf_of(client.get("/headers").text)
    r = client.post("/headers", data={"csrf": token, "text": MESSAGE})
    assert r.status_code == 200 and "<h2>Hops</h2>" in r.text and "TLSv1.3" in r.text
    web = _json(r.text)
    path = tmp_path / "m.eml"
    path.write_text(MESSAGE, newline="")
    result = CliRunner().invoke(cli, ["headers", str(path), "--resolver", config.resolvers[0], "--format", "json"])
    mine = json.loads(result.stdout)
    for key in ("verdict", "hops", "authentication"):
        assert web[key] == mine[key], key
    assert [f["id"] for f in web["findings"]] == [f["id"] for f in mine["findings"]]


def test_headers_page_redacts_and_refuses_non_messages(client):
    token = csrf_of(client.get("/headers").text)
    r = client.post("/headers", data={"csrf": token, "text": MESSAGE, "redact": "on"})
    assert r.status_code == 200 and "alice" not in _json(r.text)["hops"][0]["raw"]
    token = csrf_of(client.get("/headers").text)
    r = client.post("/headers", data={"csrf": token, "text": "hello, is this mail?"})
    assert r.status_code == 400 and "this is not a message" in r.text


def test_reports_page_with_chart_and_sources(client):
    token = csrf_of(client.get("/reports").text)
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in (
        SAMPLES / "aggregate" / "rfc9990-example.net!example.com!1700000000!1700086399.xml",
        SAMPLES / "extract_report" / "nice-input.xml.gz", SAMPLES / "aggregate" / "invalid_xml.xml")]
    r = client.post("/reports", data={"csrf": token}, files=files)
    assert r.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in r.text and "Who is sending as you" in r.text
    assert "Skipped: invalid_xml.xml (not well-formed XML" in r.text
    doc = _json(r.text)
    assert doc["totals"]["messages"] == 3054 and doc["totals"]["skipped"] == 1
    token = csrf_of(client.get("/reports").text)
    r = client.post("/reports", data={"csrf": token})
    assert r.status_code == 400 and "choose one or more report files" in r.text
