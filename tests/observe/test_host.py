"""Resolving the SMTP host: NXDOMAIN is only believed when the resolver can name the root's servers."""

from smtpdoctor.judge import host as host_checks
from smtpdoctor.judge.server_facts import ServerFacts
from smtpdoctor.net.dns import Resolver
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.observe.host import resolve_host
from smtpdoctor.core.settings import Settings

import datetime as dt


def findings(lookup):
    facts = ServerFacts(settings=Settings(host=lookup.host), host=lookup, sweep=None,
                        now=dt.datetime.now(dt.timezone.utc))
    return [f.id for f in host_checks.check(facts)]


async def test_nxdomain_from_a_working_resolver_is_a_missing_name():
    async with LabDnsServer({".": {"NS": ["a.root."]}, "smtp.example.test": {"A": ["192.0.2.1"]}}) as srv:
        lookup = await resolve_host(Resolver([srv.address], timeout=0.5, lifetime=1), "smtpp.example.test")
    assert lookup.root is not None and lookup.root.ok
    assert findings(lookup) == ["host.not-found"]


async def test_a_resolver_that_denies_the_root_makes_nxdomain_untestable():
    async with LabDnsServer({"other.test": {"A": ["192.0.2.1"]}}) as srv:  # no root: NXDOMAIN for "."
        lookup = await resolve_host(Resolver([srv.address], timeout=0.5, lifetime=1), "smtp.gmail.com")
    assert lookup.resolver_lies
    assert findings(lookup) == ["host.resolver-broken"]


async def test_addresses_and_literals():
    async with LabDnsServer({"mx.example.test": {"A": ["192.0.2.1"], "AAAA": ["2001:db8::1"]}}) as srv:
        lookup = await resolve_host(Resolver([srv.address], timeout=0.5, lifetime=1), "mx.example.test")
    assert lookup.addresses == ("192.0.2.1", "2001:db8::1") and lookup.root is None
    assert findings(lookup) == ["host.resolved"]
    literal = await resolve_host(Resolver(["127.0.0.1:9"]), "2001:db8::25")
    assert literal.literal and literal.ipv6 == ("2001:db8::25",) and findings(literal) == []
