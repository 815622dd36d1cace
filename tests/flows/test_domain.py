"""The whole audit against the in-process lab DNS server: the findings named by the issue's "done when",
honest failures, bad input, and that independent lookups run at once and each question is asked once."""

from __future__ import annotations

import collections
import time

import pytest

from smtpdoctor.flows.domain import audit_domain

from support.dns_zones import RSA_512, good_zone, lab_resolver

IP = "192.0.2.25"


def ids(audit):
    return [f.id for f in audit.findings]


def errors(audit):
    return [f.id for f in audit.findings if str(f.severity) == "error"]


@pytest.fixture
def good(rsa2048):
    return good_zone(dkim_key=rsa2048)


async def test_well_configured_domain_passes(good):
    async with lab_resolver(good) as (r, _):
        audit = await audit_domain(r, "good.test", ip=IP)
    assert errors(audit) == []
    assert audit.exit_code == 0
    for fid in ("mx.ok", "ptr.ok", "dkim.key-ok", "dmarc.ok", "tlsrpt.ok"):
        assert fid in ids(audit)
    rows = {row.key: row.status for row in audit.checklist}
    assert rows["dkim"] == rows["dmarc"] == rows["ptr"] == "pass"
    assert rows["alignment"] == "not-tested"
    doc = audit.to_json()
    assert doc["schema"] == "smtpdoctor/domain@1" and doc["domain"] == "good.test"
    assert doc["dkim"]["keys"][0]["selector"] == "google" and doc["dkim"]["keys"][0]["bits"] == 2048
    assert doc["dmarc"]["p"] == "reject"


async def test_without_ip_ptr_is_not_tested(good):
    async with lab_resolver(good) as (r, _):
        audit = await audit_domain(r, "good.test")
    assert not any(i.startswith("ptr.") for i in ids(audit))
    assert {row.key: row.status for row in audit.checklist}["ptr"] == "not-tested"


@pytest.mark.parametrize("change, expected", [
    ({"_dmarc.good.test": {}}, "dmarc.missing"),
    ({"_dmarc.good.test": {"TXT": ["v=DMARC1; p=rejct"]}}, "dmarc.syntax"),
    ({"google._domainkey.good.test": {"TXT": [f"v=DKIM1; p={RSA_512}"]}}, "dkim.key-weak"),
    ({"good.test": {"TXT": ["v=spf1 -all"], "A": ["192.0.2.80"]}}, "mx.implicit"),
    ({"good.test": {"TXT": ["v=spf1 -all"]}}, "mx.missing"),
    ({"25.2.0.192.in-addr.arpa": {}}, "ptr.missing"),
    ({"mail.good.test": {"A": ["192.0.2.99"]}}, "ptr.not-confirmed"),
])
async def test_names_the_right_finding(good, change, expected):
    zone = {k: v for k, v in good.items() if k not in change or change[k]}
    zone.update({k: v for k, v in change.items() if v})
    async with lab_resolver(zone) as (r, _):
        audit = await audit_domain(r, "good.test", ip=IP)
    assert expected in ids(audit)
    assert audit.exit_code == (1 if errors(audit) else 0)


async def test_timeout_is_could_not_test_and_blanks_nothing_else(good):
    zone = dict(good, **{"_dmarc.good.test": "TIMEOUT", "google._domainkey.good.test": "SERVFAIL"})
    async with lab_resolver(zone, timeout=0.8) as (r, _):
        audit = await audit_domain(r, "good.test", ip=IP)
    found = ids(audit)
    assert "dmarc.lookup-failed" in found and "dmarc.missing" not in found
    assert "dkim.lookup-failed" in found and "dkim.not-found" not in found
    for fid in ("mx.ok", "ptr.ok", "tlsrpt.ok"):
        assert fid in found
    rows = {row.key: row.status for row in audit.checklist}
    assert rows["dmarc"] == "unknown" and rows["dkim"] == "unknown"


async def test_nonexistent_domain_says_so_once(good):
    async with lab_resolver(good) as (r, _):
        audit = await audit_domain(r, "nothere.test")
    assert ids(audit) == ["domain.nxdomain"]


async def test_bad_input_is_a_finding_not_a_crash(good):
    async with lab_resolver(good) as (r, srv):
        audit = await audit_domain(r, "x" * 300 + ".test")
    assert ids(audit) == ["domain.invalid-name"] and "the limit is 253" in audit.findings[0].title
    assert srv.queries == []


async def test_trailing_dot_uppercase_and_idn(good):
    zone = {k.replace("good.test", "xn--bcher-kva.test"): {t: [x.replace("good.test", "xn--bcher-kva.test") for x in v]
                                                          for t, v in rr.items()} for k, rr in good.items()}
    async with lab_resolver(zone) as (r, _):
        audit = await audit_domain(r, "BÜCHER.test.")
    assert audit.domain == "xn--bcher-kva.test" and audit.unicode == "bücher.test"
    assert "domain.normalised" in ids(audit) and "mx.ok" in ids(audit) and "dmarc.ok" in ids(audit)


