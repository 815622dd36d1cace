"""collapse_resolver_failures: one resolver failure, said once (issue 20)."""

from smtpdoctor.core.catalogue import make
from smtpdoctor.judge.resolver import collapse_resolver_failures


def _dnsbl(value, zones):
    return make("dnsbl.untested", value=value, count=len(zones), cause="the DNS resolver is the common cause",
                detail="x", evidence={"value": value, "zones": {z: "failed" for z in zones}})


def test_repeated_resolver_failures_become_one_in_the_guides_order():
    findings = [_dnsbl("203.0.113.9", ["a.test", "b.test"]), make("domain.resolver-broken", domain="example.com"),
                make("host.resolver-broken", host="smtp.example.com"),
                make("connection.ok", host="h", port=587, mode="STARTTLS")]
    out = collapse_resolver_failures(findings)
    assert [f.id for f in out] == ["host.resolver-broken", "connection.ok"]
    assert out[0].evidence["also_untested"] == ["dnsbl.untested", "domain.resolver-broken"]
    assert "203.0.113.9" in out[0].detail and out[0].untested


def test_one_failure_or_a_single_list_is_left_alone():
    single = [make("host.resolver-broken", host="smtp.example.com"), _dnsbl("203.0.113.9", ["a.test"])]
    assert collapse_resolver_failures(single) == single
