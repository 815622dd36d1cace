from smtpdoctor.core.catalogue import make
from smtpdoctor.core.model import Category, Severity, StepStatus
from smtpdoctor.verdict import decide, order_findings, step_results


def test_first_failing_step_in_the_guides_order_wins():
    findings = [
        make("firewall.all-filtered", host="h", ports="25", timeout=10),  # step firewall
        make("tls.certificate-expired", days_ago=3, not_after="x", subject="s", issuer="i"),  # server-connection
        make("client.implicit-tls-on-starttls-port", port=587, tls_port=465, tls_note=""),  # client-settings
    ]
    v = decide(findings)
    assert v.finding == "client.implicit-tls-on-starttls-port" and v.category is Category.CLIENT
    assert v.summary.startswith("Port 587 uses STARTTLS")


def test_server_citing_a_blocklist_overrides_the_order():
    findings = [make("client.implicit-tls-on-starttls-port", port=587, tls_port=465, tls_note=""),
                make("dnsbl.rejected-citing-list", list="Spamhaus ZEN", address_text="", advice="delist",
                     delist="https://check.spamhaus.org/", reply="554 5.7.1 blocked using zen.spamhaus.org")]
    v = decide(findings)
    assert v.finding == "dnsbl.rejected-citing-list" and v.category is Category.BLACKLIST


def test_no_error_is_ok_and_counts_what_passed():
    v = decide([make("connection.ok", host="h", port=587, mode="STARTTLS"),
                make("tls.expires-soon", days_left=5, not_after="2026-12-05")])
    assert v.category is Category.OK and v.finding is None
    assert v.summary == "Nothing wrong was found in what was tested (1 checks passed, 1 warnings)."


def test_confidence_comes_from_evidence():
    f = make("firewall.all-filtered", host="h", ports="25", timeout=10, evidence={"confidence": "medium"})
    assert decide([f]).confidence == "medium"


def test_steps_and_order():
    findings = [make("connection.ok", host="h", port=587, mode="STARTTLS"),
                make("tls.expires-soon", days_left=5, not_after="2026-12-05"),
                make("firewall.all-filtered", host="h", ports="25", timeout=10)]
    steps = {str(s.name): s.status for s in step_results(findings)}
    assert steps == {"client-settings": StepStatus.SKIPPED, "server-connection": StepStatus.WARN,
                     "authentication": StepStatus.SKIPPED, "firewall": StepStatus.FAIL,
                     "dns": StepStatus.SKIPPED, "blacklist": StepStatus.SKIPPED}
    v = decide(findings)
    ordered = order_findings(findings, v)
    assert [f.id for f in ordered] == ["firewall.all-filtered", "tls.expires-soon", "connection.ok"]
    assert ordered[1].severity is Severity.WARNING
