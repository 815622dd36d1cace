"""Each DNS fault of the lab, served by the lab DNS server, gives the finding it promises."""

from __future__ import annotations

import pytest

from smtpdoctor.core import catalogue
from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.domain_scenarios import DOMAIN_SCENARIOS, domain_scenario
from smtpdoctor.net.dns import Resolver


def test_names_unique_and_findings_in_the_catalogue():
    assert len({s.name for s in DOMAIN_SCENARIOS}) == len(DOMAIN_SCENARIOS)
    assert all(s.expect_finding in catalogue.catalogue() for s in DOMAIN_SCENARIOS)
    with pytest.raises(KeyError, match="unknown domain scenario"):
        domain_scenario("nope")


@pytest.mark.parametrize("name", [s.name for s in DOMAIN_SCENARIOS])
async def test_the_fault_gives_its_finding(name):
    s = domain_scenario(name)
    if s.files:  # served by the lab's HTTPS server: run as demo runs it
        from smtpdoctor.lab.demo import _one_domain

        result = await _one_domain(s)
        assert result.error is None and s.expect_finding in result.ids, result.to_json()
        return
    async with LabDnsServer(s.zone()) as srv:
        audit = await audit_domain(Resolver([srv.address], timeout=2, lifetime=4), s.domain)
    assert s.expect_finding in audit.ids()
