"""DMARC as RFC 9989 against a real Knot DNS: the organisational domain from the DNS tree walk (deep
subdomains, a psd=y record, psd=n, no record at all), the obsolete and new tags, report authorisation
decided by the walk. The zones are served by a Knot the test starts (tests/realservers)."""

from __future__ import annotations

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.judge.dns.dmarc import organizational_domain
from smtpdoctor.protocol.dmarc import find_organizational_domain
from smtpdoctor.net.dns import Resolver

DEEP = "a.b.c.d.e.f.g.h.deep.test"  # 10 labels: the walk asks it, then jumps to 7 labels

RECORDS = {
    "deep.test": {"A": ["127.0.0.1"]},
    "_dmarc.deep.test": {"TXT": ["v=DMARC1; p=reject; pct=50; ri=3600; rua=mailto:agg@reports.test"]},
    # 9 labels: the walk never asks here (it jumps from 10 labels to 7), so this p=none must not be found
    "_dmarc.b.c.d.e.f.g.h.deep.test": {"TXT": ["v=DMARC1; p=none"]},
    DEEP: {"A": ["127.0.0.1"]},
    "reports.test": {"A": ["127.0.0.1"]},
    "deep.test._report._dmarc.reports.test": {"TXT": ["v=DMARC1"]},
    "_dmarc.psdzone.test": {"TXT": ["v=DMARC1; p=quarantine; psd=y; rua=mailto:psd@psdzone.test"]},
    "mail.brand.psdzone.test": {"A": ["127.0.0.1"]},
    "_dmarc.multi.test": {"TXT": ["v=DMARC1; p=reject; rua=mailto:r@multi.test"]},
    "_dmarc.sub.multi.test": {"TXT": ["v=DMARC1; p=quarantine; psd=n; t=y; np=reject; rua=mailto:r@multi.test"]},
    "host.sub.multi.test": {"A": ["127.0.0.1"]},
    "mail.noorg.test": {"A": ["127.0.0.1"]},
}


@pytest.fixture(scope="module")
def knot(knot_factory):
    return knot_factory(RECORDS, zones=["test"])


def resolver(knot) -> Resolver:
    return Resolver([knot.address], timeout=2, lifetime=4)


async def test_deep_subdomain_walk_jumps_to_seven_labels_and_asks_at_most_eight(knot):
    r = resolver(knot)
    audit = await audit_domain(r, DEEP)
    data = audit.to_json()["dmarc"]
    assert data["found_at"] == "deep.test" and data["p"] == "reject"  # not the skipped p=none at 9 labels
    assert data["org"] == {"name": "deep.test", "reason": "highest DMARC record (deep.test)", "queries": 8,
                           "complete": True}
    walked = [e.name for e in r.log if e.name.startswith("_dmarc.") and DEEP.endswith(e.name[len("_dmarc."):])]
    assert len(walked) == 8 and "_dmarc.b.c.d.e.f.g.h.deep.test" not in walked
    assert audit.finding("dmarc.inherited").evidence["org"] == "deep.test"
    obsolete = audit.finding("dmarc.obsolete-tag")
    assert str(obsolete.severity) == "warning" and obsolete.evidence["tags"] == ["pct", "ri"]
    # reports.test is another organisation (by its own walk) and has authorised the reports
    assert audit.finding("dmarc.external-unauthorized") is None
    assert [f.id for f in audit.findings if f.id.startswith("dmarc.") and str(f.severity) == "error"] == []


async def test_psd_record_makes_the_label_below_it_the_organisational_domain(knot):
    r = resolver(knot)
    org = await find_organizational_domain("mail.brand.psdzone.test", r)
    assert (org.name, org.reason) == ("brand.psdzone.test", "psd=y at psdzone.test")
    audit = await audit_domain(r, "mail.brand.psdzone.test")
    psd = audit.finding("dmarc.psd-policy")
    assert psd is not None and "psdzone.test" in psd.title
    assert audit.to_json()["dmarc"]["found_at"] == "psdzone.test"


async def test_psd_n_stops_the_walk_and_new_tags_are_explained(knot):
    r = resolver(knot)
    org = await find_organizational_domain("host.sub.multi.test", r)
    assert (org.name, org.reason) == ("sub.multi.test", "psd=n at sub.multi.test")
    audit = await audit_domain(r, "sub.multi.test")
    tags = audit.finding("dmarc.rfc9989-tags").evidence["tags"]
    assert [t.split(":")[0] for t in tags] == ["np=reject", "t=y", "psd=n"]
    test_mode = audit.finding("dmarc.test-mode")
    assert test_mode.evidence["applied"] == "none" and test_mode.evidence["policy"] == "quarantine"


async def test_missing_org_record_leaves_the_domain_its_own_organisation(knot):
    r = resolver(knot)
    org = await find_organizational_domain("mail.noorg.test", r)
    assert (org.name, org.reason, org.queries) == ("mail.noorg.test", "no DMARC record in the walk", 3)
    audit = await audit_domain(r, "mail.noorg.test")
    assert "dmarc.missing" in audit.ids()
    assert audit.to_json()["dmarc"]["org_domain"] == "mail.noorg.test"
    # the RFC 7489 answer differs: the public suffix list knows no "test", so it takes the last two labels
    assert organizational_domain("mail.noorg.test") == "noorg.test"
