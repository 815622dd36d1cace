"""The four renderers present one report: verdict and fix first, the walk, findings, ports, transcript."""

import json
import re

import pytest

from smtpdoctor.core.catalogue import make
from smtpdoctor.core.model import Report, Target, TranscriptLine
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
                  extra={"settings": {"host": "smtp.example.com", "port": 2526, "password": None},
                         "observations": {"ports": [{"address": "192.0.2.1", "port": 587, "outcome": "smtp",
                                                     "mode": "plain", "greeting": "220 mx", "tls": None}]}})


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


# -- issue 20: remedies name their step; a run with untested steps never says "No problem found" ------

def test_every_format_names_the_step_the_remedy_fixes(report):
    assert "What to do (step 2. Server connection)" in render(report, "text", width=160)
    assert "### What to do (step 2. Server connection)" in render(report, "markdown")
    assert "<h3>What to do (step 2. Server connection)</h3>" in render(report, "html")


def _report_of(findings):
    verdict = decide(findings)
    return Report(target=Target(host="smtp.example.com", port=587, security="starttls"), verdict=verdict,
                  findings=order_findings(findings, verdict), steps=step_results(findings), version="9.9")


def test_inconclusive_run_has_no_no_problem_found_headline():
    r = _report_of([make("connection.ok", host="h", port=587, mode="STARTTLS"),
                    make("auth.withheld-no-tls", host="h", port=587, user="u")])
    text = render(r, "text", width=160)
    assert "No problem found" not in text and "Inconclusive" in text and "? could not test" in text
    assert "Inconclusive" in render(r, "markdown") and "Inconclusive" in render(r, "html")
    assert r.exit_code == 3


def test_skipped_steps_are_named_instead_of_no_problem_found():
    r = _report_of([make("connection.ok", host="h", port=587, mode="STARTTLS")])
    text = render(r, "text", width=200)
    assert "No problem found" not in text
    assert "not tested: client settings, authentication, firewall, dns configuration, blacklists" in text
    assert r.exit_code == 0
