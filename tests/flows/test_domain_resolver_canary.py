"""A resolver that denies even the root: the audit says "could not test", never "does not exist"."""

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
