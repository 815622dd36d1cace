"""DMARC records (RFC 9989, which obsoletes RFC 7489): the ``_dmarc`` TXT record's grammar as a
:class:`DmarcPolicy` (policies, alignment modes, ``rua``/``ruf`` URIs, the new tags ``t``, ``np`` and
``psd``, the removed ``pct``, ``rf`` and ``ri`` named as obsolete), the names a report destination's
authorisation lives at, and the names the tree walk asks (:func:`tree_walk`, from ``dmarc_walk.py``).

The walk's answers read as RFC 9989 reads them: which record applies (:func:`policy_discovery`,
:func:`discover_policy`, the one reading of the policy: ``judge/dns/dmarc.check_dmarc`` takes it from here)
and the organisational domain (:func:`organizational_domain_from_walk`). All of that is pure: answers in, a
value out. One function does I/O: :func:`find_organizational_domain` asks a resolver for a name's walk (the
domain audit asks the report destinations' walks with it as soon as the first answers are read, before the
checks are imported: issue 16). Alignment and what is wrong for delivery are judged in
``judge/dns/dmarc.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from ..core.observations import DnsResult
from .dmarc_walk import MAX_WALK, tree_walk
from .tags import parse_tags

__all__ = ["DmarcPolicy", "dmarc_records", "parse_dmarc", "mailto_domains", "authorisation_name", "KNOWN_TAGS",
           "OBSOLETE_TAGS", "POLICIES", "STRENGTH", "MAX_WALK", "tree_walk", "OrgDomain", "policy_discovery",
           "discover_policy", "organizational_domain_from_walk", "find_organizational_domain", "aligned",
           "external_destinations"]

KNOWN_TAGS = frozenset({"v", "p", "sp", "np", "pct", "adkim", "aspf", "fo", "rf", "ri", "rua", "ruf",
                        "psd", "t"})
OBSOLETE_TAGS = ("pct", "rf", "ri")  # removed by RFC 9989 (pct is replaced by t=y)
POLICIES = ("none", "quarantine", "reject")
STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}
_MAILTO = re.compile(r"mailto:([^@\s!,]+)@([^!\s,]+?)(?:!(\d+[kmgt]?))?\Z", re.IGNORECASE)



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
    t: str = "n"  # RFC 9989 test mode: y = apply one level less than p= (what pct=0 used to do)
    psd: str = "u"  # RFC 9989: y = a public suffix operator's record, n = an organisational domain's
    obsolete: tuple[str, ...] = ()  # tags present that RFC 9989 removed (pct, rf, ri)
    problems: tuple[str, ...] = ()  # syntax errors (the record may be ignored by receivers)
    bad_values: tuple[str, ...] = ()
    unknown_tags: tuple[str, ...] = ()

    def effective_policy(self, *, subdomain: bool, exists: bool = True) -> str:
        """The policy for the domain (or a subdomain; ``exists=False``: a name that does not exist, np=)."""
        if subdomain and not exists and self.np:
            return self.np
        if subdomain and self.sp:
            return self.sp
        return self.p or "none"

    def applied_policy(self, *, subdomain: bool, exists: bool = True) -> str:
        """What receivers apply: the effective policy, one level less in test mode (t=y)."""
        policy = self.effective_policy(subdomain=subdomain, exists=exists)
        if self.t == "y":
            return POLICIES[max(0, STRENGTH[policy] - 1)]
        return policy

    def to_json(self) -> dict:
        return {"found_at": self.found_at, "record": self.record, "p": self.p, "sp": self.sp, "np": self.np,
                "pct": self.pct, "adkim": self.adkim, "aspf": self.aspf, "rua": list(self.rua),
                "ruf": list(self.ruf), "t": self.t, "psd": self.psd, "obsolete": list(self.obsolete),
                "problems": list(self.problems), "bad_values": list(self.bad_values),
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
        return _flag(tags.get(tag), tag, POLICIES, None, bad)

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
    psd = _flag(tags.get("psd"), "psd", ("y", "n", "u"), "u", bad)
    t = _flag(tags.get("t"), "t", ("y", "n"), "n", bad)
    rua, ruf = _uris(tags.get("rua"), "rua", bad), _uris(tags.get("ruf"), "ruf", bad)
    obsolete = tuple(tag for tag in OBSOLETE_TAGS if tags.get(tag) is not None)
    return DmarcPolicy(found_at=found_at, record=record, p=p, sp=sp, np=np, pct=pct, adkim=align["adkim"],
                       aspf=align["aspf"], rua=rua, ruf=ruf, fo=fo, t=t, psd=psd, obsolete=obsolete,
                       problems=tuple(problems), bad_values=tuple(bad), unknown_tags=unknown)


def _flag(raw: str | None, tag: str, allowed: tuple[str, ...], default: str | None, bad: list[str]) -> str | None:
    """``raw`` lower-cased when it is one of ``allowed``; else ``default``, and what is wrong goes to ``bad``."""
    if raw is None:
        return default
    if raw.lower() not in allowed:
        bad.append(f"{tag}={raw!r} (expected {', '.join(allowed[:-1])} or {allowed[-1]})")
        return default
    return raw.lower()


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


def mailto_domains(policy: DmarcPolicy) -> tuple[str, ...]:
    """The domains of the rua/ruf mailto: addresses of ``policy``, each once."""
    out: dict[str, None] = {}
    for uri in policy.rua + policy.ruf:
        if m := _MAILTO.match(uri):
            out.setdefault(m.group(2).lower().rstrip("."), None)
    return tuple(out)


def authorisation_name(policy_domain: str, destination: str) -> str:
    return f"{policy_domain}._report._dmarc.{destination}"


def aligned(identifier: str, author: str, mode: str, orgs: Mapping[str, str]) -> bool:
    """RFC 9989 identifier alignment of an authenticated domain (DKIM d=, SPF MAIL FROM) with the
    author domain: strict (``s``) wants the same name; relaxed (``r``) the same organisational domain,
    looked up in ``orgs`` (name -> organisational domain, from :func:`find_organizational_domain`)."""
    a, b = identifier.lower().rstrip("."), author.lower().rstrip(".")
    if a == b:
        return True
    if mode == "s":
        return False
    return orgs.get(a, a) == orgs.get(b, b)


def external_destinations(policy: DmarcPolicy, orgs: Mapping[str, str]) -> tuple[str, ...]:
    """The domains receiving reports for ``policy`` outside its organisational domain, which must authorise
    them (RFC 9989, RFC 7489 §7.1); ``orgs``: name -> organisational domain, from the tree walks."""
    return tuple(d for d in mailto_domains(policy) if not aligned(d, policy.found_at, "r", orgs))


def policy_discovery(domain: str, walk: Mapping[str, DnsResult]) -> tuple[str, DnsResult] | None:
    """The answer that decides policy discovery (RFC 9989) over ``walk`` (:func:`tree_walk`'s names of
    ``domain`` -> the TXT answers at ``_dmarc.<name>``), with its name: the first that failed (the walk
    cannot go on), the first holding DMARC records, or the domain's own TXT records that are not DMARC;
    None when the walk found no record."""
    for where in tree_walk(domain):
        result = walk.get(where)
        if result is None:
            continue
        if result.outcome.is_failure or dmarc_records(result) or (result.records and where == domain):
            return where, result
    return None


def discover_policy(domain: str, walk: Mapping[str, DnsResult]) -> DmarcPolicy | None:
    """The policy that applies to ``domain`` (:func:`policy_discovery` found exactly one DMARC record), else None."""
    found = policy_discovery(domain, walk)
    return _single_policy(*found) if found is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgDomain:
    """The organisational domain of ``domain`` and why (which record of the walk decided)."""

    domain: str
    name: str
    reason: str  # "psd=n at X", "psd=y at X", "highest DMARC record (X)", "no DMARC record in the walk"
    queries: int
    failed: DnsResult | None = None  # a walk query that failed: the answer may be wrong

    def to_json(self) -> dict:
        return {"name": self.name, "reason": self.reason, "queries": self.queries,
                "complete": self.failed is None}


def _single_policy(where: str, result: DnsResult | None) -> "DmarcPolicy | None":
    """The policy of the one DMARC record in ``result``, the answer at ``_dmarc.<where>`` (``where`` is the
    walk's name, not the answer's, which a server may spell in other case or with a final dot)."""
    if result is None or result.outcome.is_failure:
        return None
    records = dmarc_records(result)
    if len(records) != 1:
        return None  # none, or several (receivers apply none of them)
    return parse_dmarc(where, records[0])


def organizational_domain_from_walk(domain: str, answers: Mapping[str, DnsResult]) -> OrgDomain:
    """RFC 9989 over the walk's answers (``answers`` maps each name of :func:`tree_walk` to the TXT
    answer at ``_dmarc.<name>``): the first record with psd=n names itself; a record with psd=y (not at
    the domain itself) names the label below it; otherwise the record with the fewest labels; without any
    record, the domain itself."""
    domain = domain.lower().rstrip(".")
    names = tree_walk(domain)
    highest: str | None = None
    failed = next((answers[n] for n in names if n in answers and answers[n].outcome.is_failure), None)
    for name in names:
        policy = _single_policy(name, answers.get(name))
        if policy is None:
            continue
        if policy.psd == "n":
            return OrgDomain(domain=domain, name=name, reason=f"psd=n at {name}", queries=len(names), failed=failed)
        if policy.psd == "y" and name != domain:
            below = domain[: -len(name) - 1].rsplit(".", 1)[-1] + "." + name
            return OrgDomain(domain=domain, name=below, reason=f"psd=y at {name}", queries=len(names),
                             failed=failed)
        highest = name
    if highest is not None:
        return OrgDomain(domain=domain, name=highest, reason=f"highest DMARC record ({highest})",
                         queries=len(names), failed=failed)
    return OrgDomain(domain=domain, name=domain, reason="no DMARC record in the walk", queries=len(names),
                     failed=failed)


async def find_organizational_domain(name: str, resolver) -> OrgDomain:
    """The organisational domain of ``name`` by the RFC 9989 tree walk, asked through ``resolver`` (the
    :class:`smtpdoctor.net.dns.Resolver` facade: its per-run cache makes a second walk over the same names
    free). The walk's questions go out at once."""
    names = tree_walk(name)
    results = await resolver.query_many([(f"_dmarc.{n}", "TXT") for n in names])
    return organizational_domain_from_walk(name, dict(zip(names, results)))
