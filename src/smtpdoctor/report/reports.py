"""The ``reports`` summary in the four formats: the common renderers plus the per-source table ("who is
sending as me"), the timeline and the TLS failures by receiving MX. Present only."""

from __future__ import annotations

from ..core.model import Report
from . import render
from .headers import _html_table, _md_table, _text_table

__all__ = ["render_reports", "source_rows", "timeline_rows", "timeline_svg", "MAX_SOURCE_ROWS"]

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

    extra = timeline_svg(report) + "".join(f"<h2>{escape(title)}</h2>" + _html_table(head, rows)
                                           for title, head, rows in tables)
    return base.replace("</body></html>", extra + "\n</body></html>")


def timeline_svg(report: Report, *, width: int = 640, height: int = 180) -> str:
    """Volume (bars) and DMARC pass rate (a line, right axis 0-100 %) per day, as inline SVG: no script,
    no external asset, readable without colour (the rate is also in the table beside it)."""
    from html import escape

    days = report.extra.get("timeline", [])
    if not days:
        return ""
    pad, n = 30, len(days)
    top = max(d["messages"] for d in days) or 1
    step = (width - 2 * pad) / n
    bars, points = [], []
    for i, d in enumerate(days):
        h = (height - 2 * pad) * d["messages"] / top
        x = pad + i * step
        rate = d["dmarc_pass"] / d["messages"] if d["messages"] else 0.0
        bars.append(f'<rect x="{x + step * 0.1:.1f}" y="{height - pad - h:.1f}" width="{max(step * 0.8, 1):.1f}" '
                    f'height="{h:.1f}" fill="#9ab"><title>{escape(d["day"])}: {d["messages"]} messages, '
                    f'{100 * rate:.1f} % pass DMARC</title></rect>')
        points.append(f"{x + step / 2:.1f},{pad + (height - 2 * pad) * (1 - rate):.1f}")
    label = f"DMARC volume and pass rate per day, {escape(days[0]['day'])} to {escape(days[-1]['day'])}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{label}" class="timeline">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#555"/>'
            + "".join(bars)
            + f'<polyline points="{" ".join(points)}" fill="none" stroke="#2e7d32" stroke-width="2"/>'
            f'<text x="{pad}" y="{pad - 10}" font-size="11">messages (bars, max {top})</text>'
            f'<text x="{width - pad}" y="{pad - 10}" font-size="11" text-anchor="end">DMARC pass rate (line, 0-100 %)</text>'
            "</svg>")
