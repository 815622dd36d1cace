"""Macro parsing and expansion (RFC 7208 section 7), including the RFC's own examples (7.4)."""

from __future__ import annotations

import ipaddress

import pytest

from smtpdoctor.protocol.spf.macro import EXP_LETTERS, MacroContext, MacroSyntaxError, expand, parse_macro_string

CTX4 = MacroContext(sender="strong-bad@email.example.com", domain="email.example.com",
                    ip=ipaddress.ip_address("192.0.2.3"), helo="mx.example.org", receiver="mx.example.net",
                    timestamp=1700000000, validated="mail.example.com")
CTX6 = MacroContext(sender="strong-bad@email.example.com", domain="email.example.com",
                    ip=ipaddress.ip_address("2001:db8::cb01"), helo="mx.example.org")


def x(text: str, ctx: MacroContext = CTX4, letters=EXP_LETTERS) -> str:
    return expand(parse_macro_string(text, letters=letters, allow_space=True), ctx)


@pytest.mark.parametrize(("macro", "expansion"), [
    ("%{s}", "strong-bad@email.example.com"),
    ("%{o}", "email.example.com"),
    ("%{d}", "email.example.com"),
    ("%{d4}", "email.example.com"),
    ("%{d3}", "email.example.com"),
    ("%{d2}", "example.com"),
    ("%{d1}", "com"),
    ("%{dr}", "com.example.email"),
    ("%{d2r}", "example.email"),
    ("%{l}", "strong-bad"),
    ("%{l-}", "strong.bad"),
    ("%{lr}", "strong-bad"),
    ("%{lr-}", "bad.strong"),
    ("%{l1r-}", "strong"),
    ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
    ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
    ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
    ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
    ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
])
def test_rfc7208_section_7_4_examples(macro, expansion):
    assert x(macro) == expansion


def test_rfc7208_ipv6_example_nibbles():
    # The RFC prints the nibbles in lower case; the reference implementations and the RFC 7208 test
    # suite (v-macro-ip6) use upper case. DNS names compare case-insensitively, so both name the same.
    got = x("%{ir}.%{v}._spf.%{d2}", CTX6)
    assert got == "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"
    assert x("%{c}", CTX6) == "2001:db8::cb01"


def test_exp_only_letters_and_escapes():
    assert x("%{c} %{r} %{t} %{p} %{h}") == "192.0.2.3 mx.example.net 1700000000 mail.example.com mx.example.org"
    assert x("a%%b%_c%-d") == "a%b c%20d"


def test_upper_case_letters_are_url_escaped():
    ctx = MacroContext(sender="~jack&jill=up-a_b3.c@e8.example.com", domain="e8.example.com",
                       ip=ipaddress.ip_address("192.0.2.1"), helo="h")
    assert x("%{L}", ctx) == "~jack%26jill%3Dup-a_b3.c"
    assert x("%{l}", ctx) == "~jack&jill=up-a_b3.c"


def test_several_delimiters():
    ctx = MacroContext(sender="foo-bar+zip+quux@e12.example.com", domain="e12.example.com",
                       ip=ipaddress.ip_address("1.2.3.4"), helo="h")
    assert x("%{l2r+-}", ctx) == "bar.foo"


@pytest.mark.parametrize(("text", "offset"), [("%(ir)", 0), ("foo%.x", 3), ("x%", 1), ("%{d0}", 0),
                                              ("%{x}", 0), ("a b", 1)])
def test_syntax_errors_have_offsets(text, offset):
    with pytest.raises(MacroSyntaxError) as info:
        parse_macro_string(text)
    assert info.value.offset == offset


def test_c_r_t_rejected_outside_explanations():
    with pytest.raises(MacroSyntaxError, match="explanation text only"):
        parse_macro_string("%{r}.example.com")
