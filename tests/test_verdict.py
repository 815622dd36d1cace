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


# -- "could not test" is its own answer (issue 20) ---------------------------------------------------

from smtpdoctor.core.model import EXIT_INCONCLUSIVE, EXIT_OK, EXIT_PROBLEMS, combine_exit_codes, exit_code_for


def _resolver_down():
    return make("host.resolver-broken", host="smtp.example.com")


def test_a_step_that_could_not_run_is_inconclusive_not_ok():
    findings = [_resolver_down(), make("auth.not-tested", host="h", port=587, user="")]
    v = decide(findings)
    assert v.confidence == "inconclusive" and v.finding == "host.resolver-broken"
    assert v.category is Category.DNS and "could not be tested" in v.summary
    steps = {str(s.name): s.status for s in step_results(findings)}
    assert steps["server-connection"] is StepStatus.UNTESTED  # never "pass", never "fail"
    assert exit_code_for(findings, v) == EXIT_INCONCLUSIVE


def test_a_problem_found_outranks_what_could_not_be_tested():
    findings = [make("auth.withheld-certificate-unverified", host="h", port=587, user="u"),
                make("tls.certificate-expired", days_ago=3, not_after="x", subject="s", issuer="i")]
    v = decide(findings)
    assert v.finding == "tls.certificate-expired" and v.confidence == "high"
    assert exit_code_for(findings, v) == EXIT_PROBLEMS
    steps = {str(s.name): s.status for s in step_results(findings)}
    assert steps["authentication"] is StepStatus.UNTESTED


def test_withheld_auth_alone_is_inconclusive_and_not_blamed_on_settings():
    findings = [make("connection.ok", host="h", port=587, mode="STARTTLS"),
                make("auth.withheld-no-tls", host="h", port=587, user="u")]
    v = decide(findings)
    assert v.confidence == "inconclusive" and v.category is not Category.CLIENT
    assert exit_code_for(findings, v) == EXIT_INCONCLUSIVE


def test_interrupted_run_marks_the_missing_steps_untested_and_is_never_ok():
    findings = [make("connection.ok", host="h", port=587, mode="STARTTLS"),
                make("run.interrupted", missing="authentication, dns",
                     evidence={"missing": ["authentication", "dns"], "retry": True})]
    steps = {str(s.name): s.status for s in step_results(findings)}
    assert steps["authentication"] is StepStatus.UNTESTED and steps["dns"] is StepStatus.UNTESTED
    assert steps["client-settings"] is StepStatus.SKIPPED  # the run's own finding does not judge a step
    v = decide(findings)
    assert v.finding == "run.interrupted" and v.confidence == "inconclusive"


def test_exit_codes_of_several_inputs():
    assert combine_exit_codes([EXIT_OK, EXIT_INCONCLUSIVE]) == EXIT_INCONCLUSIVE
    assert combine_exit_codes([EXIT_INCONCLUSIVE, EXIT_PROBLEMS, EXIT_OK]) == EXIT_PROBLEMS
    assert combine_exit_codes([]) == EXIT_OK
