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