async def test_cname_loop_and_10kb_txt_and_40_mx(good):
    zone = dict(good)
    zone["loop.test"] = {"CNAME": ["loop2.test."]}
    zone["loop2.test"] = {"CNAME": ["loop.test."]}
    zone["big.test"] = {"TXT": ["v=spf1 -all", "x" * 10240], "MX": [f"{i} mx{i}.big.test." for i in range(40)]}
    zone.update({f"mx{i}.big.test": {"A": [f"192.0.2.{i + 100}"]} for i in range(40)})
    # a generous bound: the 10 KB answer goes over TCP, and a loaded machine must not turn it into "lookup failed"
    async with lab_resolver(zone, timeout=3.0) as (r, _):
        loop = await audit_domain(r, "loop.test")
        big = await audit_domain(r, "big.test")
    assert "mx.lookup-failed" in ids(loop)  # a CNAME loop cannot be followed: "could not test", not "missing"
    assert "mx.missing" not in ids(loop)
    assert "domain.txt-oversized" in ids(big)
    assert "mx.many" in ids(big) and "mx.ok" in ids(big)


async def test_independent_lookups_run_at_once_and_each_once(good):
    delay = 0.1
    async with lab_resolver(good, delay=delay, timeout=2) as (r, srv):
        start = time.perf_counter()
        audit = await audit_domain(r, "good.test", ip=IP)
        elapsed = time.perf_counter() - start
    counts = collections.Counter(srv.queries)
    assert [q for q, n in counts.items() if n > 1] == []
    assert len(srv.queries) > 20  # MX, PTR, SPF, DKIM (first tier), DMARC, DNSSEC chain, ...
    # The longest chain of dependent questions is a few round trips (SPF: TXT -> mx -> A; DKIM: node ->
    # discovery; the DNSSEC chain): asked one after another they would take len(queries) round trips.
    # Shown without a clock: asked in at most 6 waves, some moment held a sixth of them at once.
    assert elapsed >= delay
    assert srv.max_in_flight * 6 >= len(srv.queries), (srv.max_in_flight, len(srv.queries))
    assert "mx.ok" in ids(audit)


async def test_several_domains_share_one_resolver(good):
    async with lab_resolver(good) as (r, srv):
        first = await audit_domain(r, "good.test")
        asked = len(srv.queries)
        second = await audit_domain(r, "good.test")
    assert len(srv.queries) == asked  # the second audit is served from the run's cache
    assert ids(first) == ids(second)


async def test_dkim_discovery_in_tiers(good, rsa2048):
    async with lab_resolver(good) as (r, srv):
        await audit_domain(r, "good.test")
    assert ("mandrill._domainkey.good.test", "TXT") not in srv.queries  # google (first tier) was found
    zone = {k: v for k, v in good.items() if k != "google._domainkey.good.test"}
    zone["mandrill._domainkey.good.test"] = {"TXT": [f"v=DKIM1; p={rsa2048}"]}
    async with lab_resolver(zone) as (r, _):
        audit = await audit_domain(r, "good.test")
    assert audit.to_json()["dkim"]["keys"][0]["selector"] == "mandrill"
    zone = {k: v for k, v in good.items() if "_domainkey" not in k}
    async with lab_resolver(zone) as (r, srv):
        audit = await audit_domain(r, "good.test")
    assert "dkim.none-published" in ids(audit)
    assert not any(q[0].endswith("._domainkey.good.test") and q[0].startswith("mandrill") for q in srv.queries)


async def test_bimi_sees_the_dmarc_policy(good):
    zone = dict(good)
    zone["default._bimi.good.test"] = {"TXT": ["v=BIMI1; l=https://good.test/logo.svg; a=https://good.test/vmc.pem"]}
    async with lab_resolver(zone) as (r, _):
        assert "bimi.ok" in ids(await audit_domain(r, "good.test"))
    zone["_dmarc.good.test"] = {"TXT": ["v=DMARC1; p=none; rua=mailto:d@good.test"]}
    async with lab_resolver(zone) as (r, _):
        weak = (await audit_domain(r, "good.test")).finding("bimi.dmarc-too-weak")
    assert weak is not None and weak.evidence["policy"] == "none"


async def test_a_topic_that_raises_blanks_nothing_else(good):
    async with lab_resolver(good) as (r, _):
        audit = await audit_domain(r, "good.test", ip=IP, helo=12345)  # not a str: the PTR topic raises
    crashed = audit.finding("domain.check-crashed")
    assert crashed is not None and crashed.evidence["area"] == "ptr"
    for fid in ("mx.ok", "dkim.key-ok", "dmarc.ok", "tlsrpt.ok"):
        assert fid in ids(audit)


async def test_10kb_dmarc_record_is_named_precisely(good):
    zone = dict(good)
    zone["_dmarc.good.test"] = {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@good.test; junk=" + "x" * 10240]}
    async with lab_resolver(zone) as (r, _):
        audit = await audit_domain(r, "good.test")
    assert audit.finding("dmarc.unknown-tag").evidence["tags"] == ["junk"]
    oversized = audit.finding("domain.txt-oversized")
    assert oversized.evidence["name"] == "_dmarc.good.test" and oversized.evidence["size"] > 10240

