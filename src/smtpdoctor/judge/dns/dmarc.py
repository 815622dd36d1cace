"""DMARC records judged as RFC 9989 (May 2026, obsoletes RFC 7489) defines them: where the policy comes from
(the DNS tree walk), syntax, policy strength, ``sp``/``np``, the new tags ``t``, ``np`` and ``psd``
explained, the removed tags ``pct``, ``rf`` and ``ri`` named as obsolete, alignment modes, ``rua``/``ruf``
and their external-destination authorisation (RFC 9989, RFC 7489 §7.1).

The walk's answers are read in :mod:`smtpdoctor.protocol.dmarc`: which record applies (``discover_policy``,
whose policy :func:`check_dmarc` judges) and the organisational domain (at most 8 ``_dmarc`` TXT queries, the
``psd=`` tag of what they find decides: ``organizational_domain_from_walk``, re-exported here, and the I/O
shell ``find_organizational_domain``, which stays there). :func:`aligned` (defined there, re-exported here) is the one
identifier-alignment rule (RFC 9989) for every caller: the domain audit, message and report analysis.

:func:`organizational_domain` (alias :func:`psl_organizational_domain`) is the RFC 7489 answer from the
public suffix list, kept for callers that have no resolver; it loads the ``publicsuffixlist`` package on
first use (never at import time: it costs ~80 ms). Everything else here is pure."""

from __future__ import annotations

from functools import cache
from typing import Mapping

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from ...protocol.dmarc import (STRENGTH, DmarcPolicy, OrgDomain, aligned, authorisation_name, dmarc_records,
                               discover_policy, external_destinations, mailto_domains, organizational_domain_from_walk,
                               policy_discovery)
from ...protocol.tags import parse_tags
from .facts import could_not_test

__all__ = ["OrgDomain", "organizational_domain", "psl_organizational_domain", "psl_loaded",
           "organizational_domain_from_walk", "aligned",
           "report_destinations", "check_dmarc", "explain_new_tags"]



def psl_loaded() -> bool:
    """True once the public suffix list is in memory (the first load costs ~80 ms)."""
    return _psl.cache_info().currsize > 0


@cache
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """The registrable domain (RFC 7489 §3.2) of ``domain``; ``domain`` itself if it is a public suffix.

    A name of one or two labels is its own organisational domain whatever the list says (either it is
    registrable, or it is a public suffix and then RFC 7489 uses the name itself), so the list is only
    loaded for longer names."""
    domain = domain.lower().rstrip(".")
    if domain.count(".") <= 1:
        return domain
    return _psl().privatesuffix(domain) or domain


psl_organizational_domain = organizational_domain


