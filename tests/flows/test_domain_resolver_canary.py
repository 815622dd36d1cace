"""A resolver that denies even the root: the audit says "could not test", never "does not exist"."""

import socket

from smtpdoctor.net.dns import Resolver
from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.lab.dns_server import LabDnsServer


async def test_nxdomain_is_believed_only_when_the_root_resolves():
    async with LabDnsServer({".": {"NS": ["a.root."]}}) as srv:
        audit = await audit_domain(Resolver([srv.address], timeout=0.5, lifetime=1), "nosuch.example")
    assert "domain.nxdomain" in audit.ids() and "domain.resolver-broken" not in audit.ids()
    async with LabDnsServer({"other.example": {"A": ["192.0.2.1"]}}) as srv:
        audit = await audit_domain(Resolver([srv.address], timeout=0.5, lifetime=1), "gmail.com")
    assert "domain.resolver-broken" in audit.ids() and "domain.nxdomain" not in audit.ids()


async def test_a_refusing_resolver_is_unusable_and_every_lookup_says_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    # Timeouts far above the run: a refusal not recognised would show as "timeout" below.
    audit = await audit_domain(Resolver([f"127.0.0.1:{port}"], timeout=5, lifetime=10), "example.com")
    unusable = [f for f in audit.findings if f.id == "domain.resolver-unusable"]
    assert len(unusable) == 1 and not [f for f in audit.findings if f.id.endswith(".lookup-failed")]
    evidence = unusable[0].evidence
    assert evidence["root"]["outcome"] == "refused" and evidence["root"]["failure"]["kind"] == "refused"
    assert len(evidence["lookups"]) == 8  # each topic's lookup, SPF's in its own words
    assert all(lookup.get("outcome", "refused") == "refused" and "127.0.0.1" in lookup["error"]
               and "refused" in lookup["error"] for lookup in evidence["lookups"])
    assert "lookups failed (refused)" in unusable[0].detail
