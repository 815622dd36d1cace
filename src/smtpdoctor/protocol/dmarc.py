"""DMARC records (RFC 9989, which obsoletes RFC 7489): the ``_dmarc`` TXT record's grammar as a
:class:`DmarcPolicy` (policies, alignment modes, ``rua``/``ruf`` URIs, the new tags ``t``, ``np`` and
``psd``, the removed ``pct``, ``rf`` and ``ri`` named as obsolete), the names a report destination's
authorisation lives at, and the names the tree walk asks (:func:`tree_walk`). Sans-I/O: a record in, a value out; the organisational domain, alignment and
what is wrong for delivery are judged in ``judge/dns/dmarc.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.observations import DnsResult
from .tags import parse_tags

__all__ = ["DmarcPolicy", "dmarc_records", "parse_dmarc", "mailto_domains", "authorisation_name", "KNOWN_TAGS",
           "OBSOLETE_TAGS", "POLICIES", "STRENGTH", "MAX_WALK", "tree_walk"]

KNOWN_TAGS = frozenset({"v", "p", "sp", "np", "pct", "adkim", "aspf", "fo", "rf", "ri", "rua", "ruf",
                        "psd", "t"})
OBSOLETE_TAGS = ("pct", "rf", "ri")  # removed by RFC 9989 (pct is replaced by t=y)
POLICIES = ("none", "quarantine", "reject")
STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}
MAX_WALK = 8  # RFC 9989: the tree walk asks at most 8 names
_MAILTO = re.compile(r"mailto:([^@\s!,]+)@([^!\s,]+?)(?:!(\d+[kmgt]?))?\Z", re.IGNORECASE)


def tree_walk(domain: str) -> tuple[str, ...]:
    """The names whose ``_dmarc`` TXT records the RFC 9989 tree walk asks for, in order: the domain, then
    (jumping to 7 labels when it has 8 or more) one label shorter each time, down to the TLD. At most 8."""
    labels = domain.lower().rstrip(".").split(".")
    names = [".".join(labels)]
    rest = labels[-(MAX_WALK - 1):] if len(labels) >= MAX_WALK else labels[1:]
    while rest:
        names.append(".".join(rest))
        rest = rest[1:]
    return tuple(names)



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
