"""The four renderers present one report: verdict and fix first, the walk, findings, ports, transcript."""

import json
import re

import pytest

from smtpdoctor.core.catalogue import make
from smtpdoctor.core.model import DiagnoseObservations, Report, SettingsShown, Target, TranscriptLine
from smtpdoctor.observe.facts import Mode, PortObservation, PortOutcome
from smtpdoctor.protocol.replies import Reply
from smtpdoctor.report import render
from smtpdoctor.verdict import decide, order_findings, step_results


@pytest.fixture
def report():
    findings = [make("port.wrong-port", host="smtp.example.com", port=2526, working_port=587,
                     working_security="STARTTLS", failure="connection refused", working="587 (STARTTLS)"),
                make("tls.expires-soon", days_left=5, not_after="2026-12-05"),
                make("connection.ok", host="smtp.example.com", port=587, mode="STARTTLS")]
    verdict = decide(findings)
    return Report(target=Target(host="smtp.example.com", port=2526, security="auto"), verdict=verdict,
                  findings=order_findings(findings, verdict), steps=step_results(findings),
                  transcript=(TranscriptLine(t=0.01, port=587, dir="recv", tls=False, text="220 <b>mx</b> ESMTP"),
                              TranscriptLine(t=0.02, port=587, dir="send", tls=True, text="AUTH PLAIN ********")),
                  timings={"total_s": 1.5}, version="9.9",
                  settings=SettingsShown(host="smtp.example.com", port=2526, security="auto"),
                  observations=DiagnoseObservations(ports=(
                      PortObservation(address="192.0.2.1", port=587, family=4, outcome=PortOutcome.SMTP,
                                      mode=Mode.PLAIN, greeting=Reply(code=220, lines=("mx",))),)))


def test_text_puts_the_verdict_and_fix_first(report):
    text = render(report, "text", width=120)
    first = text.index("Cause: port")
    assert first < text.index("What to do") < text.index("The troubleshooting walk")
    assert "Change the SMTP port in your sending tool to 587" in text
    assert "2. Server connection" in text and "✘ fail" in text


def test_json_is_the_contract_shape(report):
    data = json.loads(render(report, "json"))
    assert data["schema"] == "smtpdoctor/report@1" and data["tool"] == {"name": "smtpdoctor", "version": "9.9"}
    assert data["verdict"] == {"category": "port", "finding": "port.wrong-port", "summary": data["verdict"]["summary"],
                               "confidence": "high"}
    assert [s["name"] for s in data["steps"]] == ["client-settings", "server-connection", "authentication",
                                                 "firewall", "dns", "blacklist"]
    assert data["transcript"][1] == {"t": 0.02, "port": 587, "dir": "send", "tls": True, "text": "AUTH PLAIN ********"}


def test_markdown_ticket_sections(report):
    md = render(report, "markdown")
    for heading in ("## Verdict", "### What to do", "## Settings tested", "## The troubleshooting walk",
                    "## Findings", "## Ports", "## Transcript (secrets redacted)", "## Timings"):
        assert heading in md
    assert "| password |" not in md  # settings not given are left out
    assert " ~> AUTH PLAIN ********" in md


def test_html_is_one_self_contained_escaped_file(report):
    html = render(report, "html")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # no external asset
    assert "<script" not in html and "<link" not in html
    assert "&lt;b&gt;mx&lt;/b&gt;" in html and "<b>mx</b>" not in html  # server text is escaped
