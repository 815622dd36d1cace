import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.judge.dns.facts import HostAddresses
from smtpdoctor.judge.dns.ptr import check_ptr, looks_generic

from support.dns_zones import answer

IP = "192.0.2.25"
REV = "25.2.0.192.in-addr.arpa"


def fwd(name, *addrs, outcome=None):
    return {name: HostAddresses(host=name, a=answer(name, "A", *addrs, outcome=outcome),
                                aaaa=answer(name, "AAAA", outcome=outcome))}


def ids(findings):
    return [f.id for f in findings]


def test_confirmed_ptr_is_ok():
    found = check_ptr(IP, answer(REV, "PTR", "mail.good.test."), fwd("mail.good.test", IP))
    assert ids(found) == ["ptr.ok"]


def test_missing_ptr():
    assert ids(check_ptr(IP, answer(REV, "PTR", outcome=Outcome.NXDOMAIN), {})) == ["ptr.missing"]


def test_ptr_timeout_is_could_not_test():
    assert ids(check_ptr(IP, answer(REV, "PTR", outcome=Outcome.TIMEOUT), {})) == ["ptr.lookup-failed"]


def test_not_confirming_ptr():
    found = check_ptr(IP, answer(REV, "PTR", "mail.good.test."), fwd("mail.good.test", "192.0.2.99"))
    assert ids(found) == ["ptr.not-confirmed"]
    assert "192.0.2.99" in found[0].title or "192.0.2.99" in found[0].detail


def test_forward_lookup_failure_is_not_a_verdict():
    found = check_ptr(IP, answer(REV, "PTR", "mail.good.test."), fwd("mail.good.test", outcome=Outcome.SERVFAIL))
    assert ids(found) == ["ptr.lookup-failed"]


@pytest.mark.parametrize("name", [
    "192-0-2-25.dynamic.isp.example", "25.2.0.192.customers.isp.example", "dsl-pool-77.isp.example",
    "ec2-192-0-2-25.compute-1.amazonaws.com", "c000021900.isp.example",
])
def test_generic_names(name):
    assert looks_generic(name, IP)


@pytest.mark.parametrize("name", ["mail.good.test", "mx1.example.com", "smtp-out.example.org"])
def test_non_generic_names(name):
    assert looks_generic(name, IP) is None


def test_generic_and_helo_banner_mismatch():
    name = "192-0-2-25.dynamic.isp.example"
    found = check_ptr(IP, answer(REV, "PTR", name + "."), fwd(name, IP), helo="mail.good.test",
                      banner_name=name.upper())
    assert ids(found) == ["ptr.generic", "ptr.helo-mismatch"]  # the banner matches, case-insensitively


def test_several_ptr_records():
    found = check_ptr(IP, answer(REV, "PTR", "a.good.test.", "b.good.test."),
                      {**fwd("a.good.test", IP), **fwd("b.good.test", IP)})
    assert "ptr.several" in ids(found)


def test_helo_mismatch_keeps_the_fcrdns_verdict():
    found = check_ptr(IP, answer(REV, "PTR", "mail.good.test."), fwd("mail.good.test", IP), helo="other.test")
    assert ids(found) == ["ptr.helo-mismatch", "ptr.ok"]
