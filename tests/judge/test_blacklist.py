"""Observations -> findings, and blacklist_findings (what diagnose calls) end to end against the lab."""

from __future__ import annotations

from smtpdoctor.core.observations import Outcome
from smtpdoctor.net.dns import Resolver
from smtpdoctor.flows.blacklist import blacklist_findings
from smtpdoctor.judge.blacklist import health_findings, retired_findings, severity_for, target_findings
from smtpdoctor.core.dnsbl_facts import Answer, Environment, Status, TargetResult, ZoneResult
from smtpdoctor.observe.blocklist_health import judge_zone
from smtpdoctor.core.dnsbl_targets import parse_target
from smtpdoctor.core.dnsbl_zones import Kind, Weight, catalogue, decode, select_zones
from smtpdoctor.core.model import Category, Severity, Step

from smtpdoctor.lab.blocklists import dnsbl_records

CAT = catalogue()


def listed(zone_name: str, *codes: str, reason: str | None = None) -> ZoneResult:
    z = CAT.zone(zone_name)
    return ZoneResult(zone=z, status=Status.LISTED, codes=tuple(decode(z, c) for c in codes), reason=reason)


def result(value: str, *results: ZoneResult) -> TargetResult:
    return TargetResult(target=parse_target(value)[0], results=results)


def test_severity_follows_weight():
    assert severity_for(Weight.HIGH) is Severity.ERROR
    assert severity_for(Weight.MEDIUM) is Severity.WARNING
    assert severity_for(Weight.LOW) is Severity.INFO


def test_spamhaus_sbl_is_an_error_uceprotect_l3_is_info():
    found = target_findings(result("192.0.2.1", listed("zen.spamhaus.org", "127.0.0.2"),
                                   listed("dnsbl-3.uceprotect.net", "127.0.0.2")))
    by_zone = {f.evidence["zone"]: f for f in found if f.id == "dnsbl.listed"}
    assert by_zone["zen.spamhaus.org"].severity is Severity.ERROR
    assert by_zone["dnsbl-3.uceprotect.net"].severity is Severity.INFO


def test_listing_finding_carries_meaning_reason_delisting_and_first_step():
    (f,) = target_findings(result("192.0.2.1", listed("zen.spamhaus.org", "127.0.0.10", reason="PBL listed")))
    assert f.id == "dnsbl.listed" and f.category is Category.BLACKLIST and f.step is Step.BLACKLIST
    assert f.severity is Severity.WARNING  # PBL: medium weight
    assert "192.0.2.1" in f.title and "Spamhaus ZEN" in f.title
    assert "PBL" in f.detail and "PBL listed" in f.detail
    assert f.remedy[0].startswith("If this address only submits mail")  # the PBL code's own advice
    assert "https://check.spamhaus.org/" in f.remedy[1]
    assert any("587" in step for step in f.remedy)  # the submission-server note
    assert f.evidence["codes"] == ["127.0.0.10"] and f.evidence["reason"] == "PBL listed"


def test_sbl_listing_starts_with_the_zone_first_step():
    (f,) = target_findings(result("192.0.2.1", listed("zen.spamhaus.org", "127.0.0.2")))
    assert f.remedy[0].startswith("Look the address up at https://check.spamhaus.org/")


def test_clean_target_gets_an_ok_finding_naming_lists():
    zen, spamcop = CAT.zone("zen.spamhaus.org"), CAT.zone("bl.spamcop.net")
    (f,) = target_findings(result("192.0.2.9", ZoneResult(zone=zen, status=Status.NOT_LISTED),
                                  ZoneResult(zone=spamcop, status=Status.NOT_LISTED)))
    assert f.id == "dnsbl.not-listed" and f.severity is Severity.OK
    assert "2 lists" in f.title and "bl.spamcop.net" in f.detail


def test_failed_lookups_are_could_not_test():
    zen = CAT.zone("zen.spamhaus.org")
    (f,) = target_findings(result("192.0.2.9", ZoneResult(zone=zen, status=Status.FAILED, why="could not test: timeout")))
    assert f.id == "dnsbl.lookup-failed" and f.severity is Severity.WARNING
    assert "not 'not listed'" in f.detail


def test_refused_target_query_is_refused_finding_not_listed():
    zen = CAT.zone("zen.spamhaus.org")
    code = decode(zen, "127.255.255.254")
    r = ZoneResult(zone=zen, status=Status.REFUSED, codes=(code,), why=code.meaning,
                   answer=Answer(name="x", outcome=Outcome.OK, records=("127.255.255.254",)))
    found = target_findings(result("192.0.2.9", r))
    # the list's own refusal, with its advice, and the answer: this address was not tested
    assert [f.id for f in found] == ["dnsbl.query-refused", "dnsbl.untested"]
    assert found[1].untested and "zen.spamhaus.org gave no usable answer" in found[1].title
    assert "own resolver" in found[0].title


