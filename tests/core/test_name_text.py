"""core/name_text.py: core.names' rules on plain text, importable without data classes or typing (what a
command's first DNS questions are named with, issue 16), and the same rules as core.names."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from smtpdoctor.core import name_text, names
from smtpdoctor.protocol import dmarc, dmarc_walk


def test_core_names_reexports_the_same_rules():
    for attr in ("BadName", "BadDomain", "to_alabels", "dns_name", "parent_names", "parse_nameserver", "reverse_name"):
        assert getattr(names, attr) is getattr(name_text, attr), attr
    assert dmarc.tree_walk is dmarc_walk.tree_walk and dmarc.MAX_WALK == dmarc_walk.MAX_WALK == 8


@pytest.mark.parametrize("text", ["Example.COM.", "bücher.de", "a.b.example.co.uk", " mail.example.org "])
def test_domain_parts_are_what_normalise_domain_records(text):
    domain = names.normalise_domain(text)
    assert name_text.domain_parts(text) == (domain.name, domain.unicode, domain.changes)
    assert domain.given == text


@pytest.mark.parametrize("text", ["", "user@example.com", "https://example.com/", "192.0.2.1", "a..b", "localhost",
                                  "example.123", "exa_mple.com", "x" * 64 + ".com"])
def test_bad_domains_raise_the_same_line(text):
    with pytest.raises(names.BadDomain) as full:
        names.normalise_domain(text)
    with pytest.raises(name_text.BadDomain) as plain:
        name_text.domain_parts(text)
    assert str(plain.value) == str(full.value)


def test_importing_the_plain_rules_builds_no_data_class_and_loads_no_typing():
    code = ("import sys, json; import smtpdoctor.core.name_text, smtpdoctor.protocol.dmarc_walk; "
            "print(json.dumps([m for m in ('dataclasses', 'typing', 'pathlib', 'smtpdoctor.core.names', "
            "'smtpdoctor.core.observations', 'smtpdoctor.protocol.dmarc') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == []


def test_the_tlsa_name_is_the_one_protocol_dane_gives():
    from smtpdoctor.protocol import dane

    assert dane.tlsa_name is name_text.tlsa_name
    assert name_text.tlsa_name("mx.example.com") == "_25._tcp.mx.example.com"
    assert name_text.tlsa_name("mx.example.com", 465) == "_465._tcp.mx.example.com"


def _takes(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", ["192.0.2.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3",
                                  "1.2.3.4.5", "1..3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.\u0661", "::1", "[::1]",
                                  "2001:db8::1", "::ffff:192.0.2.1", "fe80::1%eth0", "example.com", "", "1234"])
def test_is_ip_address_is_what_ipaddress_takes(text):
    assert name_text.is_ip_address(text) is _takes(text)


def test_is_ip_address_agrees_with_ipaddress_on_short_strings():
    """Every string of up to 4 characters of an address-like alphabet, and dotted quads of such parts."""
    import itertools

    alphabet = "019.:a "
    for n in range(5):
        for chars in itertools.product(alphabet, repeat=n):
            text = "".join(chars)
            assert name_text.is_ip_address(text) is _takes(text), text
    parts = ["0", "00", "1", "01", "9", "99", "255", "256", "999", "1000", "", "a", "\u0661", "2 "]
    for quad in itertools.product(parts, repeat=4):
        text = ".".join(quad)
        assert name_text.is_ip_address(text) is _takes(text), text


def test_the_name_rules_load_ipaddress_only_for_a_colon_or_a_ptr_name():
    code = ("import sys; from smtpdoctor.core import name_text as t; "
            "t.domain_parts('example.com'); t.parse_nameserver('192.0.2.1:5353'); t.is_ip_address('192.0.2.1'); "
            "a = 'ipaddress' in sys.modules; t.parse_nameserver('[::1]:53'); print(a, 'ipaddress' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "True"]
