"""The engine against real servers: block lists published by Knot DNS (real wildcards, real NXDOMAIN from
an authoritative server), and a real Postfix rejecting a listed client, whose reply names the list.

Skipped on a machine without Knot / Postfix; required in CI (see tests/conftest.py)."""

from __future__ import annotations

import smtplib

import pytest

from smtpdoctor.net.dns import Resolver
from smtpdoctor.flows.blacklist import blacklist_findings
from smtpdoctor.observe.blocklists import check_domains, check_ips
from smtpdoctor.judge.citations import rejection_cites_listing
from smtpdoctor.core.dnsbl_facts import Status, ZoneStatus
from smtpdoctor.lab.blocklists import dnsbl_records
from smtpdoctor.net.udp_mux import MuxResolver
from smtpdoctor.core.dnsbl_zones import Kind, select_zones
from smtpdoctor.core.model import Severity

ZONES = ("good.dnsbl.test", "refusing.dnsbl.test", "wildcard.dnsbl.test", "hijacked.dnsbl.test",
         "notest.dnsbl.test", "rhs.dnsbl.test")


def _records() -> dict:
    recs: dict = {}
    recs.update(dnsbl_records("good.dnsbl.test", {"192.0.2.1": "127.0.0.2", "2001:db8::25": "127.0.0.3"},
                              txt={"192.0.2.1": "listed: https://good.dnsbl.test/lookup?192.0.2.1"},
                              kinds=[Kind.IPV4, Kind.IPV6]))
    # What Spamhaus does through a public resolver: an error code for every name.
    recs["*.refusing.dnsbl.test"] = {"A": ["127.255.255.254"]}
    # A dead list that answers "listed" for everything, through a real wildcard.
    recs["*.wildcard.dnsbl.test"] = {"A": ["127.0.0.2"], "TXT": ["everything is listed"]}
    # A lapsed domain, now parked: everything resolves to a web server.
    recs["*.hijacked.dnsbl.test"] = {"A": ["198.51.100.80"]}
    # A list without RFC 5782 test points.
    recs["9.9.9.198.notest.dnsbl.test"] = {"A": ["127.0.0.2"]}
    recs.update(dnsbl_records("rhs.dnsbl.test", {"spam.example": "127.0.1.2"}, kinds=[Kind.DOMAIN]))
    return recs


@pytest.fixture(scope="module")
def knot_lists(knot_factory):
    return knot_factory(_records(), zones=ZONES)


def zones(*names: str):
    selected, _ = select_zones(list(names))
    return selected


@pytest.fixture(params=["facade", "mux"])
def lookup(request, knot_lists):
    facade = Resolver([knot_lists.address])
    if request.param == "facade":
        yield facade
        return
    mux = MuxResolver([knot_lists.address], facade)
    yield mux
    mux.close()


async def test_listed_and_clean_with_txt_reason(lookup):
    results, healths, env = await check_ips(lookup, ["192.0.2.1", "192.0.2.9"], zones=zones("good.dnsbl.test"))
    assert healths[0].status is ZoneStatus.OK and not env.everything_listed
    listed, clean = (r.results[0] for r in results)
    assert listed.status is Status.LISTED
    assert listed.reason == "listed: https://good.dnsbl.test/lookup?192.0.2.1"
    assert clean.status is Status.NOT_LISTED


async def test_ipv6_nibbles_against_knot(lookup):
    (result,), healths, _ = await check_ips(lookup, ["2001:db8::25"], zones=zones("good.dnsbl.test"))
    assert healths[0].kind is Kind.IPV6 and healths[0].status is ZoneStatus.OK
    assert result.results[0].status is Status.LISTED


async def test_every_guard_against_knot(lookup):
    (result,), healths, env = await check_ips(
        lookup, ["192.0.2.1"],
        zones=zones("good.dnsbl.test", "refusing.dnsbl.test", "wildcard.dnsbl.test", "hijacked.dnsbl.test"))
    status = {h.zone.name: h.status for h in healths}
    assert status == {"good.dnsbl.test": ZoneStatus.OK, "refusing.dnsbl.test": ZoneStatus.REFUSED,
                      "wildcard.dnsbl.test": ZoneStatus.ANSWERS_EVERYTHING,
                      "hijacked.dnsbl.test": ZoneStatus.BROKEN}
    by_zone = {r.zone.name: r.status for r in result.results}
    assert by_zone == {"good.dnsbl.test": Status.LISTED, "refusing.dnsbl.test": Status.REFUSED,
                       "wildcard.dnsbl.test": Status.UNUSABLE, "hijacked.dnsbl.test": Status.UNUSABLE}
    # Two broken zones of four: not more than half, so the zones are blamed, not the environment.
    assert not env.everything_listed


async def test_everything_listed_against_knot(lookup):
    (result,), _, env = await check_ips(
        lookup, ["192.0.2.9"], zones=zones("good.dnsbl.test", "wildcard.dnsbl.test", "hijacked.dnsbl.test"))
    assert env.everything_listed and set(env.zones_listing_everything) == {"wildcard.dnsbl.test",
                                                                           "hijacked.dnsbl.test"}
    assert {r.status for r in result.results} == {Status.UNUSABLE}


