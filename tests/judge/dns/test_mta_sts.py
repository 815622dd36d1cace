import pytest

from smtpdoctor.judge.dns.mta_sts import check_mta_sts
from smtpdoctor.core.observations import PolicyFetch

from support.dns_zones import answer

URL = "https://mta-sts.d.test/.well-known/mta-sts.txt"
TXT = answer("_mta-sts.d.test", "TXT", "v=STSv1; id=20240101")
POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.d.test\r\nmx: *.backup.d.test\r\nmax_age: 604800\r\n"


def fetched(body=POLICY, status=200, ctype="text/plain; charset=utf-8", **kw):
    return PolicyFetch(url=URL, status=status, content_type=ctype, body=body, **kw)


def ids(findings):
    return [f.id for f in findings]


def test_good_policy_covers_mx():
    findings, policy = check_mta_sts("d.test", TXT, fetched(), ["mx1.d.test", "a.backup.d.test"])
    assert ids(findings) == ["mta-sts.ok"]


def test_uncovered_mx_in_enforce_is_error_in_testing_warning():
    findings, _ = check_mta_sts("d.test", TXT, fetched(), ["mx1.d.test", "mx2.d.test"])
    uncovered = next(f for f in findings if f.id == "mta-sts.mx-not-covered")
    assert str(uncovered.severity) == "error" and uncovered.evidence["uncovered"] == ["mx2.d.test"]
    findings, _ = check_mta_sts("d.test", TXT, fetched(POLICY.replace("enforce", "testing")), ["mx2.d.test"])
    assert {f.id: str(f.severity) for f in findings}["mta-sts.mx-not-covered"] == "warning"
    assert "mta-sts.mode-testing" in ids(findings)


def test_no_record_no_fetch():
    findings, policy = check_mta_sts("d.test", answer("_mta-sts.d.test", "TXT"), None, [])
    assert ids(findings) == ["mta-sts.missing"] and policy is None


@pytest.mark.parametrize("fetch, expected", [
    (PolicyFetch(url=URL, error_kind="tls", error="certificate verify failed"), "mta-sts.policy-unreachable"),
    (fetched(status=404), "mta-sts.policy-bad-response"),
    (fetched(status=301, location="https://elsewhere/"), "mta-sts.policy-bad-response"),
    (fetched(ctype="text/html"), "mta-sts.policy-bad-response"),
    (fetched(body="version: STSv1\nmode: strict\nmax_age: x\n"), "mta-sts.policy-invalid"),
    (fetched(body=POLICY.replace("604800", "3600")), "mta-sts.max-age-short"),
    (fetched(body="version: STSv1\nmode: none\nmax_age: 86400\n"), "mta-sts.mode-none"),
])
def test_policy_problems(fetch, expected):
    findings, _ = check_mta_sts("d.test", TXT, fetch, ["mx1.d.test"])
    assert expected in ids(findings)


def test_bad_txt_and_several_records():
    bad = answer("_mta-sts.d.test", "TXT", "v=STSv1; id=not-valid!")
    assert "mta-sts.txt-invalid" in ids(check_mta_sts("d.test", bad, fetched(), ["mx1.d.test"])[0])
    two = answer("_mta-sts.d.test", "TXT", "v=STSv1; id=1", "v=STSv1; id=2")
    assert "mta-sts.several-records" in ids(check_mta_sts("d.test", two, fetched(), ["mx1.d.test"])[0])


def test_policy_host_lookup_failure_is_could_not_test():
    fetch = PolicyFetch(url=URL, error_kind="dns-failed", error="mta-sts.d.test: TIMEOUT")
    findings, _ = check_mta_sts("d.test", TXT, fetch, ["mx1.d.test"])
    assert ids(findings) == ["mta-sts.lookup-failed"]
