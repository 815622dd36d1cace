"""The sans-I/O SPF record parser: terms, their fields, and syntax errors with positions."""

from __future__ import annotations

import ipaddress

import pytest

from smtpdoctor.protocol.spf.record import Mechanism, Modifier, Qualifier, SpfSyntaxError, parse
from smtpdoctor.protocol.spf.record import is_spf_record, select_records


def test_terms_in_order_with_positions_and_qualifiers():
    rec = parse("v=spf1 ip4:192.0.2.0/24 -include:_spf.example.net ~mx:mail.example.com/28//64 ?all")
    kinds = [(t.name, t.qualifier, t.position) for t in rec.mechanisms]
    assert kinds == [("ip4", Qualifier.PASS, 7), ("include", Qualifier.FAIL, 24),
                     ("mx", Qualifier.SOFTFAIL, 50), ("all", Qualifier.NEUTRAL, 78)]
    ip4, inc, mx, _ = rec.mechanisms
    assert ip4.network == ipaddress.ip_network("192.0.2.0/24")
    assert inc.domain_spec_text == "_spf.example.net"
    assert (mx.domain_spec_text, mx.cidr4, mx.cidr6) == ("mail.example.com", 28, 64)
    assert rec.all_mechanism is rec.mechanisms[-1]


def test_version_is_case_insensitive_and_must_end_in_space_or_end():
    assert is_spf_record(b"V=SpF1 -all") and is_spf_record("v=spf1")
    assert not is_spf_record("v=spf10 -all") and not is_spf_record("v=spf1-all")
    assert select_records([b"google-site-verification=x", b"v=spf1 -all"]) == [b"v=spf1 -all"]


def test_extra_spaces_and_trailing_space_are_allowed():
    assert [m.text for m in parse("v=spf1 a  -all ").mechanisms] == ["a", "-all"]


def test_modifiers_redirect_exp_and_unknown():
    rec = parse("v=spf1 moo.cow-far_out=man:dog/cat redirect=_spf.example.com exp=explain.%{d}")
    assert rec.redirect is not None and rec.redirect.value == "_spf.example.com"
    assert rec.exp is not None and rec.exp.value == "explain.%{d}"
    assert [m.name for m in rec.unknown_modifiers] == ["moo.cow-far_out"]
    assert all(isinstance(t, Modifier) for t in rec.terms)


def test_lookup_terms_counts_redirect_only_without_all():
    assert parse("v=spf1 a mx ptr exists:%{i}.x.example include:a.example ip4:192.0.2.1 redirect=b.example").lookup_terms == 6
    assert parse("v=spf1 a redirect=b.example -all").lookup_terms == 1


def test_ip6_and_dual_cidr_defaults():
    rec = parse("v=spf1 ip6:2001:db8::/32 a//0 a/0")
    ip6, a6, a4 = rec.mechanisms
    assert ip6.network == ipaddress.ip_network("2001:db8::/32")
    assert (a6.cidr4, a6.cidr6) == (32, 0)
    assert (a4.cidr4, a4.cidr6) == (0, 128)


def test_domain_spec_may_hold_colon_and_slash():
    mech = parse("v=spf1 a:foo:bar/baz.example.com").mechanisms[0]
    assert mech.domain_spec_text == "foo:bar/baz.example.com" and mech.cidr4 == 32


@pytest.mark.parametrize(("record", "position", "words"), [
    ("v=spf1 ip4:1.2.3.4 -all moo", 24, "unknown mechanism 'moo'"),
    ("v=spf1 -all.", 8, "unknown mechanism 'all.'"),
    ("v=spf1 -all:foobar", 11, "'all' takes no argument"),
    ("v=spf1 ip4:1.2.3.4/33", 19, "bad prefix length '/33'"),
    ("v=spf1 ip4:1.2.3.4/032", 19, "bad prefix length '/032'"),
    ("v=spf1 ip4:1.2.3", 11, "not an IPv4 address"),
    ("v=spf1 ip6::CAFE::BABE", 11, "not an IPv6 address"),
    ("v=spf1 a:abc.123", 9, "not a domain name"),
    ("v=spf1 a:example.com:8080", 9, "not a domain name"),
    ("v=spf1 include:", 14, "'include' needs ':' and a domain"),
    ("v=spf1 exists:%(ir).sbl.example.com", 14, "'%' must be followed by"),
    ("v=spf1 a:%{a}.example.com", 9, "not a macro letter"),
    ("v=spf1 -all exp=%{r}.example.com", 16, "explanation text only"),
    ("v=spf1 exp=a.example exp=b.example", 21, "'exp' appears twice"),
    ("v=spf1 redirect:t2.example.com", 7, "'redirect' is a modifier"),
    ("v=spf1 1up=foo", 7, "neither a mechanism nor a modifier"),
    ("v=spf1 a:ctrl.example.com\rptr -all", 25, "not allowed"),
    ("v=spf1 exp=", 11, "'exp=' needs a domain"),
    ("spf1 -all", 0, "must start with 'v=spf1'"),
])
def test_syntax_errors_say_where(record, position, words):
    with pytest.raises(SpfSyntaxError) as info:
        parse(record)
    assert info.value.position == position
    assert words in info.value.message


def test_non_ascii_bytes_are_a_syntax_error_at_their_offset():
    with pytest.raises(SpfSyntaxError) as info:
        parse("v=spf1 a:example.net \x96all".encode("latin-1"))
    assert info.value.position == 21


def test_valid_odd_records():
    assert parse("v=spf1 default=+").unknown_modifiers[0].value == "+"
    assert parse("v=spf1 a:foo.example.xn--zckzah -all").mechanisms[0].domain_spec_text == "foo.example.xn--zckzah"
    assert parse("v=spf1 a:mail.example...com -all")  # valid syntax; the name is checked at evaluation
    assert parse("v=spf1 exists:%{l}.%{d}").mechanisms[0].counts_lookup


def test_mechanism_is_frozen():
    mech = parse("v=spf1 a").mechanisms[0]
    assert isinstance(mech, Mechanism)
    with pytest.raises(AttributeError):
        mech.name = "mx"  # type: ignore[misc]