def test_no_list_for_input():
    (f,) = target_findings(result("example.com"), selected=[CAT.zone("bl.spamcop.net")])
    assert f.id == "dnsbl.no-list-for-input" and "bl.spamcop.net" in f.detail


def test_health_findings_name_broken_refused_and_unverified_zones():
    nx = Answer(name="n", outcome=Outcome.NXDOMAIN)

    def a(*r):
        return Answer(name="q", outcome=Outcome.OK, records=r)

    healths = [
        judge_zone(CAT.zone("zen.spamhaus.org"), Kind.IPV4, a("127.255.255.254"), a("127.255.255.254")),
        judge_zone(CAT.zone("bl.spamcop.net"), Kind.IPV4, a("127.0.0.2"), a("127.0.0.2")),
        judge_zone(CAT.zone("b.barracudacentral.org"), Kind.IPV4, nx, nx),
    ]
    env = Environment(everything_listed=False, zones_checked=3)
    ids = {f.evidence["zone"]: f.id for f in health_findings(healths, env)}
    assert ids == {"zen.spamhaus.org": "dnsbl.query-refused", "bl.spamcop.net": "dnsbl.zone-broken",
                   "b.barracudacentral.org": "dnsbl.zone-unverified"}


def test_everything_listed_is_said_once_instead_of_per_zone():
    env = Environment(everything_listed=True, zones_checked=3, zones_listing_everything=("a.test", "b.test"))
    (f,) = health_findings([], env)
    assert f.id == "dnsbl.everything-listed" and "2 of 3" in f.detail


def test_retired_zone_finding():
    _, dead = select_zones(["db.wpbl.info"])
    (f,) = retired_findings(dead)
    assert f.id == "dnsbl.zone-retired" and "db.wpbl.info" in f.title


# -- blacklist_findings: what diagnose calls ---------------------------------------------------------------

async def test_blacklist_findings_for_ip_and_domain(make_lab):
    recs = dnsbl_records("zen.spamhaus.org", {"192.0.2.1": "127.0.0.4"})
    recs.update(dnsbl_records("dbl.spamhaus.org", {"dbltest.com": "127.0.1.2"}, kinds=[]))
    async with make_lab(recs) as srv:
        found = await blacklist_findings(Resolver([srv.address]), ip="192.0.2.1", domain="example.com",
                                         zones=("zen.spamhaus.org", "dbl.spamhaus.org"))
    ids = [(f.id, f.evidence.get("value")) for f in found]
    assert ("dnsbl.listed", "192.0.2.1") in ids
    assert ("dnsbl.not-listed", "example.com") in ids
    assert all(f.category is Category.BLACKLIST and f.step is Step.BLACKLIST for f in found)


async def test_blacklist_findings_refused_through_public_resolver(make_lab):
    recs = dnsbl_records("zen.spamhaus.org", {"192.0.2.1": "127.255.255.254"}, test_answer="127.255.255.254")
    async with make_lab(recs) as srv:
        found = await blacklist_findings(Resolver([srv.address]), ip="192.0.2.1", domain=None,
                                         zones=("zen.spamhaus.org",))
    # the list's own refusal, with its advice, and the answer: this address was not tested
    assert [f.id for f in found] == ["dnsbl.query-refused", "dnsbl.untested"]
    assert found[1].untested and "zen.spamhaus.org gave no usable answer" in found[1].title
    assert not any(f.severity is Severity.ERROR for f in found)


async def test_blacklist_findings_with_dead_and_everything_listed(make_lab):
    recs: dict = {}
    for z in ("a.lab.test", "b.lab.test"):
        recs.update(dnsbl_records(z, {"192.0.2.1": "127.0.0.2"}, unlisted_answer="127.0.0.2"))
    async with make_lab(recs) as srv:
        found = await blacklist_findings(Resolver([srv.address]), ip="192.0.2.1", domain=None,
                                         zones=("a.lab.test", "b.lab.test", "dnsbl.sorbs.net"))
    assert [f.id for f in found] == ["dnsbl.zone-retired", "dnsbl.everything-listed"]


async def test_blacklist_findings_bad_input_is_a_finding_not_an_exception():
    found = await blacklist_findings(Resolver(["127.0.0.1:9"]), ip="999.1.1.1", domain="exa mple.com",
                                     zones=("bl.spamcop.net",))
    assert [f.id for f in found] == ["dnsbl.bad-input", "dnsbl.bad-input"]
    assert "0 to 255" in found[0].detail and "spaces" in found[1].detail
    found = await blacklist_findings(Resolver(["127.0.0.1:9"]), ip="192.0.2.0/24", domain=None, zones=None)
    assert found[0].id == "dnsbl.bad-input" and "range" in found[0].detail


async def test_blacklist_findings_nothing_to_check():
    assert await blacklist_findings(Resolver(["127.0.0.1:9"]), ip=None, domain=None, zones=None) == ()
