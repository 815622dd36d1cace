"""Inputs: every bad one is refused with one clear message before any query is sent."""

from __future__ import annotations

import pytest

from smtpdoctor.core.dnsbl_targets import BadInput, MAX_TARGETS, parse_inputs, parse_target, query_key
from smtpdoctor.core.dnsbl_zones import Kind


def test_ipv4_key_reverses_octets():
    (t,) = parse_target("192.0.2.99")
    assert t.kind is Kind.IPV4 and t.key == "99.2.0.192"


def test_ipv6_key_is_rfc5782_nibbles():
    # RFC 5782 section 2.4's example.
    (t,) = parse_target("2001:db8:1:2:3:4:567:89ab")
    assert t.kind is Kind.IPV6
    assert t.key == "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"


def test_ipv4_mapped_ipv6_is_looked_up_as_ipv4():
    (t,) = parse_target("::ffff:192.0.2.7")
    assert t.kind is Kind.IPV4 and t.value == "192.0.2.7"


def test_domain_is_lower_cased_and_idna_encoded():
    assert parse_target("Example.COM.")[0].value == "example.com"
    assert parse_target("bücher.example")[0].value == "xn--bcher-kva.example"
    assert query_key("example.com", Kind.DOMAIN) == "example.com"


def test_slash_24_expands_to_256_addresses_in_order():
    targets = parse_target("192.0.2.0/24")
    assert len(targets) == 256
    assert targets[0].value == "192.0.2.0" and targets[-1].value == "192.0.2.255"
    assert {t.source for t in targets} == {"192.0.2.0/24"}


def test_slash_120_ipv6_expands_to_256():
    assert len(parse_target("2001:db8::/120")) == 256


def test_host_bits_in_a_range_are_accepted():
    assert len(parse_target("192.0.2.77/30")) == 4


@pytest.mark.parametrize("text, words", [
    ("999.1.1.1", "0 to 255"),
    ("1.2.3", "3 parts"),
    ("1.2.3.4.5", "5 parts"),
    ("fe80::1%eth0", "zone index"),
    ("10.0.0.0/8", "/24"),
    ("192.0.2.0/23", "512 addresses"),
    ("2001:db8::/64", "/120"),
    ("exa mple.com", "spaces"),
    ("localhost", "not an IP address"),
    ("-bad-.example", "not an IP address"),
    ("2001:db8::zz", "IPv6"),
    ("192.0.2.0/33", "CIDR"),
    ("", "empty"),
    ("x" * 400, "characters"),
])
def test_bad_inputs_get_one_clear_message(text, words):
    with pytest.raises(BadInput) as info:
        parse_target(text)
    message = str(info.value)
    assert words in message
    assert "\n" not in message


def test_file_lines_skip_comments_and_blanks_and_name_the_bad_line():
    text = "# my servers\n192.0.2.1\n\n  example.com  # the domain\n999.1.1.1\n"
    with pytest.raises(BadInput) as info:
        parse_inputs([], [("hosts.txt", text)])
    assert str(info.value).startswith("hosts.txt, line 5:")
    good = parse_inputs(["198.51.100.1"], [("hosts.txt", text.replace("999.1.1.1", ""))])
    assert [t.value for t in good] == ["198.51.100.1", "192.0.2.1", "example.com"]


def test_empty_file_is_an_error():
    with pytest.raises(BadInput, match="holds no addresses"):
        parse_inputs([], [("empty.txt", "# only a comment\n\n")])


def test_nothing_at_all_is_an_error():
    with pytest.raises(BadInput, match="nothing to look up"):
        parse_inputs([])


def test_too_many_addresses_in_one_run_is_refused():
    lines = "\n".join(f"10.{i // 256}.{i % 256}.0/24" for i in range(MAX_TARGETS // 256 + 2))
    with pytest.raises(BadInput, match="more than"):
        parse_inputs([], [("big.txt", lines)])