async def test_zone_without_test_points_reports_listings_but_not_clean(lookup):
    results, healths, _ = await check_ips(lookup, ["198.9.9.9", "192.0.2.9"], zones=zones("notest.dnsbl.test"))
    assert healths[0].status is ZoneStatus.UNVERIFIED
    assert [r.results[0].status for r in results] == [Status.LISTED, Status.UNKNOWN]


async def test_ip_list_is_not_asked_about_domains(lookup):
    (result,), healths, _ = await check_domains(lookup, ["example.com"], zones=zones("good.dnsbl.test"))
    assert healths[0].status is ZoneStatus.NOT_SERVED and result.results == ()


async def test_rhsbl_against_knot(lookup):
    results, healths, _ = await check_domains(lookup, ["spam.example", "clean.example"],
                                              zones=zones("rhs.dnsbl.test"))
    assert healths[0].status is ZoneStatus.OK
    assert [r.results[0].status for r in results] == [Status.LISTED, Status.NOT_LISTED]


async def test_blacklist_findings_against_knot(knot_lists):
    found = await blacklist_findings(Resolver([knot_lists.address]), ip="192.0.2.1", domain="spam.example",
                                     zones=("good.dnsbl.test", "refusing.dnsbl.test", "rhs.dnsbl.test"))
    ids = [(f.id, f.evidence.get("zone")) for f in found]
    assert ("dnsbl.query-refused", "refusing.dnsbl.test") in ids
    assert ("dnsbl.listed", "good.dnsbl.test") in ids and ("dnsbl.listed", "rhs.dnsbl.test") in ids
    assert not [f for f in found if f.id == "dnsbl.listed" and f.evidence["zone"] == "refusing.dnsbl.test"]
    # Zones named with --dnsbl that the catalogue does not describe count fully: a listing is an error.
    assert all(f.severity is Severity.ERROR for f in found if f.id == "dnsbl.listed")
    assert "is listed on good.dnsbl.test" in next(f.title for f in found if f.id == "dnsbl.listed")


def test_real_postfix_rejection_cites_the_list(postfix_factory):
    from realservers.labzone import RBL_ZONE

    inst = postfix_factory(rbl_zone=RBL_ZONE, sasl=False)
    with smtplib.SMTP(inst.host, inst.port("plain"), timeout=10, source_address=("127.0.0.2", 0)) as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
    reply = f"{code} {msg.decode()}"
    citation = rejection_cites_listing(reply)
    assert citation is not None
    assert citation.zone == RBL_ZONE and citation.address == "127.0.0.2"
    assert not citation.known and f"--dnsbl {RBL_ZONE}" in citation.advice


async def test_listing_on_a_catalogue_list_shows_its_delisting_rules(knot_factory):
    """Knot serves two catalogue zones under their real names; the finding for the list that matched
    carries its delisting step with the meaning of the code it returned, and its own rules."""
    recs: dict = {}
    recs.update(dnsbl_records("bl.spamcop.net", {"192.0.2.1": "127.0.0.2"}, kinds=[Kind.IPV4]))
    recs.update(dnsbl_records("dnsbl-1.uceprotect.net", {"192.0.2.1": "127.0.0.2"}, kinds=[Kind.IPV4]))
    server = knot_factory(recs, zones=("bl.spamcop.net", "dnsbl-1.uceprotect.net"))
    found = await blacklist_findings(Resolver([server.address]), ip="192.0.2.1", domain=None,
                                     zones=("bl.spamcop.net", "dnsbl-1.uceprotect.net"))
    listed = {f.evidence["zone"]: f for f in found if f.id == "dnsbl.listed"}
    assert set(listed) == {"bl.spamcop.net", "dnsbl-1.uceprotect.net"}
    spamcop = " ".join(listed["bl.spamcop.net"].remedy)
    assert "SpamCop Blocking List answered 127.0.0.2 (" in spamcop and "expiry by time: yes: about 24 hours" in spamcop
    assert "self-service removal: no" in spamcop
    uce = listed["dnsbl-1.uceprotect.net"]
    assert uce.evidence["delisting"]["paid_express"].startswith("yes")
    assert "paid express removal: yes" in " ".join(uce.remedy)


def test_blacklist_text_report_shows_the_delisting_step(knot_factory):
    """The CLI's text report of a listing carries the list's delisting step and rules."""
    from click.testing import CliRunner

    from smtpdoctor.cli.app import app

    recs = dnsbl_records("bl.spamcop.net", {"192.0.2.1": "127.0.0.2"}, kinds=[Kind.IPV4])
    server = knot_factory(recs, zones=("bl.spamcop.net",))
    result = CliRunner().invoke(app, ["blacklist", "192.0.2.1", "--resolver", server.address,
                                      "--dnsbl", "bl.spamcop.net"])
    assert "SpamCop Blocking List answered 127.0.0.2 (" in result.output
    assert "expiry by time: yes: about 24 hours after the last report" in result.output
