"""Which alerts a new result raises: on change only, one alert per change.

A pure function from (the target's state, the new result's verdict and facts, the timeline since the
target last worked) to (alerts, the new state). The state is stored in the same transaction as the
result and its alerts, so after a crash the next run neither repeats nor forgets an alert.

One change, one alert:

- ``listed`` / ``delisted``: per (address, list); they also stand for the verdict change they cause;
- ``unreachable``: the server could not be reached K runs in a row (``unreachable_after``); fewer
  runs say nothing, and the verdict change they carry is this alert's;
- ``verdict-changed``: the root cause changed (ok → bad, or one cause → another), naming the first
  change of facts that explains it when one does;
- ``recovered``: back to ok after an alerted problem (a verdict, unreachable, an expiring certificate);
- ``record-changed``: DNS facts changed (old → new) while the verdict did not;
- ``cert-expiring``: the certificate expires within ``cert_days`` (once per certificate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .snapshot import DNS_FACTS, Change, cert_of, days_left, describe, diff, explain, lookups_failed

__all__ = ["Alert", "TargetState", "decide_alerts", "UNREACHABLE_CATEGORIES"]

UNREACHABLE_CATEGORIES = ("connection", "firewall")


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    kind: str
    title: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetState:
    verdict: dict[str, Any] | None = None  # category, finding, summary of the last result
    facts: dict[str, str] = field(default_factory=dict)
    unreachable_runs: int = 0
    unreachable_alerted: bool = False
    bad_alerted: bool = False
    cert_alerted: str | None = None  # sha256 of the certificate an expiry alert was sent for
    last_ok_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "facts": self.facts, "unreachable_runs": self.unreachable_runs,
                "unreachable_alerted": self.unreachable_alerted, "bad_alerted": self.bad_alerted,
                "cert_alerted": self.cert_alerted, "last_ok_at": self.last_ok_at}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "TargetState":
        data = dict(data or {})
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _key(verdict: Mapping[str, Any] | None) -> tuple | None:
    return None if verdict is None else (verdict.get("category"), verdict.get("finding"))


def _unreachable(kind: str, verdict: Mapping[str, Any]) -> bool:
    finding = str(verdict.get("finding") or "")
    return kind == "submission" and verdict.get("category") in UNREACHABLE_CATEGORIES and not finding.startswith("tls.")


def decide_alerts(*, kind: str, name: str, state: TargetState, report: Mapping[str, Any], facts: Mapping[str, str],
                  at: float, cert_days: int, unreachable_after: int,
                  timeline: Callable[[], Sequence[tuple[float, Mapping[str, str]]]] = lambda: ()
                  ) -> tuple[list[Alert], TargetState]:
    """The alerts for one new result, and the target's next state. ``timeline()`` gives (time, facts) of
    the results since the last good one, oldest first (asked only when a verdict turns bad)."""
    verdict = dict(report.get("verdict") or {})
    unknown = verdict.get("confidence") == "inconclusive"  # not tested (or the check crashed): no news
    if (unknown or (verdict.get("category") == "ok" and lookups_failed(kind, report))) and state.verdict is not None:
        verdict = dict(state.verdict)  # "nothing found" while lookups failed is no recovery: keep what we knew
    elif unknown:
        verdict = {"category": "ok", "finding": None, "summary": "not tested yet"}
    ok = verdict.get("category") == "ok"
    changes = diff(state.facts, facts) if state.verdict is not None else []
    alerts: list[Alert] = []
    listing = [c for c in changes if c.key.startswith("listed:")]
    if state.verdict is None:  # the first result: listings found now are news too
        listing = [Change(key=k, old=None, new=v) for k, v in sorted(facts.items()) if k.startswith("listed:")]
    for c in listing:
        value, zone = c.key.split(":", 1)[1].rsplit("@", 1)
        gone = c.new is None
        alerts.append(Alert(kind="delisted" if gone else "listed",
                            title=f"{value} is {'no longer listed' if gone else 'listed'} on {zone}",
                            details={"value": value, "zone": zone, "codes": c.new or c.old}))
    new = dict(state.to_json(), verdict={k: verdict.get(k) for k in ("category", "finding", "summary")},
               facts=dict(facts))
    if ok:
        new["last_ok_at"] = at
    unreachable = _unreachable(kind, verdict)
    if unreachable:
        new["unreachable_runs"] = state.unreachable_runs + 1
        if new["unreachable_runs"] >= unreachable_after and not state.unreachable_alerted:
            new["unreachable_alerted"] = new["bad_alerted"] = True
            alerts.append(Alert(kind="unreachable",
                                title=f"{name} unreachable for {new['unreachable_runs']} runs: {verdict.get('summary')}",
                                details={"verdict": verdict, "runs": new["unreachable_runs"]}))
    else:
        new["unreachable_runs"] = 0
    verdict_changed = _key(state.verdict) != _key(verdict)
    if not unreachable and verdict_changed and not (listing and verdict.get("category") in ("blacklist", "ok")):
        if ok and (state.bad_alerted or state.unreachable_alerted):
            alerts.append(Alert(kind="recovered", title=f"{name} recovered: {verdict.get('summary')}",
                                details={"verdict": verdict, "previous": state.verdict}))
        elif not ok:
            why = explain(verdict.get("finding"), [*timeline(), (at, facts)]) if state.verdict else None
            title = f"{name}: {verdict.get('summary')}"
            if why:
                title += f" ({why['text']})"
            alerts.append(Alert(kind="verdict-changed", title=title,
                                details={"verdict": verdict, "previous": state.verdict, "cause": why,
                                         "changes": [c.to_json() for c in changes if not c.key.startswith("listed:")]}))
        new["bad_alerted"] = not ok
    elif listing:
        new["bad_alerted"] = not ok
    if not unreachable:
        new["unreachable_alerted"] = False
    if ok:
        new["bad_alerted"] = False
    dns = [c for c in changes if c.key.startswith(DNS_FACTS)]
    if dns and not any(a.kind in ("verdict-changed", "recovered") for a in alerts):
        alerts.append(Alert(kind="record-changed",
                            title=f"{name}: " + "; ".join(describe(c) for c in dns),
                            details={"changes": [c.to_json() for c in dns]}))
    alerts += _cert(name, report, state, new, at, cert_days)
    return alerts, TargetState.from_json(new)


def _cert(name: str, report: Mapping[str, Any], state: TargetState, new: dict, at: float, cert_days: int) -> list[Alert]:
    cert = cert_of(report)
    if not cert:
        return []
    left = days_left(cert, at)
    sha = str(cert.get("sha256"))
    if left is not None and 0 <= left <= cert_days:
        if state.cert_alerted != sha:
            new["cert_alerted"] = sha
            return [Alert(kind="cert-expiring",
                          title=f"{name}: the certificate expires in {left:.0f} days ({cert.get('not_after')})",
                          details={"not_after": cert.get("not_after"), "days_left": round(left, 1), "sha256": sha,
                                   "subject": cert.get("subject")})]
    elif state.cert_alerted and state.cert_alerted != sha and left is not None and left > cert_days:
        new["cert_alerted"] = None
        return [Alert(kind="recovered", title=f"{name}: the certificate was renewed; it expires {cert.get('not_after')}",
                      details={"not_after": cert.get("not_after"), "sha256": sha})]
    return []
