"""DMARC records (RFC 7489, and the tags DMARCbis adds: ``np``, ``psd``, ``t``): where the policy comes
from (the domain or its organisational domain), syntax, policy strength, ``sp``/``np``, ``pct``, alignment
modes, ``rua``/``ruf`` and their external-destination authorisation (RFC 7489 §7.1). Pure.

The organisational domain comes from the ``publicsuffixlist`` package, loaded on first use (never at
import time: it costs ~80 ms)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Mapping

from ...core import catalogue
from ...core.observations import DnsResult
from ...core.model import Finding
from .facts import could_not_test
from ...protocol.tags import parse_tags

__all__ = ["DmarcPolicy", "organizational_domain", "psl_loaded", "dmarc_records", "parse_dmarc", "report_destinations",
           "authorisation_name", "check_dmarc", "KNOWN_TAGS"]

KNOWN_TAGS = frozenset({"v", "p", "sp", "np", "pct", "adkim", "aspf", "fo", "rf", "ri", "rua", "ruf",
                        "psd", "t"})
_POLICIES = ("none", "quarantine", "reject")
_STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}
_MAILTO = re.compile(r"mailto:([^@\s!,]+)@([^!\s,]+?)(?:!(\d+[kmgt]?))?\Z", re.IGNORECASE)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class DmarcPolicy:
    found_at: str  # the domain whose _dmarc record applies
    record: str
    p: str | None = None
    sp: str | None = None
    np: str | None = None
    pct: int = 100
    adkim: str = "r"
    aspf: str = "r"
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: str = "0"
    problems: tuple[str, ...] = ()  # syntax errors (the record may be ignored by receivers)
    bad_values: tuple[str, ...] = ()
    unknown_tags: tuple[str, ...] = ()

    def effective_policy(self, *, subdomain: bool) -> str:
        if subdomain and self.sp:
            return self.sp
        return self.p or "none"

    def to_json(self) -> dict:
        return {"found_at": self.found_at, "record": self.record, "p": self.p, "sp": self.sp, "np": self.np,
                "pct": self.pct, "adkim": self.adkim, "aspf": self.aspf, "rua": list(self.rua),
                "ruf": list(self.ruf), "problems": list(self.problems), "bad_values": list(self.bad_values),
                "unknown_tags": list(self.unknown_tags)}


def dmarc_records(result: DnsResult) -> tuple[str, ...]:
    """The TXT records that claim to be DMARC (RFC 7489 §6.6.3: others are discarded)."""
    return tuple(r for r in result.records if r.strip().lower().startswith("v=dmarc1"))


def parse_dmarc(found_at: str, record: str) -> DmarcPolicy:
    tags = parse_tags(record)
    problems = list(tags.problems)
    bad: list[str] = []
    names = tags.names
    if not names or names[0] != "v" or tags.get("v") != "DMARC1":
        v = tags.get("v")
        problems.append("the record must start with v=DMARC1" if v in (None, "DMARC1")
                        else f"v={v!r} is not DMARC1 (is a ';' missing after it?)")
    for dup in tags.duplicates():
        problems.append(f"tag {dup}= appears more than once")
    unknown = tuple(n for n in dict.fromkeys(names) if n not in KNOWN_TAGS)

    def policy(tag: str) -> str | None:
        value = tags.get(tag)
        if value is None:
            return None
        if value.lower() not in _POLICIES:
            bad.append(f"{tag}={value!r} (expected none, quarantine or reject)")
            return None
        return value.lower()

    p = policy("p")
    if tags.get("p") is None:
        problems.append("the required p= tag is missing")
    elif p is None:
        problems.append(f"p={tags.get('p')!r} is not a policy")
    sp, np = policy("sp"), policy("np")
    pct = 100
    if (raw := tags.get("pct")) is not None:
        if raw.isascii() and raw.isdigit() and 0 <= int(raw) <= 100:
            pct = int(raw)
        else:
            bad.append(f"pct={raw!r} (expected a whole number 0-100)")
    align = {}
    for tag in ("adkim", "aspf"):
        raw = tags.get(tag)
        if raw is None:
            align[tag] = "r"
        elif raw.lower() in ("r", "s"):
            align[tag] = raw.lower()
        else:
            bad.append(f"{tag}={raw!r} (expected r or s)")
            align[tag] = "r"
    fo = tags.get("fo") or "0"
    if any(part.strip() not in ("0", "1", "d", "s") for part in fo.split(":")):
        bad.append(f"fo={fo!r} (expected 0, 1, d or s, separated by ':')")
    if (raw := tags.get("ri")) is not None and not (raw.isascii() and raw.isdigit()):
        bad.append(f"ri={raw!r} (expected a number of seconds)")
    if (raw := tags.get("rf")) is not None and raw.lower() not in ("afrf", "iodef"):
        bad.append(f"rf={raw!r} (expected afrf)")
    if (raw := tags.get("psd")) is not None and raw.lower() not in ("y", "n", "u"):
        bad.append(f"psd={raw!r} (expected y, n or u)")
    if (raw := tags.get("t")) is not None and raw.lower() not in ("y", "n"):
        bad.append(f"t={raw!r} (expected y or n)")
    rua, ruf = _uris(tags.get("rua"), "rua", bad), _uris(tags.get("ruf"), "ruf", bad)
    return DmarcPolicy(found_at=found_at, record=record, p=p, sp=sp, np=np, pct=pct, adkim=align["adkim"],
                       aspf=align["aspf"], rua=rua, ruf=ruf, fo=fo, problems=tuple(problems),
                       bad_values=tuple(bad), unknown_tags=unknown)


def _uris(value: str | None, tag: str, bad: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    out: list[str] = []
    for uri in (u.strip() for u in value.split(",")):
        if not uri:
            continue
        if uri.lower().startswith("mailto:"):
            if not _MAILTO.match(uri):
                bad.append(f"{tag}: {uri!r} is not a valid mailto: address")
                continue
        elif not uri.lower().startswith("https://"):
            bad.append(f"{tag}: {uri!r} is not a mailto: URI (write mailto:address)")
            continue
        out.append(uri)
    return tuple(out)


def report_destinations(policy: DmarcPolicy) -> tuple[str, ...]:
    """Domains receiving reports for ``policy`` outside its organisational domain (need authorisation)."""
    own = organizational_domain(policy.found_at)
    out: dict[str, None] = {}
    for uri in policy.rua + policy.ruf:
        m = _MAILTO.match(uri)
        if not m:
            continue
        dest = m.group(2).lower().rstrip(".")
        if organizational_domain(dest) != own:
            out.setdefault(dest, None)
    return tuple(out)


def authorisation_name(policy_domain: str, destination: str) -> str:
    return f"{policy_domain}._report._dmarc.{destination}"


def check_dmarc(
    domain: str,
    own: DnsResult,
    org: DnsResult | None,
    *,
    authorisations: Mapping[str, DnsResult] | None = None,
) -> tuple[tuple[Finding, ...], DmarcPolicy | None]:
    """``own`` is the TXT answer at ``_dmarc.<domain>``, ``org`` at ``_dmarc.<organisational domain>``
    (None when the domain is its own organisational domain); ``authorisations`` the TXT answers at
    ``<policy domain>._report._dmarc.<destination>`` for each external report destination."""
    org_domain = organizational_domain(domain)
    chosen: tuple[str, DnsResult] | None = None
    for where, result in ((domain, own), (org_domain, org)):
        if result is None:
            continue
        if result.outcome.is_failure:
            return (could_not_test("dmarc", f"the DMARC record at _dmarc.{where}", result),), None
        if dmarc_records(result):
            chosen = (where, result)
            break
        if result.records and where == domain:
            return (catalogue.make("dmarc.not-dmarc", name=f"_dmarc.{where}", record=result.records[0][:200]),), None
    if chosen is None:
        return (catalogue.make("dmarc.missing", domain=domain),), None
    where, result = chosen
    records = dmarc_records(result)
    if len(records) > 1:
        return (catalogue.make("dmarc.several-records", name=f"_dmarc.{where}", count=len(records),
                               evidence={"records": list(records)}),), None
    policy = parse_dmarc(where, records[0])
    findings: list[Finding] = []
    subdomain = where != domain
    if subdomain:
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
    effective = policy.effective_policy(subdomain=subdomain)
    if policy.p is not None:
        if effective == "none":
            findings.append(catalogue.make("dmarc.policy-none", domain=domain))
        if policy.pct < 100 and effective != "none":
            findings.append(catalogue.make("dmarc.pct-partial", pct=policy.pct, policy=effective))
        if not subdomain and policy.sp and _STRENGTH[policy.sp] < _STRENGTH[policy.p]:
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
        findings.append(catalogue.make("dmarc.ok", name=f"_dmarc.{where}", policy=effective, pct=policy.pct,
                                       evidence={"record": policy.record}))
    return tuple(findings), policy


