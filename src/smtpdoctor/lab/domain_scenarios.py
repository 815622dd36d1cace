"""The lab's DNS faults for ``smtpdoctor domain``: data, one entry per finding the in-process lab DNS
server can make (the lab's world, :func:`~smtpdoctor.lab.world.lab_zone`, plus a few records). Faults
that need a signing server (an expired RRSIG, a DS matching no key, a TLSA set that matches no
certificate, TLSA in an unsigned zone under a signed root) are made with Knot and Postfix in the test suite instead (tests/flows/test_domain_*_knot.py,
*_realservers.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from .faults import LAB_DOMAIN
from .https_files import TINY_PS_LOGO, mark_certificate
from .world import lab_zone

__all__ = ["DomainScenario", "DOMAIN_SCENARIOS", "domain_scenario"]

# A DNSKEY as a stripping resolver passes it on: the record without its RRSIG (any valid key will do).
_ROOT_KEY = ("257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eK"
             "GQ==")


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainScenario:
    name: str
    description: str
    domain: str  # what to audit
    records: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)  # added to the world
    expect_finding: str
    # files a lab HTTPS server (lab CA) serves on 127.0.0.1 for this scenario: path -> text, or a function
    # making it when the scenario runs (a certificate that must be expired or valid *now*)
    files: Mapping[str, str | Callable[[], str]] = field(default_factory=dict)
    https_names: tuple[str, ...] = ()

    def file_texts(self) -> dict[str, str]:
        return {path: body() if callable(body) else body for path, body in self.files.items()}

    @property
    def expect_category(self):
        """The report category of the finding the scenario promises (from the catalogue)."""
        from ..core.catalogue import spec

        return spec(self.expect_finding).category

    def zone(self) -> dict:
        zone = lab_zone()
        for owner, rrsets in self.records.items():
            zone.setdefault(owner, {}).update({k: list(v) for k, v in rrsets.items()})
        return zone


D = LAB_DOMAIN
_BIMI = {f"default._bimi.{D}": {"TXT": [f"v=BIMI1; l=https://bimi.{D}/logo.svg; a=https://bimi.{D}/mark.pem"]},
         f"bimi.{D}": {"A": ["127.0.0.1"]}}
_BAD_LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
             'viewBox="0 0 64 64"><title>Lab Brand</title><script>alert(1)</script>'
             '<image xlink:href="https://cdn.example/logo.png" width="64" height="64"/></svg>')
DOMAIN_SCENARIOS: tuple[DomainScenario, ...] = (
    DomainScenario(name="dmarc-obsolete-tags", description="DMARC record still uses pct=, rf=, ri= (RFC 9989 removed them).",
                   domain=f"old.{D}", records={f"_dmarc.old.{D}": {"TXT": [
                       f"v=DMARC1; p=reject; pct=50; rf=afrf; ri=86400; rua=mailto:dmarc@{D}"]}},
                   expect_finding="dmarc.obsolete-tag"),
    DomainScenario(name="dmarc-test-mode", description="DMARC p=reject with t=y: receivers apply quarantine.",
                   domain=f"trial.{D}", records={f"_dmarc.trial.{D}": {"TXT": [
                       f"v=DMARC1; p=reject; t=y; rua=mailto:dmarc@{D}"]}},
                   expect_finding="dmarc.test-mode"),
    DomainScenario(name="dmarc-psd-policy", description="No own DMARC record; a public suffix operator's psd=y "
                   "record above applies (RFC 9989 tree walk).",
                   domain=f"brand.psd.{D}", records={f"_dmarc.psd.{D}": {"TXT": [
                       f"v=DMARC1; p=quarantine; psd=y; rua=mailto:dmarc@{D}"]},
                       f"brand.psd.{D}": {"A": ["192.0.2.25"]}},
                   expect_finding="dmarc.psd-policy"),
    DomainScenario(name="tlsrpt-bad-rua", description="TLS-RPT rua= with a DMARC-style size limit.",
                   domain=D, records={f"_smtp._tls.{D}": {"TXT": [f"v=TLSRPTv1; rua=mailto:tlsrpt@{D}!10m"]}},
                   expect_finding="tlsrpt.invalid"),
    DomainScenario(name="dnssec-stripped", description="The resolver passes DNSKEY records on without their "
                   "signatures: DNSSEC cannot be tested.",
                   domain=D, records={".": {"DNSKEY": [_ROOT_KEY]}}, expect_finding="dnssec.stripped"),
    DomainScenario(name="bimi-logo-not-tiny-ps", description="The BIMI logo is SVG 1.1 with a script and an "
                   "external image, not SVG Tiny PS.",
                   domain=D, records=_BIMI, files={"/logo.svg": _BAD_LOGO,
                                                   "/mark.pem": lambda: mark_certificate("Registered Mark", days=300)},
                   https_names=(f"bimi.{D}",), expect_finding="bimi.logo-not-tiny-ps"),
    DomainScenario(name="bimi-certificate-expired", description="The BIMI mark certificate (a CMC) expired "
                   "three days ago.",
                   domain=D, records=_BIMI, files={"/logo.svg": TINY_PS_LOGO,
                                                   "/mark.pem": lambda: mark_certificate("Prior Use Mark", days=-3)},
                   https_names=(f"bimi.{D}",), expect_finding="bimi.certificate-expired"),
)

_BY_NAME = {s.name: s for s in DOMAIN_SCENARIOS}


def domain_scenario(name: str) -> DomainScenario:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown domain scenario {name!r}; known: {', '.join(_BY_NAME)}") from None
