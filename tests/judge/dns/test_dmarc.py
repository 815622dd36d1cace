import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.judge.dns.dmarc import (
    aligned, check_dmarc, explain_new_tags, organizational_domain, organizational_domain_from_walk,
    psl_organizational_domain, report_destinations,
)
from smtpdoctor.protocol.dmarc import discover_policy, parse_dmarc
from smtpdoctor.protocol.dmarc_walk import tree_walk

from support.dns_zones import answer


def ids(findings):
    return [f.id for f in findings]


def own(*records, outcome=None, domain="d.test"):
    return answer(f"_dmarc.{domain}", "TXT", *records, outcome=outcome)


def walk(domain, records=None, outcome=None):
    """Tree-walk answers: ``records`` maps walk names to TXT records; others are NXDOMAIN (or ``outcome``)."""
    records = records or {}
    return {n: answer(f"_dmarc.{n}", "TXT", *records.get(n, ()),
                      outcome=None if n in records else (outcome or Outcome.NXDOMAIN)) for n in tree_walk(domain)}


def test_psl_organizational_domain_is_kept_for_callers_without_a_resolver():
    assert psl_organizational_domain is organizational_domain
    assert organizational_domain("a.b.example.co.uk") == "example.co.uk"
    assert organizational_domain("mail.example.com") == "example.com"
    assert organizational_domain("example.com") == "example.com"


def test_good_record():
    findings, policy = check_dmarc("d.test", walk("d.test", {"d.test": ["v=DMARC1; p=reject; rua=mailto:r@d.test"]}))
    assert ids(findings) == ["dmarc.ok"]
    assert (policy.p, policy.pct, policy.adkim) == ("reject", 100, "r")


def test_missing_and_failed():
    assert ids(check_dmarc("d.test", walk("d.test"))[0]) == ["dmarc.missing"]
    assert ids(check_dmarc("d.test", walk("d.test", outcome=Outcome.TIMEOUT))[0]) == ["dmarc.lookup-failed"]


def test_inherits_from_organisational_domain():
    findings, policy = check_dmarc("mail.d.test", walk("mail.d.test", {
        "d.test": ["v=DMARC1; p=reject; sp=quarantine; rua=mailto:r@d.test"]}))
    assert ids(findings) == ["dmarc.inherited", "dmarc.ok"]
    assert policy.found_at == "d.test" and policy.effective_policy(subdomain=True) == "quarantine"


def test_several_records():
    findings, policy = check_dmarc("d.test", walk("d.test", {"d.test": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]}))
    assert ids(findings) == ["dmarc.several-records"] and policy is None


def test_non_dmarc_txt():
    assert ids(check_dmarc("d.test", walk("d.test", {"d.test": ["hello world"]}))[0]) == ["dmarc.not-dmarc"]


@pytest.mark.parametrize("record, expected", [
    ("v=DMARC1; p=rejected; rua=mailto:a@d.test", "dmarc.syntax"),
    ("v=DMARC1 p=reject", "dmarc.syntax"),  # missing semicolon
    ("p=reject; v=DMARC1", "dmarc.not-dmarc"),  # does not start with v=DMARC1: receivers discard it
    ("v=DMARC1; p=reject; pct=150; rua=mailto:a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; adkim=x; rua=mailto:a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; rua=a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; rue=mailto:a@d.test; foo=bar", "dmarc.unknown-tag"),
    ("v=DMARC1; p=none; rua=mailto:a@d.test", "dmarc.policy-none"),
    ("v=DMARC1; p=reject; pct=20; rua=mailto:a@d.test", "dmarc.obsolete-tag"),
    ("v=DMARC1; p=reject; t=y; rua=mailto:a@d.test", "dmarc.test-mode"),
    ("v=DMARC1; p=reject; t=maybe; rua=mailto:a@d.test", "dmarc.bad-value"),
    ("v=DMARC1; p=reject; sp=none; rua=mailto:a@d.test", "dmarc.subdomain-weaker"),
    ("v=DMARC1; p=reject", "dmarc.no-rua"),
])
def test_record_problems(record, expected):
    findings, _ = check_dmarc("d.test", walk("d.test", {"d.test": [record]}))
    assert expected in ids(findings)


def test_garbage_tags_are_named():
    findings, _ = check_dmarc("d.test", walk("d.test", {"d.test": ["v=DMARC1; p=reject; rua=mailto:a@d.test; x$y; zz=1; qq=2"]}))
    unknown = next(f for f in findings if f.id == "dmarc.unknown-tag")
    assert unknown.evidence["tags"] == ["zz", "qq"]
    assert "dmarc.syntax" in ids(findings)  # x$y is not name=value


def test_newer_tags_are_known():
    findings, policy = check_dmarc("d.test", walk("d.test", {
        "d.test": ["v=DMARC1; p=reject; np=reject; psd=n; t=n; rua=mailto:a@d.test"]}))
    assert ids(findings) == ["dmarc.rfc9989-tags", "dmarc.ok"] and policy.np == "reject"
    meaning = findings[0].evidence["tags"]
    assert meaning[0].startswith("np=reject: mail from names under d.test that do not exist")
    assert meaning[1] == "t=n: the policy is applied as written"
    assert meaning[2].startswith("psd=n: d.test declares itself an organisational domain")