def report_destinations(policy: DmarcPolicy, orgs: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Domains receiving reports for ``policy`` outside its organisational domain (they need to authorise
    them). ``orgs`` maps names to their organisational domains (the tree walk); without it the public
    suffix list decides (RFC 7489)."""
    if orgs is None:
        names = (policy.found_at,) + mailto_domains(policy)
        orgs = {n: organizational_domain(n) for n in names}
    return external_destinations(policy, orgs)


def explain_new_tags(policy: DmarcPolicy) -> tuple[str, ...]:
    """What the RFC 9989 tags present in the record mean, one sentence each."""
    tags = parse_tags(policy.record)
    out: list[str] = []
    if policy.np is not None:
        out.append(f"np={policy.np}: mail from names under {policy.found_at} that do not exist in the DNS gets "
                   f"{policy.np}")
    if tags.get("t") is not None:
        out.append("t=y: test mode, receivers apply one level less than the policy (reject as quarantine, "
                   "quarantine as none)" if policy.t == "y" else "t=n: the policy is applied as written")
    if tags.get("psd") is not None:
        out.append({"y": f"psd=y: {policy.found_at} is a public suffix (its operator's record); the "
                         "organisational domain is the name one label below it",
                    "n": f"psd=n: {policy.found_at} declares itself an organisational domain; the tree walk "
                         "stops here",
                    "u": "psd=u: the tree walk decides whether this is an organisational domain"}[policy.psd])
    return tuple(out)


def _chosen(domain: str, walk: Mapping[str, DnsResult]) -> tuple[str, DnsResult] | Finding | None:
    """The first name of the tree walk holding DMARC records (policy discovery, RFC 9989)."""
    found = policy_discovery(domain, walk)
    if found is None:
        return None
    where, result = found
    if result.outcome.is_failure:
        return could_not_test("dmarc", f"the DMARC record at _dmarc.{where}", result)
    if not dmarc_records(result):
        return catalogue.make("dmarc.not-dmarc", name=f"_dmarc.{where}", record=result.records[0][:200])
    return where, result


def check_dmarc(
    domain: str,
    walk: Mapping[str, DnsResult],
    *,
    org: OrgDomain | None = None,
    exists: bool = True,
    authorisations: Mapping[str, DnsResult] | None = None,
    policy: DmarcPolicy | None = None,
) -> tuple[tuple[Finding, ...], DmarcPolicy | None]:
    """``walk`` maps the names of ``protocol.dmarc_walk.tree_walk`` (``domain`` first) to the TXT answers at
    ``_dmarc.<name>``; ``org`` is the organisational domain (computed from ``walk`` when not given);
    ``exists=False`` when ``domain`` itself does not exist (np= applies); ``authorisations`` the TXT answers
    at ``<policy domain>._report._dmarc.<destination>`` for each external report destination; ``policy``
    what ``protocol.dmarc.discover_policy(domain, walk)`` found, when the caller has it (the audit read its
    report destinations from it; computed here when not given)."""
    domain = domain.lower().rstrip(".")
    org = org or organizational_domain_from_walk(domain, walk)
    policy = policy or discover_policy(domain, walk)
    if policy is None:  # why none applies: no record, a failed answer, no DMARC record, several of them
        chosen = _chosen(domain, walk)
        if isinstance(chosen, Finding):
            return (chosen,), None
        if chosen is None:
            return (catalogue.make("dmarc.missing", domain=domain),), None
        where, result = chosen
        records = dmarc_records(result)  # several DMARC records: receivers apply none of them
        return (catalogue.make("dmarc.several-records", name=f"_dmarc.{where}", count=len(records),
                               evidence={"records": list(records)}),), None
    where = policy.found_at  # the name policy discovery chose
    subdomain = where != domain
    findings = _record_findings(domain, org, policy, subdomain=subdomain)
    effective = policy.effective_policy(subdomain=subdomain, exists=exists)
    if policy.p is not None:
        if effective == "none":
            findings.append(catalogue.make("dmarc.policy-none", domain=domain))
        elif policy.t == "y":
            findings.append(catalogue.make("dmarc.test-mode", name=f"_dmarc.{where}", policy=effective,
                                           applied=policy.applied_policy(subdomain=subdomain, exists=exists)))
        if not subdomain and policy.sp and STRENGTH[policy.sp] < STRENGTH[policy.p]:
            findings.append(catalogue.make("dmarc.subdomain-weaker", sp=policy.sp, p=policy.p))
    if not policy.rua:
        findings.append(catalogue.make("dmarc.no-rua", name=f"_dmarc.{where}"))
    for dest, answer in (authorisations or {}).items():
        name = authorisation_name(where, dest)
        if answer.outcome.is_failure:
            findings.append(could_not_test("dmarc", f"the report authorisation {name}", answer))
        elif not dmarc_records(answer):
            findings.append(catalogue.make("dmarc.external-unauthorized", destination=dest, name=name,
                                           policy_domain=where))
    if not any(f.severity.rank >= 2 for f in findings):
        findings.append(catalogue.make("dmarc.ok", name=f"_dmarc.{where}", policy=effective, org=org.name,
                                       evidence={"record": policy.record, "org_domain": org.to_json()}))
    return tuple(findings), policy


def _record_findings(domain: str, org: OrgDomain, policy: DmarcPolicy, *, subdomain: bool) -> list[Finding]:
    where = policy.found_at
    findings: list[Finding] = []
    if org.failed is not None:
        findings.append(could_not_test("dmarc", "the organisational domain (DNS tree walk)", org.failed))
    if subdomain and policy.psd == "y":
        findings.append(catalogue.make("dmarc.psd-policy", domain=domain, psd=where, org=org.name))
    elif subdomain:
        findings.append(catalogue.make("dmarc.inherited", domain=domain, org=where))
    if policy.problems:
        findings.append(catalogue.make("dmarc.syntax", name=f"_dmarc.{where}", problems="; ".join(policy.problems),
                                       evidence={"record": policy.record[:512], "problems": list(policy.problems)}))
    if policy.bad_values:
        findings.append(catalogue.make("dmarc.bad-value", name=f"_dmarc.{where}",
                                       problems="; ".join(policy.bad_values),
                                       evidence={"problems": list(policy.bad_values)}))
    if policy.unknown_tags:
        findings.append(catalogue.make("dmarc.unknown-tag", name=f"_dmarc.{where}",
                                       tags=", ".join(t[:30] for t in policy.unknown_tags[:10]),
                                       evidence={"tags": list(policy.unknown_tags)}))
    if policy.obsolete:
        findings.append(catalogue.make("dmarc.obsolete-tag", name=f"_dmarc.{where}",
                                       tags=", ".join(f"{t}=" for t in policy.obsolete),
                                       evidence={"tags": list(policy.obsolete), "pct": policy.pct}))
    if explained := explain_new_tags(policy):
        findings.append(catalogue.make("dmarc.rfc9989-tags", name=f"_dmarc.{where}", meaning="; ".join(explained),
                                       evidence={"tags": list(explained)}))
    return findings
