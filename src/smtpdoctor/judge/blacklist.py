"""Pure functions from DNSBL observations to findings (ids ``dnsbl.*``, category ``blacklist``).

Severity of a listing follows the list's weight (or the return code's): high -> error, medium -> warning,
low -> info. A refused query, a failed lookup or a broken zone is never a listing.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..core import catalogue as findings
from ..core.model import Finding, Severity
from ..core.dnsbl_facts import Environment, Status, TargetResult, ZoneHealth, ZoneResult, ZoneStatus
from ..core.dnsbl_zones import DeadZone, Weight, Zone

__all__ = [
    "list_full",
    "severity_for",
    "target_findings",
    "health_findings",
    "retired_findings",
    "run_findings",
]

_SEVERITY = {Weight.HIGH: Severity.ERROR, Weight.MEDIUM: Severity.WARNING, Weight.LOW: Severity.INFO}


def severity_for(weight: Weight) -> Severity:
    return _SEVERITY[weight]


def list_full(zone: Zone) -> str:
    """"Spamhaus ZEN (zen.spamhaus.org)", or just the zone when it has no name of its own."""
    return zone.name if zone.label == zone.name else f"{zone.label} ({zone.name})"


def _listed(value: str, r: ZoneResult) -> Finding:
    zone = r.zone
    advice = next((c.advice for c in r.codes if c.advice), None)
    remedy = [advice or zone.first_step or "Find and fix why the address or domain sent unwanted mail, then ask "
                                           "the list operator for removal."]
    if zone.delist:
        remedy.append(f"Look up and request removal at {zone.delist}.")
    remedy.extend(zone.notes)
    codes = ", ".join(c.address for c in r.codes)
    return findings.make(
        "dnsbl.listed",
        severity=severity_for(r.weight),
        remedy=remedy,
        evidence={"value": value, "zone": zone.name, "list": zone.label, "codes": [c.address for c in r.codes],
                  "meaning": r.meaning, "weight": str(r.weight), "reason": r.reason, "delist": zone.delist},
        value=value, list=zone.label, list_full=list_full(zone), zone=zone.name, codes=codes, meaning=r.meaning,
        reason_text=f" The list says: {r.reason}" if r.reason else "",
    )


def _simple(fid: str, value: str, r: ZoneResult) -> Finding:
    codes = ", ".join(c.address for c in r.codes)
    return findings.make(fid, evidence={"value": value, "zone": r.zone.name, "codes": [c.address for c in r.codes],
                                        "meaning": r.meaning},
                         value=value, list=r.zone.label, list_full=list_full(r.zone), zone=r.zone.name,
                         codes=codes, meaning=r.meaning)


def target_findings(result: TargetResult, *, selected: Sequence[Zone] = (),
                    reported: frozenset[str] = frozenset()) -> tuple[Finding, ...]:
    """The findings about one target: each listing, allow-list entry and neutral reputation; the lookups
    that failed or were refused after a healthy guard; and, when nothing is listed, an ``ok`` finding
    naming the lists that could be trusted. Zones in ``reported`` already have a run-wide refused finding."""
    value = result.target.value
    if not result.results:
        names = ", ".join(z.name for z in selected) or "none"
        return (findings.make("dnsbl.no-list-for-input", value=value, kind=str(result.target.kind), zones=names),)
    out: list[Finding] = []
    for r in result.results:
        if r.status is Status.LISTED:
            out.append(_listed(value, r))
        elif r.status is Status.ALLOWLISTED:
            out.append(_simple("dnsbl.allowlisted", value, r))
        elif r.status is Status.NEUTRAL:
            out.append(_simple("dnsbl.neutral", value, r))
    trusted = [r for r in result.results if r.status in (Status.NOT_LISTED, Status.ALLOWLISTED, Status.NEUTRAL)]
    untested = _untested(result) if not result.listed and not trusted else None
    if untested is not None and len(result.results) > 1:
        return (*out, untested)  # one finding naming the common cause, not one per list
    failed = result.by_status(Status.FAILED)
    if failed:
        out.append(findings.make(
            "dnsbl.lookup-failed",
            evidence={"value": value, "zones": {r.zone.name: r.why for r in failed}},
            value=value, count=len(failed), zones="; ".join(f"{r.zone.name} ({r.why})" for r in failed)))
    for r in result.by_status(Status.REFUSED):
        if r.zone.name not in reported and r.answer is not None and r.answer.outcome.value == "ok":
            out.append(findings.make("dnsbl.query-refused",
                                     evidence={"value": value, "zone": r.zone.name,
                                               "codes": [c.address for c in r.codes]},
                                     list=r.zone.label, list_full=list_full(r.zone), zone=r.zone.name,
                                     why=r.why))
    if not result.listed:
        unknown = result.by_status(Status.UNKNOWN)
        if trusted:
            caveat = (f" Not trusted (zone failed its test point): {', '.join(r.zone.name for r in unknown)}."
                      if unknown else "")
            out.append(findings.make(
                "dnsbl.not-listed",
                evidence={"value": value, "zones": [r.zone.name for r in trusted]},
                value=value, count=len(trusted), zones=", ".join(r.zone.name for r in trusted), caveat=caveat))
    if untested is not None:
        out.append(untested)
    return tuple(out)


def _untested(result: TargetResult) -> Finding | None:
    """No list gave a usable answer about this target: one "could not test" finding that names the
    common cause (with several lists, the resolver) instead of one per list. None when a single failed
    lookup already says it, or when the run-wide "everything listed" finding does."""
    results = result.results
    if len(results) == 1 and results[0].status is Status.FAILED:
        return None
    if len(results) > 1 and all(r.status is Status.UNUSABLE for r in results):
        return None
    value = result.target.value
    counts: dict[str, int] = {}
    for r in results:
        counts[str(r.status)] = counts.get(str(r.status), 0) + 1
    how = ", ".join(f"{n} {_HOW.get(k, k)}" for k, n in counts.items())
    if len(results) > 1:
        cause = "the DNS resolver is the common cause"
        detail = (f"Every list gave an answer that cannot be trusted ({how}). Lists do not all fail at once: "
                  "the resolver this machine asks (offline, filtering, rewriting, or refused by the lists) "
                  "is what failed. This is 'could not test', not 'not listed'.")
    else:
        cause = f"{results[0].zone.name} gave no usable answer"
        detail = f"{results[0].zone.name}: {results[0].why or how}. This is 'could not test', not 'not listed'."
    return findings.make("dnsbl.untested", value=value, count=len(results), cause=cause, detail=detail,
                         evidence={"value": value, "counts": counts,
                                   "zones": {r.zone.name: r.why or str(r.status) for r in results}})


_HOW = {"unknown": "failed their test points", "failed": "did not answer", "refused": "refused the query",
        "unusable": "are broken"}


def health_findings(healths: Iterable[ZoneHealth], env: Environment) -> tuple[Finding, ...]:
    """Run-wide findings from the health guards: said once per zone (and once for the environment)."""
    healths = tuple(healths)
    out: list[Finding] = []
    if env.everything_listed:
        out.append(findings.make(
            "dnsbl.everything-listed",
            evidence={"zones": list(env.zones_listing_everything), "checked": env.zones_checked},
            count=len(env.zones_listing_everything), checked=env.zones_checked,
            zones=", ".join(env.zones_listing_everything)))
    served = [h for h in healths if h.status is not ZoneStatus.NOT_SERVED]
    # Every list failing its guard at once is one fact about the resolver, said once per target
    # (dnsbl.untested), not a note per list.
    resolver_failed = len(served) > 1 and all(
        h.status in (ZoneStatus.UNVERIFIED, ZoneStatus.UNREACHABLE, ZoneStatus.REFUSED) for h in served)
    seen: set[tuple[str, str]] = set()
    for h in healths:
        if resolver_failed and h.status is not ZoneStatus.NOT_SERVED:
            continue
        if h.status is ZoneStatus.NOT_SERVED:
            continue  # a zone of another kind: nothing to say
        key = (h.zone.name, str(h.status))
        if key in seen:
            continue
        seen.add(key)
        ev = {"zone": h.zone.name, "kind": str(h.kind), "status": str(h.status), "why": h.why,
              "test_points": [a.to_json() for a in (h.listed_point, h.unlisted_point) if a is not None]}
        if h.status in (ZoneStatus.BROKEN, ZoneStatus.ANSWERS_EVERYTHING):
            if not env.everything_listed:
                out.append(findings.make("dnsbl.zone-broken", evidence=ev, zone=h.zone.name, why=h.why))
        elif h.status is ZoneStatus.REFUSED:
            out.append(findings.make("dnsbl.query-refused", evidence=ev, list=h.zone.label,
                                     list_full=list_full(h.zone), zone=h.zone.name,
                                     why=f"Its test points answered {h.why}"))
        elif h.status in (ZoneStatus.UNVERIFIED, ZoneStatus.UNREACHABLE):
            note = f" {h.zone.notes[0]}" if h.zone.notes else ""
            out.append(findings.make("dnsbl.zone-unverified", evidence=ev, zone=h.zone.name, why=h.why, note=note))
    return tuple(out)


def retired_findings(dead: Iterable[tuple[str, DeadZone]]) -> tuple[Finding, ...]:
    return tuple(findings.make("dnsbl.zone-retired", zone=name, reason=d.reason,
                               evidence={"zone": name, "reason": d.reason, "matched": d.name})
                 for name, d in dead)


def run_findings(results: Iterable[TargetResult], healths: Iterable[ZoneHealth], env: Environment,
                 dead: Iterable[tuple[str, DeadZone]] = (), *, selected: Sequence[Zone] = ()) -> tuple[Finding, ...]:
    """Every finding of a run: the run-wide ones first, then each target's, in input order."""
    healths = tuple(healths)
    out = [*retired_findings(dead), *health_findings(healths, env)]
    reported = frozenset(h.zone.name for h in healths if h.status is ZoneStatus.REFUSED)
    for r in results:
        out.extend(target_findings(r, selected=selected, reported=reported))
    return tuple(out)
