"""The DMARC record's grammar (RFC 9989) as a DmarcPolicy value."""

import pytest

from smtpdoctor.protocol.dmarc import authorisation_name, dmarc_records, mailto_domains, parse_dmarc
from smtpdoctor.protocol.dmarc_walk import tree_walk

from support.dns_zones import answer


def test_test_mode_applies_one_level_less_and_np_for_missing_names():
    policy = parse_dmarc("d.test", "v=DMARC1; p=reject; sp=quarantine; np=reject; t=y")
    assert policy.applied_policy(subdomain=False) == "quarantine"
    assert policy.effective_policy(subdomain=True, exists=False) == "reject"
    assert policy.applied_policy(subdomain=True) == "none"


@pytest.mark.parametrize(("record", "field", "expected"), [
    ("p=reject", "problems", ("the record must start with v=DMARC1",)),
    ("v=DMARC1; p=reject; p=none", "problems", ("tag p= appears more than once",)),
    ("v=DMARC1", "problems", ("the required p= tag is missing",)),
    ("v=DMARC1; p=reject; pct=150; adkim=x", "bad_values",
     ("pct='150' (expected a whole number 0-100)", "adkim='x' (expected r or s)")),
    ("v=DMARC1; p=none; rua=a@b.example", "bad_values",
     ("rua: 'a@b.example' is not a mailto: URI (write mailto:address)",)),
    ("v=DMARC1; p=none; pct=50; ri=3600; foo=1", "obsolete", ("pct", "ri")),
])
def test_what_is_wrong_with_a_record(record, field, expected):
    assert getattr(parse_dmarc("d.test", record), field) == expected


def test_destinations_and_records():
    policy = parse_dmarc("d.test", "v=DMARC1; p=reject; rua=mailto:a@D.test,mailto:x@reports.example!10m; "
                                   "ruf=mailto:f@reports.example")
    assert mailto_domains(policy) == ("d.test", "reports.example")
    assert authorisation_name("d.test", "reports.example") == "d.test._report._dmarc.reports.example"
    assert dmarc_records(answer("_dmarc.d.test", "TXT", "v=spf1 -all", " v=DMARC1; p=none")) == (" v=DMARC1; p=none",)


def test_tree_walk_asks_at_most_eight_names():
    assert tree_walk("a.b.example.com") == ("a.b.example.com", "b.example.com", "example.com", "com")
    deep = "l1.l2.l3.l4.l5.l6.l7.l8.l9.example.com"  # 11 labels: the domain, then 7 labels down to the TLD
    assert tree_walk(deep) == (deep, "l5.l6.l7.l8.l9.example.com", "l6.l7.l8.l9.example.com",
                               "l7.l8.l9.example.com", "l8.l9.example.com", "l9.example.com", "example.com", "com")
    assert len(tree_walk("a.b.c.d.e.f.g.h")) == 8  # 8 labels: every name, 8 queries
    assert tree_walk("example.com") == ("example.com", "com")


def test_external_destinations_are_those_outside_the_policys_organisational_domain():
    from smtpdoctor.judge.dns import dmarc as judged
    from smtpdoctor.protocol.dmarc import aligned, external_destinations

    policy = parse_dmarc("mail.d.test", "v=DMARC1; p=reject; rua=mailto:a@d.test,mailto:b@reports.test; "
                                        "ruf=mailto:c@Other.Test.")
    orgs = {"mail.d.test": "d.test", "d.test": "d.test", "reports.test": "reports.test", "other.test": "other.test"}
    assert external_destinations(policy, orgs) == ("reports.test", "other.test")
    assert judged.report_destinations(policy, orgs) == external_destinations(policy, orgs)
    assert judged.aligned is aligned  # one rule, re-exported where the checks read it
    assert aligned("Mail.D.Test.", "mail.d.test", "s", {}) and not aligned("x.d.test", "mail.d.test", "s", orgs)
