"""The resolver facade: failures are values, one question per (name, type) per run, servers readable."""

import asyncio

import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.net.dns import AnswerCache, Resolver, parse_nameserver
from smtpdoctor.lab.dns_server import LabDnsServer

ZONE = {
    "example.test": {"MX": ["10 mx.example.test."], "TXT": ["v=spf1 -all", "x" * 600]},
    "mx.example.test": {"A": ["192.0.2.25"]},
    "www.example.test": {"CNAME": ["mx.example.test."]},
    "loop1.example.test": {"CNAME": ["loop2.example.test."]},
    "loop2.example.test": {"CNAME": ["loop1.example.test."]},
    "deep.sub.example.test": {"A": ["192.0.2.1"]},
    "slow.example.test": "TIMEOUT",
    "broken.example.test": "SERVFAIL",
    "refused.example.test": "REFUSED",
}


@pytest.fixture
async def resolver():
    async with LabDnsServer(ZONE) as srv:
        yield Resolver([srv.address], timeout=0.3, lifetime=0.6), srv


@pytest.mark.parametrize("name, rdtype, outcome", [
    ("example.test", "MX", Outcome.OK),
    ("mx.example.test", "AAAA", Outcome.NODATA),
    ("nope.example.test", "A", Outcome.NXDOMAIN),
    ("sub.example.test", "A", Outcome.NODATA),  # an empty non-terminal exists
    ("slow.example.test", "A", Outcome.TIMEOUT),
    ("broken.example.test", "A", Outcome.SERVFAIL),
    ("refused.example.test", "A", Outcome.REFUSED),
    ("a" * 64 + ".example.test", "A", Outcome.ERROR),
])
async def test_outcomes(resolver, name, rdtype, outcome):
    r, _ = resolver
    result = await r.query(name, rdtype)
    assert result.outcome is outcome
    assert result.outcome.is_failure == (outcome in (Outcome.TIMEOUT, Outcome.SERVFAIL, Outcome.REFUSED,
                                                      Outcome.ERROR))


async def test_txt_joined_and_strings_kept_and_tcp_fallback_for_large_answers(resolver):
    r, _ = resolver
    result = await r.query("example.test", "TXT")
    assert sorted(result.records) == sorted(["v=spf1 -all", "x" * 600])
    long = next(s for s in result.txt_strings if len(s) > 1)
    assert [len(x) for x in long] == [255, 255, 90]


async def test_cname_followed_and_loop_is_not_endless(resolver):
    r, _ = resolver
    result = await r.query("www.example.test", "A")
    assert result.records == ("192.0.2.25",) and result.canonical_name == "mx.example.test"
    looped = await asyncio.wait_for(r.query("loop1.example.test", "A"), 5)
    assert not looped.ok


async def test_each_question_is_asked_once_even_concurrently(resolver):
    r, srv = resolver
    results = await asyncio.gather(*(r.query("Example.Test.", "MX") for _ in range(20)))
    assert all(x.ok for x in results)
    assert srv.queries.count(("example.test", "MX")) == 1
    assert len([e for e in r.log if e.name == "example.test" and e.rdtype == "MX"]) == 1


async def test_ptr_and_bad_address(resolver):
    r, _ = resolver
    assert (await r.ptr("192.0.2.1")).outcome is Outcome.NXDOMAIN
    assert (await r.ptr("not-an-ip")).outcome is Outcome.ERROR


def test_servers_and_nameserver_parsing():
    r = Resolver(["127.0.0.1:5353", "[::1]:53", "192.0.2.53"])
    assert r.servers == [("127.0.0.1", 5353), ("::1", 53), ("192.0.2.53", 53)]
    assert parse_nameserver("[2001:db8::1]:5300") == ("2001:db8::1", 5300)
    for bad in ("localhost", "1.2.3.4:0", "1.2.3.4:99999", "[::1", "999.1.1.1"):
        with pytest.raises(ValueError):
            parse_nameserver(bad)


def test_answer_cache_evicts_least_recently_used_answers_never_ones_in_flight():
    async def go():
        loop = asyncio.get_running_loop()
        cache = AnswerCache(2)
        futs = {k: loop.create_future() for k in "abcd"}
        for k in "abc":
            cache.put((k, "A"), futs[k])
        assert len(cache) == 3  # nothing answered yet: nothing to evict
        for k in "abc":
            futs[k].set_result(k)
        assert cache.get(("a", "A")) is futs["a"]  # a is now the most recently used
        cache.put(("d", "A"), futs["d"])  # in flight; b and c are the oldest answered entries
        return cache

    cache = asyncio.run(go())
    assert len(cache) == 2
    assert cache.get(("b", "A")) is None and cache.get(("c", "A")) is None
    assert cache.get(("a", "A")) is not None and cache.get(("d", "A")) is not None
