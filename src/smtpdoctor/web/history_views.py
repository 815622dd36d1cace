"""The watch history page: ``/history`` lists the watched targets with their current verdict;
``/history/{key}`` shows one target's timeline — a plot of verdicts, response time and listings over
time (inline SVG, no script), what changed, and the alerts. Read-only: it reads the database that
``smtpdoctor watch`` writes (``serve --watch-db``; default: the watch's default file, never created here).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from .pages import render_page

__all__ = ["history_index", "history_target", "timeline_svg"]

W, H, PAD = 600.0, 180.0, 28.0
COLOURS = {"ok": "#1a7f37", "blacklist": "#8250df", "authentication": "#cf222e", "connection": "#cf222e",
           "port": "#bc4c00", "firewall": "#bc4c00", "dns": "#9a6700", "client": "#0969da"}


def _store(request: Request):
    from ..watch.store import StoreError, open_store

    try:
        return open_store(request.app.state.config.watch_db, must_exist=True)
    except StoreError:
        return None


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _index_rows(request: Request) -> list[dict[str, Any]] | None:
    store = _store(request)
    if store is None:
        return None
    try:
        rows = []
        for tid, key, kind, name in store.targets():
            last = store.results(tid, limit=1)
            v = last[-1]["verdict"] if last else {"category": "-", "finding": None, "summary": "no result yet"}
            rows.append({"key": key, "kind": kind, "name": name, "verdict": v,
                         "at": _when(last[-1]["at"]) if last else ""})
        return rows
    finally:
        store.close()


async def history_index(request: Request):
    rows = await asyncio.to_thread(_index_rows, request)
    return render_page(request, "history.html", title="Watch history", nav="history", rows=rows, target=None)


def _target_data(request: Request, key: str) -> dict[str, Any] | None:
    from ..watch.history import timeline

    store = _store(request)
    if store is None:
        return None
    try:
        found = store.find_target(key)
        if found is None:
            return None
        results = store.results(found[0], limit=500)
        return {"key": found[1], "name": found[3], "kind": found[2], "svg": timeline_svg(results),
                "changes": list(reversed(timeline(store, found[0], limit=100))),
                "alerts": list(reversed(store.alerts(found[0], limit=100))),
                "current": results[-1]["verdict"] if results else None}
    finally:
        store.close()


async def history_target(request: Request):
    key = request.path_params["key"]
    data = await asyncio.to_thread(_target_data, request, key)
    if data is None:
        raise HTTPException(404)
    return render_page(request, "history.html", title=f"History of {data['name']}", nav="history", rows=None,
                       target=data, when=_when)


def timeline_svg(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Plot data (pure): a response-time line, a dot per result coloured by verdict, and a bar per
    result with listings. Coordinates in a 600 x 180 box that the page scales to its width."""
    if not results:
        return {"w": W, "h": H, "points": "", "dots": [], "bars": [], "max_s": 0, "start": "", "end": ""}
    t0, t1 = results[0]["at"], results[-1]["at"]
    span = (t1 - t0) or 1.0
    top = max(r["duration_s"] for r in results) or 1.0

    def x(t: float) -> float:
        return round(PAD + (t - t0) / span * (W - 2 * PAD), 1) if len(results) > 1 else W / 2

    def y(d: float) -> float:
        return round(H - PAD - d / top * (H - 2 * PAD), 1)

    dots, bars = [], []
    for r in results:
        cat = r["verdict"]["category"]
        dots.append({"x": x(r["at"]), "y": y(r["duration_s"]), "colour": COLOURS.get(cat, "#57606a"),
                     "label": f"{_when(r['at'])}: {cat}" + (f" ({r['verdict']['finding']})" if r["verdict"].get("finding") else "")
                              + f", {r['duration_s']:.2f} s"})
        listed = sum(1 for k in r["facts"] if k.startswith("listed:"))
        if listed:
            height = min(listed, 4) * 30
            bars.append({"x": x(r["at"]) - 2, "y": H - PAD - height, "h": height})
    points = " ".join(f"{d['x']},{d['y']}" for d in dots)
    return {"w": W, "h": H, "points": points, "dots": dots, "bars": bars, "max_s": round(top, 2),
            "start": _when(t0), "end": _when(t1)}
