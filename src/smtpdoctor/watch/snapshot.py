"""What a result looked at, as a flat map of facts, and what changed between two results.

Pure functions over the stored JSON reports. A fact is ``name -> text``: single values (``spf.record``,
``dmarc.p``, ``cert.not_after``) and members of sets, one key each with the value ``present``
(``spf.include:_spf.esp.example``, ``listed:192.0.2.9@bl.example``), so that "an include was removed"
is a key that disappeared. :func:`explain` names the first change that explains a verdict turning bad.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["facts", "carry_over", "lookups_failed", "UNSEEN", "Change", "diff", "describe", "explain", "cert_of", "AREA_OF_FINDING", "DNS_FACTS"]

PRESENT = "present"

#: a finding's area (the part before the dot) -> the fact prefixes that can explain it
AREA_OF_FINDING: dict[str, tuple[str, ...]] = {
    "spf": ("spf.",), "dkim": ("dkim.",), "dmarc": ("dmarc.",), "mta-sts": ("mta-sts.",), "mx": ("mx",),
    "ptr": ("ptr",), "dane": ("dane.", "mx"), "dnsbl": ("listed:",), "tls": ("cert.",), "bimi": ("dmarc.",),
    "domain": ("mx", "spf.", "dmarc."),
}
#: facts whose change is a "DNS record changed" alert on its own
DNS_FACTS = ("spf.", "dkim.", "dmarc.", "mta-sts.", "mx", "ptr", "dane.")


def facts(kind: str, report: Mapping[str, Any]) -> dict[str, str]:
    """The facts of one stored report (``kind``: submission, domain or blocklist)."""
    if kind == "blocklist":
        return _listings(report)
    out: dict[str, str] = {}
    if kind == "submission":
        cert = cert_of(report)
        if cert:
            out["cert.sha256"] = str(cert.get("sha256"))
            out["cert.not_after"] = str(cert.get("not_after"))
            out["cert.subject"] = str(cert.get("subject"))
        return out
    _spf(report.get("spf") or {}, out)
    for key in (report.get("dkim") or {}).get("keys") or ():
        record = str(key.get("record") or "")
        digest = hashlib.sha256(record.encode()).hexdigest()[:12]
        out[f"dkim.{key.get('selector')}"] = f"{key.get('key_type')} {key.get('bits')} bits (record {digest})"
    dmarc = report.get("dmarc") or {}
    if dmarc.get("record"):
        out["dmarc.record"] = str(dmarc["record"])
        out["dmarc.p"] = str(dmarc.get("p"))
    sts = report.get("mta_sts") or {}
    sts_id = sts.get("id") or ((sts.get("txt") or {}).get("id") if isinstance(sts.get("txt"), dict) else None)
    if sts_id:
        out["mta-sts.id"] = str(sts_id)
    mx = report.get("mx") or {}
    if mx.get("records") is not None:
        out["mx"] = ", ".join(f"{r.get('preference')} {r.get('host')}" for r in mx["records"]) or "(none)"
    ptr = report.get("ptr") or {}
    if ptr.get("ip"):
        out["ptr"] = ", ".join(ptr.get("names") or ()) or "(none)"
    for host, records in sorted((report.get("dane") or {}).items()):
        if isinstance(records, (list, tuple)):
            out[f"dane.{host}"] = ", ".join(map(str, records))
    return out


#: a topic whose lookup failed -> the facts it could not see (kept from the last result, not "removed")
_TOPIC_FACTS = {"spf": ("spf.",), "dkim": ("dkim.",), "dmarc": ("dmarc.",), "mx": ("mx",), "ptr": ("ptr",),
                "mta-sts": ("mta-sts.",), "dane": ("dane.",), "domain": ("mx", "spf.", "dmarc.")}
_NOT_SEEN = ("failed", "refused", "unknown", "unusable")
#: a marker fact: ``unseen:spf.`` says the SPF lookup failed and nothing was known before either, so
#: the SPF facts that appear next time are news to nobody (not "added")
UNSEEN = "unseen:"


def _failed_topics(report: Mapping[str, Any]) -> set[str]:
    return {str(f.get("id", "")).split(".", 1)[0] for f in report.get("findings") or ()
            if str(f.get("id", "")).endswith((".lookup-failed", ".resolver-broken"))}


def lookups_failed(kind: str, report: Mapping[str, Any]) -> bool:
    """Whether some lookup of this result failed (so "nothing found" may only mean "could not look")."""
    if kind == "blocklist":
        return any(r.get("status") in _NOT_SEEN for line in report.get("targets") or ()
                   for r in line.get("results") or ())
    return kind == "domain" and bool(_failed_topics(report))


def carry_over(kind: str, old: Mapping[str, str], new: Mapping[str, str], report: Mapping[str, Any]) -> dict[str, str]:
    """``new`` with the facts a failed lookup could not see taken from ``old``: a DNS timeout, a refused
    blocklist query or an unreachable server says nothing about a record, so it must not read as the
    record being removed (and raise an alert) nor as it coming back on the next run."""
    out = dict(new)

    def keep(prefixes: tuple[str, ...]) -> None:
        for k in [k for k in out if k.startswith(prefixes)]:
            del out[k]
        out.update({k: v for k, v in old.items() if k.startswith(prefixes)})

    if kind == "submission":
        if not any(k.startswith("cert.") for k in new):
            keep(("cert.",))
        return out
    if kind == "blocklist":
        for line in report.get("targets") or ():
            for r in line.get("results") or ():
                if r.get("status") in _NOT_SEEN:
                    keep((f"listed:{line.get('value')}@{r.get('zone')}",))
        return out
    for topic in sorted(_failed_topics(report)):
        prefixes = _TOPIC_FACTS.get(topic, ())
        keep(prefixes)
        for prefix in prefixes:
            if not any(k.startswith(prefix) for k in out):
                out[UNSEEN + prefix] = "lookup failed"
    return out


def _spf(spf: Mapping[str, Any], out: dict[str, str]) -> None:
    if spf.get("record"):
        out["spf.record"] = str(spf["record"])
    out_lookups = spf.get("lookups")
    if out_lookups is not None:
        out["spf.lookups"] = str(out_lookups)

    def walk(node: Mapping[str, Any], depth: int) -> None:
        for term in node.get("terms") or ():
            text = str(term.get("term") or "")
            if text.lower().lstrip("+-~?").startswith(("include:", "redirect=")):
                name = text.split(":", 1)[-1].split("=", 1)[-1]
                out[f"spf.include:{name.lower()}"] = PRESENT
            child = term.get("record")
            if isinstance(child, Mapping) and depth < 10:
                walk(child, depth + 1)

    walk(spf.get("tree") or {}, 0)


def _listings(report: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in report.get("targets") or ():
        for r in line.get("results") or ():
            if r.get("status") == "listed":
                out[f"listed:{line.get('value')}@{r.get('zone')}"] = ", ".join(r.get("codes") or ()) or PRESENT
    return out


def cert_of(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """The certificate of the configured port (fetched even when verification failed), or None."""
    target = report.get("target")
    target_port = target.get("port") if isinstance(target, Mapping) else None
    observations = report.get("observations")
    ports = (observations.get("ports") if isinstance(observations, Mapping) else None) or ()
    for p in sorted(ports, key=lambda p: p.get("port") != target_port):
        cert = (p.get("tls") or {}).get("cert")
        if cert:
            return cert
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    key: str
    old: str | None  # None: the fact is new
    new: str | None  # None: the fact is gone

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.key, "old": self.old, "new": self.new, "text": describe(self)}


def diff(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """Every fact that appeared, disappeared or changed, in key order."""
    keys = sorted(k for k in set(old) | set(new) if not k.startswith(UNSEEN))
    unseen = tuple(k[len(UNSEEN):] for k in old if k.startswith(UNSEEN))
    return [Change(key=k, old=old.get(k), new=new.get(k)) for k in keys
            if old.get(k) != new.get(k) and not (unseen and k.startswith(unseen) and old.get(k) is None)]


_LABEL = {"spf.record": "the SPF record", "spf.lookups": "the SPF lookup count", "dmarc.record": "the DMARC record",
          "dmarc.p": "the DMARC policy", "mx": "the MX records", "ptr": "the PTR names",
          "mta-sts.id": "the MTA-STS policy id", "cert.sha256": "the certificate",
          "cert.not_after": "the certificate's expiry", "cert.subject": "the certificate's subject"}


def describe(change: Change) -> str:
    """One line for people: "the SPF include `_spf.esp.example` was removed", "the SPF record changed: …"."""
    key = change.key
    member = change.old == PRESENT or change.new == PRESENT or key.startswith("listed:")
    if key.startswith("spf.include:"):
        what = f"the SPF include `{key.split(':', 1)[1]}`"
    elif key.startswith("listed:"):
        value, zone = key.split(":", 1)[1].rsplit("@", 1)
        what = f"the listing of {value} on {zone}"
    elif key.startswith("dkim."):
        what = f"the DKIM key of selector `{key[5:]}`"
    elif key.startswith("dane."):
        what = f"the TLSA records of {key[5:]}"
    else:
        what = _LABEL.get(key, key)
    if change.old is None:
        return f"{what} was added" + ("" if member else f": `{change.new}`")
    if change.new is None:
        return f"{what} was removed" + ("" if member else f" (was `{change.old}`)")
    return f"{what} changed: `{change.old}` → `{change.new}`"


def _relevant(finding: str | None, key: str) -> bool:
    area = (finding or "").split(".", 1)[0]
    prefixes = AREA_OF_FINDING.get(area)
    if prefixes is None:
        return not key.startswith(("spf.lookups", "cert.not_after"))
    return key.startswith(prefixes)


def explain(finding: str | None, timeline: Sequence[tuple[float, Mapping[str, str]]]) -> dict[str, Any] | None:
    """The first change that explains ``finding``, from ``timeline`` (time, facts): oldest first, starting
    at the last result that was fine. Returns {"text", "change", "between": [t0, t1]} or None."""
    for (t0, before), (t1, after) in zip(timeline, timeline[1:]):
        changes = [c for c in diff(before, after) if _relevant(finding, c.key)]
        if changes:
            first = changes[0]
            text = f"{describe(first)} between {_hhmm(t0)} and {_hhmm(t1)}"
            return {"text": text, "change": first.to_json(), "between": [t0, t1]}
    return None


def _hhmm(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def days_left(cert: Mapping[str, Any], now: float) -> float | None:
    try:
        end = datetime.fromisoformat(str(cert.get("not_after")))
    except ValueError:
        return None
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    return (end.timestamp() - now) / 86400


def changed_keys(changes: Iterable[Change], prefixes: tuple[str, ...]) -> list[Change]:
    return [c for c in changes if c.key.startswith(prefixes)]
