"""BIMI against real servers: the record and DMARC from a Knot the test starts, the logo and the mark
certificate from a local HTTPS server whose certificate the lab CA issued (trusted as --ca-file does).
The SVG is checked against the SVG Tiny PS rules; the certificate's type (VMC / CMC) and expiry are read."""

from __future__ import annotations

import ssl

import pytest
from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.https_files import LabHttpsFiles, mark_certificate
from smtpdoctor.net.dns import Resolver

GOOD_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 64 64">'
            '<title>Brand</title><circle cx="32" cy="32" r="30" fill="#c00"/></svg>')
BAD_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
           'viewBox="0 0 64 32"><script>alert(1)</script>'
           '<image xlink:href="https://cdn.example/x.png" width="10" height="10"/></svg>')
ENTITY_SVG = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
              '<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 1 1">'
              '<title>&a;</title></svg>')


def https_files(pki, files: dict[str, str], name: str = "bimi.brand.test"):
    """The lab's HTTPS file server, on a loop of its own, with a certificate of the test CA."""
    return in_background(LabHttpsFiles(files, names=(name,), pki=pki))


def zone(dmarc="v=DMARC1; p=reject; rua=mailto:d@brand.test"):
    return {
        "brand.test": {"MX": ["10 mx.brand.test."]}, "mx.brand.test": {"A": ["127.0.0.1"]},
        "bimi.brand.test": {"A": ["127.0.0.1"]},
        "_dmarc.brand.test": {"TXT": [dmarc]},
        "default._bimi.brand.test": {"TXT": ["v=BIMI1; l=https://bimi.brand.test/logo.svg; "
                                             "a=https://bimi.brand.test/mark.pem"]},
    }


@pytest.fixture(scope="module")
def knot(knot_factory):
    return knot_factory(zone(), zones=["test", "brand.test"])


async def audit(knot, pki, files):
    with https_files(pki, files) as (server,):
        context = ssl.create_default_context(cafile=str(pki.ca_file))  # what --ca-file builds
        return await audit_domain(Resolver([knot.address], timeout=2, lifetime=4), "brand.test", https_port=server.port,
                                  ssl_context=context)


async def test_tiny_ps_logo_and_a_valid_vmc(knot, realserver_pki):
    a = await audit(knot, realserver_pki, {"/logo.svg": GOOD_SVG, "/mark.pem": mark_certificate("Registered Mark", days=300)})
    ids = a.ids()
    assert "bimi.logo-ok" in ids and "bimi.certificate-ok" in ids and "bimi.ok" in ids
    cert = next(f for f in a.findings if f.id == "bimi.certificate-ok")
    assert cert.title.startswith("BIMI VMC valid until ")
    assert a.data["bimi"]["logo"]["status"] == 200


async def test_logo_breaking_the_profile_and_an_expired_cmc(knot, realserver_pki):
    a = await audit(knot, realserver_pki, {"/logo.svg": BAD_SVG, "/mark.pem": mark_certificate("Prior Use Mark", days=-3)})
    logo = next(f for f in a.findings if f.id == "bimi.logo-not-tiny-ps")
    problems = logo.evidence["problems"]
    assert any("version is '1.1'" in p for p in problems)
    assert any("baseProfile" in p for p in problems)
    assert any("not square (viewBox 64 x 32)" in p for p in problems)
    assert any("<title>" in p for p in problems)
    assert any("<script>" in p for p in problems)
    assert any("external reference" in p and "cdn.example" in p for p in problems)
    assert next(f for f in a.findings if f.id == "bimi.certificate-expired").title.startswith("The BIMI CMC expired on")
    assert "bimi.ok" not in a.ids()


async def test_entities_are_refused_and_a_tls_certificate_is_not_a_mark(knot, realserver_pki):
    a = await audit(knot, realserver_pki, {"/logo.svg": ENTITY_SVG,
                                           "/mark.pem": mark_certificate("Registered Mark", days=300, bimi_usage=False)})
    logo = next(f for f in a.findings if f.id == "bimi.logo-not-tiny-ps")
    assert "DTD or entities" in logo.title
    assert "bimi.certificate-not-mark" in a.ids()


async def test_missing_files_are_unreachable(knot, realserver_pki):
    a = await audit(knot, realserver_pki, {})
    logo = next(f for f in a.findings if f.id == "bimi.logo-unreachable")
    assert "HTTP 404" in logo.detail
    assert "bimi.certificate-unreachable" in a.ids()


async def test_dmarc_must_be_enforced_at_100_percent(knot_factory, realserver_pki):
    weak = knot_factory(zone("v=DMARC1; p=none; rua=mailto:d@brand.test"), zones=["test", "brand.test"])
    a = await audit(weak, realserver_pki, {"/logo.svg": GOOD_SVG, "/mark.pem": mark_certificate("Registered Mark", days=300)})
    f = next(f for f in a.findings if f.id == "bimi.dmarc-too-weak")
    assert "none" in f.title