def test_external_destinations_and_authorisation():
    policy = parse_dmarc("d.test", "v=DMARC1; p=reject; rua=mailto:a@d.test,mailto:x@reports.example!10m; ruf=mailto:f@mail.d.test")
    assert report_destinations(policy) == ("reports.example",)
    record = walk("d.test", {"d.test": [policy.record]})
    auth_name = "d.test._report._dmarc.reports.example"
    bad, _ = check_dmarc("d.test", record, authorisations={"reports.example": answer(auth_name, "TXT", outcome=Outcome.NXDOMAIN)})
    assert "dmarc.external-unauthorized" in ids(bad)
    good, _ = check_dmarc("d.test", record, authorisations={"reports.example": answer(auth_name, "TXT", "v=DMARC1")})
    assert ids(good) == ["dmarc.ok"]
    failed, _ = check_dmarc("d.test", record, authorisations={"reports.example": answer(auth_name, "TXT", outcome=Outcome.SERVFAIL)})
    assert "dmarc.lookup-failed" in ids(failed) and "dmarc.external-unauthorized" not in ids(failed)


def test_organisational_domain_from_the_walk():
    # the highest record wins when no psd= decides
    org = organizational_domain_from_walk("a.b.example.com", walk("a.b.example.com", {
        "b.example.com": ["v=DMARC1; p=none"], "example.com": ["v=DMARC1; p=reject"]}))
    assert (org.name, org.reason) == ("example.com", "highest DMARC record (example.com)")
    # psd=n stops the walk at the first such record
    org = organizational_domain_from_walk("a.b.example.com", walk("a.b.example.com", {
        "b.example.com": ["v=DMARC1; p=none; psd=n"], "example.com": ["v=DMARC1; p=reject"]}))
    assert org.name == "b.example.com"
    # psd=y above: the name one label below it
    org = organizational_domain_from_walk("x.y.brand.psd.example", walk("x.y.brand.psd.example", {
        "psd.example": ["v=DMARC1; p=reject; psd=y"]}))
    assert (org.name, org.reason) == ("brand.psd.example", "psd=y at psd.example")
    # nothing anywhere: the domain itself (the public suffix list would have said example.co.uk)
    org = organizational_domain_from_walk("mail.example.co.uk", walk("mail.example.co.uk"))
    assert org.name == "mail.example.co.uk" and org.queries == 4 and org.failed is None
    # a failed query is carried, so the caller can say the answer may be incomplete
    assert organizational_domain_from_walk("a.d.test", walk("a.d.test", outcome=Outcome.SERVFAIL)).failed


def test_one_alignment_rule():
    orgs = {"mail.d.test": "d.test", "d.test": "d.test", "other.test": "other.test"}
    assert aligned("mail.d.test", "d.test", "r", orgs) and not aligned("mail.d.test", "d.test", "s", orgs)
    assert aligned("D.test.", "d.test", "s", orgs) and not aligned("other.test", "d.test", "r", orgs)


def test_obsolete_tags_warn_and_do_not_fail():
    findings, policy = check_dmarc("d.test", walk("d.test", {"d.test": [
        "v=DMARC1; p=reject; pct=50; rf=afrf; ri=86400; rua=mailto:a@d.test"]}))
    obsolete = next(f for f in findings if f.id == "dmarc.obsolete-tag")
    assert str(obsolete.severity) == "warning" and obsolete.evidence["tags"] == ["pct", "rf", "ri"]
    assert not any(str(f.severity) == "error" for f in findings)


def test_new_tags_explained():
    assert explain_new_tags(parse_dmarc("p.example", "v=DMARC1; p=reject; psd=y"))[0].startswith("psd=y: p.example")


def test_psd_policy_found_by_the_walk():
    findings, policy = check_dmarc("brand.psd.example", walk("brand.psd.example", {
        "psd.example": ["v=DMARC1; p=quarantine; psd=y; rua=mailto:r@psd.example"]}))
    psd = next(f for f in findings if f.id == "dmarc.psd-policy")
    assert psd.title == ("brand.psd.example has no DMARC record of its own organisation; the public suffix "
                         "operator's policy at psd.example applies")
    assert policy.found_at == "psd.example"


@pytest.mark.parametrize("answer_name", ["_DMARC.Example.COM.", "_dmarc.example.com.", "_dmarc.EXAMPLE.com"])
def test_the_policy_is_found_at_the_walk_name_whatever_the_answer_is_named(answer_name):
    """The audit reads the report destinations from protocol.dmarc.discover_policy before the check is loaded;
    the check returns that policy, found at the walk's name (not the answer's spelling of it)."""
    answers = walk("mail.example.com", {})
    answers["example.com"] = answer(answer_name, "TXT", "v=DMARC1; p=reject; psd=n; rua=mailto:r@reports.test")
    discovered = discover_policy("mail.example.com", answers)
    findings, policy = check_dmarc("mail.example.com", answers)
    assert discovered.found_at == policy.found_at == "example.com"
    assert discovered == policy
    assert organizational_domain_from_walk("mail.example.com", answers).name == "example.com"
    assert "dmarc.inherited" in ids(findings)


def test_the_callers_discovered_policy_is_judged_without_a_second_discovery():
    # the audit discovers the policy once (protocol.dmarc.discover_policy) and hands it in: the same findings
    # as check_dmarc's own discovery, and the very policy it was given comes back
    answers = walk("mail.d.test", {"d.test": ["v=DMARC1; p=reject; sp=none; t=y"]})
    given = discover_policy("mail.d.test", answers)
    findings, policy = check_dmarc("mail.d.test", answers, policy=given)
    assert policy is given
    assert findings == check_dmarc("mail.d.test", answers)[0]
    assert ids(findings) == ["dmarc.inherited", "dmarc.rfc9989-tags", "dmarc.policy-none", "dmarc.no-rua"]
    several = walk("d.test", {"d.test": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]})
    assert ids(check_dmarc("d.test", several, policy=discover_policy("d.test", several))[0]) == ["dmarc.several-records"]
