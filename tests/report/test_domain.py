from smtpdoctor.core.catalogue import make
from smtpdoctor.flows.domain import DomainAudit
from smtpdoctor.report.domain import render_text


def _audit(*findings):
    return DomainAudit(given="example.com", domain="example.com", findings=tuple(findings), elapsed=0.25)


def test_the_count_line_says_finding_for_one_and_findings_for_more():
    one = render_text(_audit(make("connection.ok", host="mx.example.com", port=25, mode="STARTTLS")))
    two = render_text(_audit(make("connection.ok", host="mx.example.com", port=25, mode="STARTTLS"),
                             make("tls.expires-soon", days_left=5, not_after="2026-12-05")))
    assert one.rstrip().endswith("1 finding in 0.25 s")
    assert two.rstrip().endswith("2 findings in 0.25 s")


def test_the_verdict_comes_right_after_the_title():
    text = render_text(_audit(make("tls.expires-soon", days_left=5, not_after="2026-12-05")))
    title, verdict = text.splitlines()[:2]
    assert title == "== example.com"
    assert verdict.strip().startswith("VERDICT: ")
