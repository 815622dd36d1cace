"""The timeline of one target, for ``smtpdoctor history``: each result with what changed since the one
before and the alerts it raised; by default only the results where something changed."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .snapshot import diff
from .store import Store

__all__ = ["timeline", "render_text"]


def timeline(store: Store, target_id: int, *, limit: int = 100, changes_only: bool = True) -> list[dict[str, Any]]:
    results = store.results(target_id, limit=limit + 1)
    alerts: dict[int, list[dict]] = {}
    for a in store.alerts(target_id, limit=100_000):
        alerts.setdefault(a["result_id"], []).append({"id": a["id"], "kind": a["kind"], "title": a["title"]})
    out = []
    for before, r in zip([None, *results], results):
        changes = [c.to_json() for c in diff(before["facts"], r["facts"])] if before else []
        verdict_changed = before is None or before["verdict"] != r["verdict"]
        row = {"at": datetime.fromtimestamp(r["at"], timezone.utc).isoformat(timespec="seconds"),
               "verdict": r["verdict"], "duration_s": round(r["duration_s"], 3), "changes": changes,
               "alerts": alerts.get(r["id"], [])}
        if not changes_only or verdict_changed or changes or row["alerts"]:
            out.append(row)
    return out[-limit:]


def render_text(key: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"{key}: no results yet\n"
    lines = [f"History of {key}", ""]
    for row in rows:
        v = row["verdict"]
        cause = f"{v['category']}" + (f" ({v['finding']})" if v.get("finding") else "")
        lines.append(f"{row['at'].replace('T', ' ')}  {cause:<40} {row['duration_s']:>7.2f} s  {v.get('summary') or ''}")
        for c in row["changes"]:
            lines.append(f"    changed: {c['text']}")
        for a in row["alerts"]:
            lines.append(f"    ALERT {a['kind']}: {a['title']}")
    return "\n".join(lines) + "\n"
