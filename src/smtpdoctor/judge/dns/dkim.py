"""DKIM checks (RFC 6376): the selector discovery list, and what the keys found mean for delivery (key
size, ``t=y`` testing mode, revoked keys, syntax problems). Pure: DNS answers in, keys and findings out.
The record parser is :mod:`smtpdoctor.protocol.dkim`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from ...core import catalogue
from ...core.observations import DnsResult, Outcome
from ...core.model import Finding, Severity
from .facts import could_not_test
from ...core.dkim_selectors import selector_providers

if TYPE_CHECKING:
    from ...protocol.dkim import DkimKey

__all__ = ["trusted_node", "discover_more", "selector_providers", "parse_key_record", "check_dkim",
           "WEAK_BITS", "MIN_GOOD_BITS"]

WEAK_BITS = 1024  # below: error (Gmail, Yahoo and Microsoft ignore or reject such signatures)
MIN_GOOD_BITS = 2048  # 1024 works today but is a warning (RFC 8301 recommends 2048)


def parse_key_record(selector: str, record: str) -> DkimKey:
    """:func:`smtpdoctor.protocol.dkim.parse_key_record`, imported with the first TXT record at a selector: an
    audit that finds none (no answer, a resolver that refuses) never builds the parser's four data classes
    (issue 16)."""
    from ...protocol.dkim import parse_key_record as parse

    return parse(selector, record)



def trusted_node(node: DnsResult, answers: Sequence[DnsResult]) -> DnsResult | None:
    """The ``_domainkey.<domain>`` answer, or None when it cannot be trusted: an NXDOMAIN there while a
    name below it exists (a selector answered something else) means the server breaks RFC 8020."""
    if node.outcome is Outcome.NXDOMAIN and any(a.outcome is not Outcome.NXDOMAIN for a in answers):
        return None
    return node


def discover_more(node: DnsResult | None, first_round: Mapping[str, DnsResult]) -> bool:
    """Ask the rest of the selectors? Not when round one (given and first-tier selectors) found a key,
    nor when nothing exists below ``_domainkey`` (NXDOMAIN, trusted)."""
    if node is not None and node.outcome is Outcome.NXDOMAIN:
        return False
    return not any(parse_key_record(s, rec).is_dkim for s, a in first_round.items() for rec in a.records)


def check_dkim(
    domain: str,
    answers: Mapping[str, DnsResult],
    *,
    given: Sequence[str] = (),
    domainkey_node: DnsResult | None = None,
) -> tuple[tuple[Finding, ...], tuple[DkimKey, ...]]:
    """``answers`` maps each selector asked to its TXT answer; ``given`` are the user's selectors (whose
    absence is an error, where a discovered selector's absence means nothing); ``domainkey_node`` is the
    answer for ``_domainkey.<domain>`` (NXDOMAIN there means no key exists below it, RFC 8020)."""
    findings: list[Finding] = []
    keys: list[DkimKey] = []
    given_set = {s.lower() for s in given}
    failed: list[DnsResult] = []
    for selector, result in answers.items():
        explicit = selector in given_set
        where = f"{selector}._domainkey.{domain}"
        if result.outcome.is_failure:
            failed.append(result)
            if explicit:
                findings.append(could_not_test("dkim", f"the DKIM key of selector {selector}", result))
            continue
        records = [parse_key_record(selector, r) for r in result.records]
        dkim_records = [k for k in records if k.is_dkim]
        if not dkim_records:
            if explicit:
                if records:
                    findings.append(catalogue.make("dkim.syntax", selector=selector, name=where,
                                                   problems="the TXT record there is not a DKIM key record",
                                                   evidence={"records": [k.record for k in records]}))
                else:
                    findings.append(catalogue.make("dkim.selector-missing", selector=selector, name=where,
                                                   outcome=str(result.outcome).upper()))
            continue
        if len(dkim_records) > 1:
            findings.append(catalogue.make("dkim.several-records", selector=selector, name=where,
                                           count=len(dkim_records)))
        for key in dkim_records:
            keys.append(key)
            findings.extend(_judge_key(key, where, explicit=explicit))
    if failed and not keys:
        if not any(f.id == "dkim.lookup-failed" for f in findings):
            findings.append(could_not_test("dkim", f"{len(failed)} DKIM selector(s)", failed[0]))
    usable = [k for k in keys if not k.revoked and not k.key_error]
    if not usable and not given_set and not failed:
        asked = len(answers)
        if domainkey_node is not None and domainkey_node.outcome is Outcome.NXDOMAIN:
            findings.append(catalogue.make("dkim.none-published", domain=domain, count=asked))
        else:
            findings.append(catalogue.make("dkim.not-found", domain=domain, count=asked))
    return tuple(findings), tuple(keys)


def _judge_key(key: DkimKey, where: str, *, explicit: bool) -> list[Finding]:
    out: list[Finding] = []
    sel = key.selector
    if key.problems:
        out.append(catalogue.make("dkim.syntax", selector=sel, name=where, problems="; ".join(key.problems),
                                  evidence={"record": key.record[:512], "problems": list(key.problems)}))
    if key.revoked:
        out.append(catalogue.make("dkim.revoked", selector=sel, name=where,
                                  severity=None if explicit else Severity.INFO))
        return out
    if key.key_error:
        out.append(catalogue.make("dkim.key-invalid", selector=sel, name=where, reason=key.key_error))
        return out
    if key.services and not ({"*", "email"} & set(key.services)):
        out.append(catalogue.make("dkim.service-not-email", selector=sel, services=":".join(key.services)))
    if key.hashes and "sha256" not in key.hashes:
        out.append(catalogue.make("dkim.sha1-only", selector=sel))
    if key.testing:
        out.append(catalogue.make("dkim.testing", selector=sel, name=where))
    if key.bits is not None and key.key_type == "rsa":
        if key.bits < WEAK_BITS:
            out.append(catalogue.make("dkim.key-weak", selector=sel, bits=key.bits, name=where))
        elif key.bits < MIN_GOOD_BITS:
            out.append(catalogue.make("dkim.key-1024", selector=sel, bits=key.bits, name=where))
    if not any(f.severity.rank >= 2 for f in out):
        out.append(catalogue.make("dkim.key-ok", selector=sel, key_type=key.key_type.upper(),
                                  bits=key.bits, name=where,
                                  providers=", ".join(selector_providers(sel)) or "-"))
    return out
