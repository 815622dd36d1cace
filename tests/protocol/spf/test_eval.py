"""check_host() behaviours beyond the conformance suite: counting, limits, failures, trace, speed."""

from __future__ import annotations

import time

import pytest

from smtpdoctor.net.dns import Resolver
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.protocol.spf.result import SpfResult, trace_lines
from smtpdoctor.protocol.spf.eval import check_host


def _resolver(server: LabDnsServer, timeout: float = 0.3) -> Resolver:
    return Resolver([server.address], timeout=timeout, lifetime=timeout)


async def _check(zone, ip, domain="example.com", **kw):
    async with LabDnsServer(zone) as srv:
        return await check_host(_resolver(srv), ip, domain, **kw)


def _mx_zone(count: int) -> dict:
    zone = {"example.com": {"TXT": ["v=spf1 mx -all"],
                            "MX": [f"{i} mx{i}.example.com." for i in range(count)]}}
    for i in range(count):
        zone[f"mx{i}.example.com"] = {"A": [f"192.0.2.{i + 1}"]}
    return zone


async def test_mx_counts_one_lookup_for_ten_hosts():
    res = await _check(_mx_zone(10), "192.0.2.10")
    assert res.result is SpfResult.PASS
    assert res.lookups == 1


async def test_more_than_ten_mx_names_is_permerror():
    res = await _check(_mx_zone(11), "192.0.2.1")
    assert res.result is SpfResult.PERMERROR
    assert "11 MX names" in res.reason


async def test_exp_is_not_counted_and_ten_terms_are_allowed():
    terms = " ".join(f"a:h{i}.example.com" for i in range(10))
    zone = {"example.com": {"TXT": [f"v=spf1 {terms} -all exp=why.example.com"]},
            "why.example.com": {"TXT": ["%{i} is not allowed"]}}
    zone.update({f"h{i}.example.com": {"A": ["198.51.100.1"]} for i in range(10)})
    res = await _check(zone, "192.0.2.9")
    assert (res.result, res.lookups, res.explanation) == (SpfResult.FAIL, 10, "192.0.2.9 is not allowed")


async def test_eleventh_lookup_is_permerror_with_trace_at_the_term():
    zone = {"example.com": {"TXT": ["v=spf1 include:a.example.com " + "a " * 10 + "-all"], "A": ["198.51.100.1"]},
            "a.example.com": {"TXT": ["v=spf1 -all"]}}
    res = await _check(zone, "192.0.2.1")
    assert res.result is SpfResult.PERMERROR
    assert res.lookups == 11
    last = res.trace[-1]
    assert (last.kind, last.text, last.outcome) == ("error", "a", "permerror")


@pytest.mark.parametrize(("names", "result"), [(2, SpfResult.NEUTRAL), (3, SpfResult.PERMERROR)])
async def test_void_lookup_limit(names, result):
    terms = " ".join(f"a:gone{i}.example.com" for i in range(names))
    res = await _check({"example.com": {"TXT": [f"v=spf1 {terms} ?all"]}}, "192.0.2.1")
    assert res.result is result
    assert res.void_lookups == names


@pytest.mark.parametrize("fault", ["TIMEOUT", "SERVFAIL"])
async def test_dns_failure_of_the_record_is_temperror(fault):
    res = await _check({"example.com": fault}, "192.0.2.1")
    assert res.result is SpfResult.TEMPERROR
    assert res.trace[0].outcome == "temperror"


async def test_dns_failure_inside_a_mechanism_is_temperror():
    res = await _check({"example.com": {"TXT": ["v=spf1 a:broken.example.com -all"]},
                        "broken.example.com": "SERVFAIL"}, "192.0.2.1")
    assert res.result is SpfResult.TEMPERROR
    assert "broken.example.com" in res.reason


async def test_ipv4_mapped_ipv6_is_treated_as_ipv4():
    res = await _check({"example.com": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}}, "::ffff:192.0.2.5")
    assert (res.result, res.ip) == (SpfResult.PASS, "192.0.2.5")


