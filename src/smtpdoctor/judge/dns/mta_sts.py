"""MTA-STS (RFC 8461) judged: the ``_mta-sts`` TXT record, the HTTPS policy (read by ``protocol/mta_sts.py``),
and whether the patterns cover the domain's real MX hosts. Pure: answers in, findings out.

Whether the ``id=`` changed after a policy change needs the previous state: one run cannot know it. The
report carries the id and the SHA-256 of the policy text (``protocol.mta_sts.policy_fingerprint``); given the previous
run's pair (``previous=(id, sha256)``, ``domain --mta-sts-previous ID:SHA256``) a changed policy under an
unchanged id is found."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from ...core import catalogue
from ...core.model import Finding, Severity
from ...core.observations import DnsResult
from ...protocol.mta_sts import StsPolicy, mx_matches, parse_policy, policy_fingerprint, sts_records
from ...protocol.tags import parse_tags
from .facts import could_not_test

if TYPE_CHECKING:  # made by the HTTPS fetch (core/tls_observations, loaded with it: issue 16)
    from ...core.observations import PolicyFetch

__all__ = ["check_mta_sts", "MIN_SENSIBLE_MAX_AGE"]

MIN_SENSIBLE_MAX_AGE = 86400  # a day; the RFC suggests weeks
_ID = re.compile(r"[A-Za-z0-9]{1,32}\Z")


def check_mta_sts(
    domain: str,
    txt: DnsResult,
    fetch: PolicyFetch | None,
    mx_hosts: Sequence[str],
    *,
    mx_known: bool = True,
    previous: tuple[str, str] | None = None,
) -> tuple[tuple[Finding, ...], StsPolicy | None]:
    """``fetch`` is None when no fetch was made (no TXT record); ``mx_known`` False when the MX lookup
    failed, so coverage cannot be judged; ``previous`` the (id, policy SHA-256) of an earlier run."""
    name = f"_mta-sts.{domain}"
    if txt.outcome.is_failure:
        return (could_not_test("mta-sts", "the MTA-STS record", txt),), None
    records = sts_records(txt)
    if not records:
        return (catalogue.make("mta-sts.missing", domain=domain),), None
    findings: list[Finding] = []
    if len(records) > 1:
        findings.append(catalogue.make("mta-sts.several-records", name=name, count=len(records)))
    tags = parse_tags(records[0])
    problems = list(tags.problems)
    if tags.get("v") != "STSv1":
        problems.append(f"v={tags.get('v')!r} is not STSv1")
    sts_id = tags.get("id")
    if sts_id is None:
        problems.append("the id= tag is missing")
    elif not _ID.match(sts_id):
        problems.append(f"id={sts_id!r} must be 1-32 letters and digits")
    if problems:
        findings.append(catalogue.make("mta-sts.txt-invalid", name=name, problems="; ".join(problems)))
    if fetch is None:
        return tuple(findings), None
    if fetch.error_kind == "dns-failed":
        findings.append(catalogue.make("mta-sts.lookup-failed", what="the address of the policy host",
                                       name=f"mta-sts.{domain}", rdtype="A/AAAA", outcome=fetch.error or "",
                                       evidence=fetch.to_json()))
        return tuple(findings), None
    if fetch.error_kind is not None:
        findings.append(catalogue.make("mta-sts.policy-unreachable", url=fetch.url, kind=fetch.error_kind,
                                       reason=fetch.error or "", evidence=fetch.to_json()))
        return tuple(findings), None
    if fetch.status != 200:
        extra = f" (redirect to {fetch.location}; MTA-STS forbids following it)" if fetch.location else ""
        findings.append(catalogue.make("mta-sts.policy-bad-response", url=fetch.url,
                                       reason=f"HTTP status {fetch.status}{extra}", evidence=fetch.to_json()))
        return tuple(findings), None
    ctype = (fetch.content_type or "").split(";")[0].strip().lower()
    if ctype != "text/plain":
        findings.append(catalogue.make("mta-sts.policy-bad-response", url=fetch.url,
                                       reason=f"Content-Type is {fetch.content_type or 'missing'}, not text/plain",
                                       evidence=fetch.to_json()))
    policy = parse_policy(fetch.body or "")
    if policy.problems:
        findings.append(catalogue.make("mta-sts.policy-invalid", url=fetch.url, problems="; ".join(policy.problems),
                                       evidence=policy.to_json()))
    if policy.mode == "none":
        findings.append(catalogue.make("mta-sts.mode-none", domain=domain))
    elif policy.mode == "testing":
        findings.append(catalogue.make("mta-sts.mode-testing", domain=domain))
    if policy.mode in ("enforce", "testing") and mx_known and policy.mx:
        uncovered = [h for h in mx_hosts if not any(mx_matches(p, h) for p in policy.mx)]
        if uncovered:
            findings.append(catalogue.make(
                "mta-sts.mx-not-covered", hosts=", ".join(uncovered), patterns=", ".join(policy.mx),
                severity=None if policy.mode == "enforce" else Severity.WARNING,
                evidence={"uncovered": uncovered, "patterns": list(policy.mx)}))
    if policy.max_age is not None and policy.max_age < MIN_SENSIBLE_MAX_AGE and policy.mode != "none":
        findings.append(catalogue.make("mta-sts.max-age-short", max_age=policy.max_age))
    if previous is not None and sts_id is not None:
        before_id, before_sha = previous
        if sts_id == before_id and policy_fingerprint(fetch.body or "") != before_sha.lower():
            findings.append(catalogue.make("mta-sts.id-not-changed", name=name, id=sts_id,
                                           evidence={"id": sts_id, "sha256": policy_fingerprint(fetch.body or ""),
                                                     "previous_sha256": before_sha.lower()}))
    if not any(f.severity.rank >= 2 for f in findings):
        findings.append(catalogue.make("mta-sts.ok", mode=policy.mode, max_age=policy.max_age,
                                       evidence=policy.to_json()))
    return tuple(findings), policy
