"""audit_spf() end to end over the lab DNS server: the finding each kind of domain gets."""

from __future__ import annotations

import json

from smtpdoctor.net.dns import Resolver
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.core.model import Severity
from smtpdoctor.flows.spf import SpfAudit, audit_spf

ZONE = {
    "good.example": {"TXT": ["v=spf1 include:_spf.provider.example ip4:192.0.2.0/24 -all",
                             "google-site-verification=abc"]},
    "_spf.provider.example": {"TXT": ["v=spf1 ip4:198.51.100.0/24 ~all"]},
    "nospf.example": {"TXT": ["hello"]},
    "two.example": {"TXT": ["v=spf1 -all", "v=spf1 ip4:192.0.2.1 -all"]},
    "typo.example": {"TXT": ["v=spf1 ip4:192.0.2.1 inlcude:_spf.provider.example -all"]},
    "slow.example": "TIMEOUT",
    "busy.example": {"TXT": ["v=spf1 " + " ".join(f"include:p{i}.example" for i in range(4)) + " -all"]},
    **{f"p{i}.example": {"TXT": ["v=spf1 a:h1.example a:h2.example a ~all"], "A": ["203.0.113.1"]} for i in range(4)},
    "h1.example": {"A": ["203.0.113.2"]},
    "h2.example": {"A": ["203.0.113.3"]},
    "broken-include.example": {"TXT": ["v=spf1 include:gone.example -all"]},
    "slow-include.example": {"TXT": ["v=spf1 include:slow.example -all"]},
}


async def _audit(domain, **kw) -> SpfAudit:
    async with LabDnsServer(ZONE) as srv:
        return await audit_spf(Resolver([srv.address], timeout=0.2, lifetime=0.2), domain, **kw)


def ids(audit: SpfAudit) -> list[str]:
    return [f.id for f in audit.findings]


async def test_well_configured_domain_passes_for_its_ip():
    audit = await _audit("good.example", ip="198.51.100.20")
    assert ids(audit) == ["spf.ok", "spf.ip-permitted"]
    assert audit.lookups == 1
    assert audit.check is not None and str(audit.check.result) == "pass"
    assert not any(f.severity in (Severity.ERROR, Severity.WARNING) for f in audit.findings)


async def test_ip_not_listed():
    audit = await _audit("good.example", ip="203.0.113.9")
    f = next(f for f in audit.findings if f.id == "spf.ip-not-permitted")
    assert f.severity is Severity.ERROR and f.evidence["result"] == "fail"


async def test_missing_multiple_and_syntax():
    assert ids(await _audit("nospf.example")) == ["spf.missing"]
    assert ids(await _audit("nothere.example")) == ["spf.missing"]
    assert ids(await _audit("two.example")) == ["spf.multiple-records"]
    typo = await _audit("typo.example")
    assert ids(typo) == ["spf.syntax-error"]
    assert typo.findings[0].evidence["position"] == 21
    assert typo.findings[0].evidence["term"] == "inlcude:_spf.provider.example"


async def test_timeout_is_could_not_test_not_missing():
    audit = await _audit("slow.example", ip="192.0.2.1")
    assert ids(audit) == ["spf.lookup-failed"]
    assert audit.could_not_test


async def test_too_many_lookups_keeps_counting_past_ten():
    audit = await _audit("busy.example", ip="192.0.2.1")
    f = next(f for f in audit.findings if f.id == "spf.too-many-lookups")
    assert f.title == "SPF needs 16/10 DNS lookups"
    assert f.evidence["costs"] == {f"include:p{i}.example": 4 for i in range(4)}
    assert audit.check is not None and str(audit.check.result) == "permerror"
    assert audit.check.lookups == 11  # check_host() itself stops at the 11th


async def test_include_of_missing_domain():
    audit = await _audit("broken-include.example", ip="192.0.2.1")
    assert "spf.include-missing" in ids(audit)
    assert str(audit.check.result) == "permerror"


async def test_json_carries_the_tree():
    audit = await _audit("good.example", ip="198.51.100.20")
    data = json.loads(json.dumps(audit.to_json()))
    assert data["lookups"] == 1
    assert data["tree"]["terms"][0]["record"]["record"] == "v=spf1 ip4:198.51.100.0/24 ~all"
    assert data["check"]["result"] == "pass"


async def test_failed_include_is_reported_once_as_could_not_test():
    audit = await _audit("slow-include.example", ip="192.0.2.1")
    assert ids(audit) == ["spf.lookup-failed"]
    assert "slow.example" in audit.findings[0].detail
    assert str(audit.check.result) == "temperror"
