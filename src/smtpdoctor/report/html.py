"""One self-contained HTML file (inline CSS, no external assets, no script) for the ESP ticket."""

from __future__ import annotations

import json
from html import escape

from ..core.model import Report
from .ticket import ticket_view

__all__ = ["render_html", "render_html_many"]

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f23}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{padding:1rem 1.2rem;border-radius:.5rem;border:2px solid #c0392b;background:#fdf2f1}
.verdict.ok{border-color:#2e7d32;background:#f1f8f1}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.error{color:#b71c1c;font-weight:600}.warning{color:#8a6d00}.ok,.pass{color:#2e7d32}.fail{color:#b71c1c;font-weight:600}
.info{color:#1565c0}.skipped{color:#777}.untested{color:#8a6d00;font-weight:600}pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;font-size:13px}
code{font-size:13px}
"""


def _head(title: str) -> list[str]:
    return ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"]


def render_html(report: Report) -> str:
    v = ticket_view(report)
    return "\n".join(_head(v.title) + _body(report) + ["</body></html>"])


def render_html_many(reports: list[Report], *, title: str) -> str:
    """One self-contained page for several inputs (``domain`` and ``blacklist`` with many inputs)."""
    parts = _head(title) + [f"<h1>{escape(title)}</h1>"]
    for report in reports:
        parts += ["<article>"] + _body(report, level=2) + ["</article>"]
    return "\n".join(parts + ["</body></html>"])


def _verdict_head(v) -> str:
    if v.confidence == "inconclusive":
        return f"<p><strong>Inconclusive: {escape(v.verdict_category)} could not be tested</strong></p>"
    if v.verdict_category == "ok":
        return f"<p><strong>Nothing wrong found</strong> (confidence: {escape(v.confidence)})</p>"
    return f"<p><strong>Cause: {escape(v.verdict_category)}</strong> (confidence: {escape(v.confidence)})</p>"


def _body(report: Report, *, level: int = 1) -> list[str]:
    v = ticket_view(report)
    e = escape
    ok = v.verdict_category == "ok" and v.confidence != "inconclusive"
    parts = [
        f"<h{level}>{e(v.title)}</h{level}>", f"<p>Generated {e(v.generated)} by smtpdoctor {e(v.version)}.</p>",
        f'<section class="verdict{" ok" if ok else ""}"><h2>Verdict</h2>',
        _verdict_head(v),
        f"<p>{e(v.verdict_summary)}</p>",
    ]
    if v.detail:
        parts.append(f"<p>{e(v.detail)}</p>")
    if v.remedy:
        parts.append(f"<h3>What to do (step {e(v.remedy_step)})</h3><ol>" + "".join(f"<li>{e(r)}</li>" for r in v.remedy) + "</ol>")
    if v.evidence:
        parts.append("<h3>Evidence</h3><pre>" + e(json.dumps(v.evidence, indent=2, ensure_ascii=False,
                                                             default=str)) + "</pre>")
    parts.append("</section>")
    parts.append("<h2>Settings tested</h2><table>" + "".join(
        f"<tr><th>{e(k)}</th><td>{e(val)}</td></tr>" for k, val in v.settings) + "</table>")
    parts.append("<h2>The troubleshooting walk</h2><table><tr><th>step</th><th>status</th><th>findings</th></tr>"
                 + "".join(f'<tr><td>{e(n)}</td><td class="{e(s)}">{e(s)}</td><td>{e(ids)}</td></tr>'
                           for n, s, ids in v.steps) + "</table>")
    parts.append("<h2>Findings</h2><table><tr><th>severity</th><th>id</th><th>finding</th></tr>"
                 + "".join(f'<tr><td class="{e(sev)}">{e(sev)}</td><td><code>{e(fid)}</code></td><td>{e(t)}</td></tr>'
                           for sev, fid, t, _ in v.findings) + "</table>")
    for title, rows in v.sections:
        parts.append(f"<h2>{e(title)}</h2><table>" + "".join(
            f'<tr><td class="{e(sev)}">{e(sev)}</td><td><code>{e(fid)}</code></td><td>{e(t)}</td></tr>'
            for sev, fid, t in rows) + "</table>")
    if v.ports:
        rows = []
        for p in v.ports:
            tls = p.get("tls") or {}
            tls_text = f"{tls.get('version')} {'verified' if tls.get('verified') else (tls.get('problem') or '')}" if tls else ""
            rows.append(f"<tr><td>{e(str(p.get('address')))}</td><td>{e(str(p.get('port')))}</td>"
                        f"<td>{e(str(p.get('outcome')))}</td><td>{e(str(p.get('mode') or ''))}</td>"
                        f"<td>{e(str(p.get('greeting') or p.get('error') or ''))}</td><td>{e(tls_text)}</td></tr>")
        parts.append("<h2>Ports</h2><table><tr><th>address</th><th>port</th><th>outcome</th><th>mode</th>"
                     "<th>greeting</th><th>TLS</th></tr>" + "".join(rows) + "</table>")
    if v.transcript:
        parts.append("<h2>Transcript (secrets redacted)</h2><pre>" + e("\n".join(v.transcript)) + "</pre>")
    if v.timings:
        parts.append("<h2>Timings</h2><ul>" + "".join(f"<li>{e(k)}: {val:.3f} s</li>" for k, val in v.timings.items())
                     + "</ul>")
    return parts
