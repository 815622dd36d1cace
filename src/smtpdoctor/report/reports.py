"""The ``reports`` summary in the four formats: the common renderers plus the per-source table ("who is
sending as me"), the timeline and the TLS failures by receiving MX. Present only."""

from __future__ import annotations

from ..model import Report
from . import render
from .headers import _html_table, _md_table, _text_table

__all__ = ["render_reports", "source_rows", "timeline_rows", "MAX_SOURCE_ROWS"]

MAX_SOURCE_ROWS = 50
_SRC_HEAD = ("source IP", "PTR", "service", "class", "messages", "DMARC pass", "DKIM aligned", "SPF aligned")
_DAY_HEAD = ("day", "messages", "DMARC pass")
_MX_HEAD = ("receiving MX", "result type", "failed sessions")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def source_rows(report: Report) -> list[tuple[str, ...]]:
    return [(s["ip"], s["ptr"] or "", s["service"] or "", s["class"], str(s["messages"]), _pct(s["dmarc_rate"]),
             _pct(s["dkim_aligned_rate"]), _pct(s["spf_aligned_rate"]))
            for s in report.extra.get("sources", [])[:MAX_SOURCE_ROWS]]


def timeline_rows(report: Report) -> list[tuple[str, ...]]:
    return [(d["day"], str(d["messages"]), _pct(d["dmarc_pass"] / d["messages"]) if d["messages"] else "n/a")
            for d in report.extra.get("timeline", [])]


def _mx_rows(report: Report) -> list[tuple[str, ...]]:
    return [(m["mx"], m["type"], str(m["sessions"])) for m in report.extra.get("tls", {}).get("by_mx", [])[:50]]


def render_reports(report: Report, fmt: str, *, verbose: bool = False, width: int | None = None) -> str:
    base = render(report, fmt, verbose=verbose, width=width)
    if fmt == "json":
        return base
    tables = [("Sending sources (who is sending as you)", _SRC_HEAD, source_rows(report)),
              ("Over time", _DAY_HEAD, timeline_rows(report)),
              ("TLS failures by receiving MX", _MX_HEAD, _mx_rows(report))]
    tables = [t for t in tables if t[2]]
    if fmt == "text":
        lines: list[str] = []
        for title, head, rows in tables:
            lines += ["", title] + _text_table(head, rows)
        return base + "\n".join(lines) + "\n"
    if fmt == "markdown":
        lines = []
        for title, head, rows in tables:
            lines += [f"## {title}", ""] + _md_table(head, rows) + [""]
        return base + "\n".join(lines) + "\n"
    from html import escape

    extra = "".join(f"<h2>{escape(title)}</h2>" + _html_table(head, rows) for title, head, rows in tables)
    return base.replace("</body></html>", extra + "\n</body></html>")