async def test_sender_defaults_and_empty_local_part():
    zone = {"example.com": {"TXT": ["v=spf1 exists:%{l}.allow.example.com -all"]},
            "postmaster.allow.example.com": {"A": ["127.0.0.2"]}}
    assert (await _check(zone, "192.0.2.1")).sender == "postmaster@example.com"
    res = await _check(zone, "192.0.2.1", sender="@example.com")
    assert (res.result, res.sender) == (SpfResult.PASS, "postmaster@example.com")


async def test_p_macro_uses_the_validated_name():
    zone = {"example.com": {"TXT": ["v=spf1 exists:%{p}.ok.example.com -all"]},
            "1.2.0.192.in-addr.arpa": {"PTR": ["mail.example.com."]},
            "mail.example.com": {"A": ["192.0.2.1"]},
            "mail.example.com.ok.example.com": {"A": ["127.0.0.2"]}}
    assert (await _check(zone, "192.0.2.1")).result is SpfResult.PASS


async def test_trace_is_a_tree_of_records_and_terms():
    zone = {"example.com": {"TXT": ["v=spf1 include:_spf.example.net -all"]},
            "_spf.example.net": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}}
    res = await _check(zone, "192.0.2.7")
    assert res.result is SpfResult.PASS
    assert [(s.depth, s.kind, s.outcome) for s in res.trace] == [
        (0, "record", "found"), (0, "term", "include"), (1, "record", "found"), (1, "term", "match"),
        (1, "result", "pass"), (0, "term", "match"), (0, "result", "pass")]
    lines = trace_lines(res)
    assert lines[0] == 'example.com: "v=spf1 include:_spf.example.net -all"'
    assert lines[2].startswith("   _spf.example.net:")
    assert res.reason == "include:_spf.example.net in example.com"


async def test_prefetch_changes_speed_not_results():
    terms = " ".join(f"a:h{i}.example.com" for i in range(6))
    zone = {"example.com": {"TXT": [f"v=spf1 {terms} -all"]}}
    zone.update({f"h{i}.example.com": {"A": ["198.51.100.1"]} for i in range(6)})
    async with LabDnsServer(zone, delay=0.1) as srv:
        t0 = time.perf_counter()
        slow = await check_host(_resolver(srv, 2.0), "192.0.2.1", "example.com", prefetch=False)
        t1 = time.perf_counter()
        fast = await check_host(_resolver(srv, 2.0), "192.0.2.1", "example.com")
        t2 = time.perf_counter()
    assert slow.result is fast.result is SpfResult.FAIL
    assert [s.to_json() for s in slow.trace] == [s.to_json() for s in fast.trace]
    assert t1 - t0 >= 0.7  # 7 dependent round trips of 0.1 s
    assert t2 - t1 < 0.6 * (t1 - t0)  # about 2 round trips: the record, then all a: names at once


async def test_deadline_gives_temperror():
    async with LabDnsServer({"example.com": {"TXT": ["v=spf1 -all"]}}, delay=0.5) as srv:
        res = await check_host(_resolver(srv, 2.0), "192.0.2.1", "example.com", deadline=0.1)
    assert res.result is SpfResult.TEMPERROR
    assert "longer than 0.1 s" in res.reason


async def test_bad_ip_is_a_value_error():
    async with LabDnsServer({}) as srv:
        with pytest.raises(ValueError):
            await check_host(_resolver(srv), "1.2.3", "example.com")


async def test_include_of_a_malformed_name_is_permerror_but_a_is_no_match():
    zone = {"example.com": {"TXT": ["v=spf1 include:%{l}.example.net -all"]},
            "example.org": {"TXT": ["v=spf1 a:%{l}.example.net -all"]}}
    long_local = "x" * 70 + "@example.com"
    inc = await _check(zone, "192.0.2.1", sender=long_local)
    assert inc.result is SpfResult.PERMERROR and "not a valid domain name" in inc.reason
    a = await _check(zone, "192.0.2.1", "example.org", sender="x" * 70 + "@example.org")
    assert a.result is SpfResult.FAIL
