"""The record edits that SPF fixes suggest (issue 20)."""

import pytest

from smtpdoctor.protocol.spf.edit import add_mechanism, mechanism_for_ip, merge_records
from smtpdoctor.protocol.spf.record import parse


def test_mechanism_for_an_address():
    assert mechanism_for_ip("203.0.113.9") == "ip4:203.0.113.9"
    assert mechanism_for_ip("2001:DB8:0::1") == "ip6:2001:db8::1"
    with pytest.raises(ValueError):
        mechanism_for_ip("not an address")


@pytest.mark.parametrize("record, expected", [
    ("v=spf1 include:_spf.google.com -all", "v=spf1 include:_spf.google.com ip4:203.0.113.9 -all"),
    ("v=spf1 mx ~all", "v=spf1 mx ip4:203.0.113.9 ~all"),
    ("v=spf1 a redirect=_spf.example.net", "v=spf1 a ip4:203.0.113.9 redirect=_spf.example.net"),
    ("v=spf1 mx", "v=spf1 mx ip4:203.0.113.9"),
    ("v=spf1 ip4:203.0.113.9 -all", "v=spf1 ip4:203.0.113.9 -all"),
])
def test_add_mechanism_before_the_all(record, expected):
    out = add_mechanism(record, "ip4:203.0.113.9")
    assert out == expected
    parse(out)  # still a valid record


def test_merge_two_records_into_one():
    merged = merge_records(["v=spf1 include:_spf.google.com ~all", "v=spf1 include:sendgrid.net ip4:192.0.2.1 -all"])
    assert merged == "v=spf1 include:_spf.google.com include:sendgrid.net ip4:192.0.2.1 ~all"
    parse(merged)


def test_merge_keeps_one_of_each_and_the_same_ending():
    merged = merge_records(["v=spf1 mx a -all", "v=spf1 MX include:x.example -all exp=why.example"])
    assert merged == "v=spf1 mx a include:x.example -all exp=why.example"
    assert merge_records(["v=spf1 mx", "v=spf1 redirect=_spf.example.net"]) == "v=spf1 mx redirect=_spf.example.net"
