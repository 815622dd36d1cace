from smtpdoctor.core.observations import Outcome
from smtpdoctor.judge.dns.facts import HostAddresses
from smtpdoctor.judge.dns.mx import check_mx, parse_mx

from support.dns_zones import answer


def hosts(**addrs):
    out = {}
    for host, value in addrs.items():
        host = host.replace("_", ".")
        if isinstance(value, Outcome):
            a = answer(host, "A", outcome=value)
            aaaa = answer(host, "AAAA", outcome=value)
        else:
            a = answer(host, "A", *value[0], canonical_name=value[1] if len(value) > 1 else None)
            aaaa = answer(host, "AAAA")
        out[host] = HostAddresses(host=host, a=a, aaaa=aaaa)
    return out


def ids(findings):
    return [f.id for f in findings]


def test_good_mx_is_ok():
    mx = answer("d.test", "MX", "10 mx1.d.test.", "20 mx2.d.test.")
    found = check_mx("d.test", mx, hosts(mx1_d_test=(["192.0.2.1"],), mx2_d_test=(["192.0.2.2"],)))
    assert ids(found) == ["mx.ok"]


def test_parse_sorts_by_preference_and_null_mx():
    mx = answer("d.test", "MX", "20 b.d.test.", "10 a.d.test.")
    assert [r.host for r in parse_mx(mx)] == ["a.d.test", "b.d.test"]


def test_null_mx_and_mixed_null_mx():
    assert ids(check_mx("d.test", answer("d.test", "MX", "0 ."), {})) == ["mx.null"]
    mixed = check_mx("d.test", answer("d.test", "MX", "0 .", "10 mx.d.test."), hosts(mx_d_test=(["192.0.2.1"],)))
    assert "mx.null-mixed" in ids(mixed)


def test_no_mx_with_and_without_address():
    own = HostAddresses(host="d.test", a=answer("d.test", "A", "192.0.2.9"), aaaa=answer("d.test", "AAAA"))
    assert ids(check_mx("d.test", answer("d.test", "MX"), {}, domain_addresses=own)) == ["mx.implicit"]
    none = HostAddresses(host="d.test", a=answer("d.test", "A"), aaaa=answer("d.test", "AAAA"))
    assert ids(check_mx("d.test", answer("d.test", "MX"), {}, domain_addresses=none)) == ["mx.missing"]


def test_nxdomain_is_domain_does_not_exist():
    assert ids(check_mx("d.test", answer("d.test", "MX", outcome=Outcome.NXDOMAIN), {})) == ["domain.nxdomain"]


def test_timeout_is_could_not_test_never_missing():
    found = check_mx("d.test", answer("d.test", "MX", outcome=Outcome.TIMEOUT), {})
    assert ids(found) == ["mx.lookup-failed"]
    assert "Could not test" in found[0].title


def test_target_problems():
    mx = answer("d.test", "MX", "10 a.d.test.", "10 a.d.test.", "20 192.0.2.7.", "30 c.d.test.", "40 p.d.test.",
                "50 f.d.test.")
    found = check_mx("d.test", mx, hosts(a_d_test=(["192.0.2.1"], "real.d.test"), c_d_test=([],),
                                           p_d_test=(["10.1.2.3"],), f_d_test=Outcome.SERVFAIL))
    got = ids(found)
    assert "mx.duplicate" in got
    assert "mx.ip-literal" in got
    assert "mx.cname" in got
    assert "mx.no-address" in got
    assert "mx.private-address" in got
    assert "mx.lookup-failed" in got  # f.d.test: SERVFAIL is "could not test", not "no address"
    assert next(f for f in found if f.id == "mx.no-address").evidence["host"] == "c.d.test"


def test_forty_mx_records_is_an_info_finding():
    records = [f"{i} mx{i}.d.test." for i in range(40)]
    addrs = hosts(**{f"mx{i}_d_test": ([f"192.0.2.{i + 1}"],) for i in range(40)})
    found = check_mx("d.test", answer("d.test", "MX", *records), addrs)
    many = next(f for f in found if f.id == "mx.many")
    assert many.evidence["count"] == 40
    assert "mx.ok" in ids(found)


def test_no_mx_and_failed_address_lookup_is_could_not_test():
    own = HostAddresses(host="d.test", a=answer("d.test", "A", outcome=Outcome.TIMEOUT),
                        aaaa=answer("d.test", "AAAA"))
    assert ids(check_mx("d.test", answer("d.test", "MX"), {}, domain_addresses=own)) == ["mx.lookup-failed"]
