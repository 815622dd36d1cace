"""What the catalogue tells users agrees with the field notes (../shared/reference/field-notes.md): RFC 9989
(May 2026) obsoletes RFC 7489 and removes pct, rf and ri; who requires what of senders is said no wider
than the providers say it."""

from __future__ import annotations

import re

from smtpdoctor.core import catalogue


def _text(fid: str, **params) -> str:
    f = catalogue.make(fid, **params)
    return " ".join((f.title, f.detail, *f.remedy))


def test_bimi_does_not_advise_a_removed_tag_as_the_default():
    text = _text("bimi.dmarc-too-weak", policy="quarantine", pct=50)
    assert "(the default)" not in text and "with pct=100" not in text
    assert "RFC 9989" in text and "remove pct=" in text


def test_dmarc_valid_tags_are_rfc_9989s():
    remedy = catalogue.make("dmarc.unknown-tag", name="_dmarc.shop.example", tags="rue").remedy[0]
    valid = remedy.split("Valid tags (RFC 9989):", 1)[1].split(";", 1)[0]
    tags = set(re.findall(r"\b[a-z]+\b", valid))
    assert tags == {"v", "p", "sp", "np", "adkim", "aspf", "fo", "rua", "ruf", "psd", "t"}
    assert "removed" in remedy


def test_dmarc_findings_cite_the_current_rfcs():
    for fid, params in (("dmarc.several-records", {"count": 2, "name": "_dmarc.shop.example"}),
                        ("dmarc.external-unauthorized", {"destination": "r.example", "name": "n",
                                                         "policy_domain": "shop.example"})):
        text = _text(fid, **params)
        assert re.search(r"RFC 99(89|90|91)", text), text
        assert not re.search(r"\(RFC 7489 §[\d.]+\)", text), text  # not cited alone, as if current


def test_provider_requirements_are_said_no_wider_than_the_providers_say():
    weak = _text("dkim.key-weak", selector="s", bits=512)
    assert "Yahoo" not in weak and "Microsoft" not in weak  # only Gmail publishes a key-size rule
    assert "Gmail requires at least 1024 bits" in weak
    missing = _text("ptr.missing", ip="192.0.2.1", outcome="NXDOMAIN")
    assert "Microsoft" not in missing  # Microsoft publishes no PTR rule
    assert "Gmail" in missing and "Yahoo of bulk senders" in missing
    assert "bulk senders" in _text("ptr.generic", ip="192.0.2.1", name="n", reason="r")
