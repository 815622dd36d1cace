import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.judge.dns.dmarc import check_dmarc, organizational_domain, parse_dmarc, report_destinations

from support.dns_zones import answer


def ids(findings):
    return [f.id for f in findings]


def own(*records, outcome=None, domain="d.test"):
    return answer(f"_dmarc.{domain}", "TXT", *records, outcome=outcome)


def test_organizational_domain_uses_the_public_suffix_list():
    assert organizational_domain("a.b.example.co.uk") == "example.co.uk"
    assert organizational_domain("mail.example.com") == "example.com"
    assert organizational_domain("example.com") == "example.com"


def test_good_record():
    findings, policy = check_dmarc("d.test", own("v=DMARC1; p=reject; rua=mailto:r@d.test"), None)
    assert ids(findings) == ["dmarc.ok"]
    assert (policy.p, policy.pct, policy.adkim) == ("reject", 100, "r")


def test_missing_and_failed():
    assert ids(check_dmarc("d.test", own(outcome=Outcome.NXDOMAIN), None)[0]) == ["dmarc.missing"]
    assert ids(check_dmarc("d.test", own(outcome=Outcome.TIMEOUT), None)[0]) == ["dmarc.lookup-failed"]


def test_inherits_from_organisational_domain():
    org = answer("_dmarc.d.test", "TXT", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:r@d.test")
    findings, policy = check_dmarc("mail.d.test", own(outcome=Outcome.NXDOMAIN, domain="mail.d.test"), org)
    assert ids(findings) == ["dmarc.inherited", "dmarc.ok"]
    assert policy.found_at == "d.test" and policy.effective_policy(subdomain=True) == "quarantine"


def test_several_records():
    findings, policy = check_dmarc("d.test", own("v=DMARC1; p=none", "v=DMARC1; p=reject"), None)
    assert ids(findings) == ["dmarc.several-records"] and policy is None


def test_non_dmarc_txt():
    assert ids(check_dmarc("d.test", own("hello world"), None)[0]) == ["dmarc.not-dmarc"]


@pytest.mark.parametrize("record, expected", [
    ("v=DMARC1; p=rejected; rua=mailto:a@d.test", "dmarc.syntax"),
    ("v=DMARC1 p=reject", "dmarc.syntax"),  # missing semicolon
    ("p=reject; v=DMARC1", "dmarc.not-dmarc"),  # does not start with v=DMARC1: receivers discard it
    ("v=DMARC1; p=reject; pct=150; rua=mailto:a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; adkim=x; rua=mailto:a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; rua=a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; rue=mailto:a@d.test; foo=bar", "dmarc.unknown-tag"),
    ("v=DMARC1; p=none; rua=mailto:a@d.test", "dmarc.policy-none"),
    ("v=DMARC1; p=reject; pct=20; rua=mailto:a@d.test", "dmarc.pct-partial"),
    ("v=DMARC1; p=reject; sp=none; rua=mailto:a@d.test", "dmarc.subdomain-weaker"),
    ("v=DMARC1; p=reject", "dmarc.no-rua"),
])
def test_record_problems(record, expected):
    findings, _ = check_dmarc("d.test", own(record), None)
    assert expected in ids(findings)


def test_garbage_tags_are_named():
    findings, _ = check_dmarc("d.test", own("v=DMARC1; p=reject; rua=mailto:a@d.test; x$y; zz=1; qq=2"), None)
    unknown = next(f for f in findings if f.id == "dmarc.unknown-tag")
    assert unknown.evidence["tags"] == ["zz", "qq"]
    assert "dmarc.syntax" in ids(findings)  # x$y is not name=value


def test_newer_tags_are_known():
    findings, policy = check_dmarc("d.test", own("v=DMARC1; p=reject; np=reject; psd=n; t=n; rua=mailto:a@d.test"), None)
    assert ids(findings) == ["dmarc.ok"] and policy.np == "reject"


def test_external_destinations_and_authorisation():
    policy = parse_dmarc("d.test", "v=DMARC1; p=reject; rua=mailto:a@d.test,mailto:x@reports.example!10m; ruf=mailto:f@mail.d.test")
    assert report_destinations(policy) == ("reports.example",)
    record = own(policy.record)
    auth_name = "d.test._report._dmarc.reports.example"
    bad, _ = check_dmarc("d.test", record, None, authorisations={"reports.example": answer(auth_name, "TXT", outcome=Outcome.NXDOMAIN)})
    assert "dmarc.external-unauthorized" in ids(bad)
    good, _ = check_dmarc("d.test", record, None, authorisations={"reports.example": answer(auth_name, "TXT", "v=DMARC1")})
    assert ids(good) == ["dmarc.ok"]
    failed, _ = check_dmarc("d.test", record, None, authorisations={"reports.example": answer(auth_name, "TXT", outcome=Outcome.SERVFAIL)})
    assert "dmarc.lookup-failed" in ids(failed) and "dmarc.external-unauthorized" not in ids(failed)
