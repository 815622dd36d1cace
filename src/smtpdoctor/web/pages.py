"""Rendering pages: the Jinja environment (autoescaped, templates from the package), the CSRF token of
each form, and the error page every failure turns into."""

from __future__ import annotations

from typing import Any

import re

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .. import __version__
from ..report.formats import transcript_glyph

__all__ = ["render_page", "error_page", "glyph", "linkify", "verdict_heading", "STEP_LABELS", "STATUS_MARKS"]

STEP_LABELS = {
    "client-settings": "Client settings",
    "server-connection": "Server connection",
    "authentication": "Authentication",
    "firewall": "Firewall",
    "dns": "DNS",
    "blacklist": "Blacklist",
}
STATUS_MARKS = {"pass": "✔ passed", "fail": "✖ failed", "warn": "! warning", "skipped": "– skipped",
                "running": "… running", "pending": "waiting", "unknown": "? unknown",
                "not-tested": "– not tested", "untested": "? could not test"}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("smtpdoctor.web", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
def glyph(direction: str, tls: bool) -> str:
    """swaks' transcript marks (report.formats.GLYPHS, the one table)."""
    return transcript_glyph(direction, tls)


def short_evidence(evidence: Any) -> list[tuple[str, str]]:
    """The plain values of a finding's evidence (a reply, a port, a count), for the page; nested data
    stays in the downloadable report."""
    if not isinstance(evidence, dict):
        return []
    out = []
    for key, value in evidence.items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(str(value)) <= 300:
            out.append((str(key).replace("_", " "), str(value)))
    return out[:8]


_URL = re.compile(r"https?://[^\s<>\"')]+[^\s<>\"').,;:!?]")


def linkify(text: Any) -> Markup:
    """A remedy with its help URLs as links (opened in a new tab, no referrer); everything else escaped."""
    text = str(text)
    out, last = [], 0
    for m in _URL.finditer(text):
        url = m.group(0)
        out += [escape(text[last:m.start()]),
                Markup('<a href="{0}" rel="noreferrer noopener" target="_blank">{0}</a>').format(url)]
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


# The verdict heading as a plain sentence a newcomer reads first (the category name stays in the report).
VERDICT_HEADINGS = {
    "ok": "Nothing is wrong with what was tested.",
    "blacklist": "Your sending address or domain is on a blocklist.",
    "authentication": "The server did not accept the sign-in.",
    "connection": "The server could not be reached or refused the connection.",
    "port": "The port is wrong for this server.",
    "firewall": "A firewall is blocking the connection.",
    "dns": "A DNS record needs fixing.",
    "client": "The sending tool's settings don't fit this server.",
}


def verdict_heading(verdict: Any) -> str:
    """The heading for a verdict (or a bare category): a sentence, and an honest one when a step that decides
    the answer could not be tested."""
    category = getattr(verdict, "category", verdict)
    if str(getattr(verdict, "confidence", "")) == "inconclusive":
        return f"No answer yet: the {category} step could not be tested."
    return VERDICT_HEADINGS.get(str(category), f"The problem: {category}.")


_env.filters["glyph"] = glyph
_env.filters["linkify"] = linkify
_env.filters["verdict_heading"] = verdict_heading
_env.filters["short_evidence"] = short_evidence
_env.globals.update(version=__version__, STEP_LABELS=STEP_LABELS, STATUS_MARKS=STATUS_MARKS)


def render_page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    csrf = request.app.state.csrf
    cookie = request.scope.get("smtpdoctor_csrf_cookie")
    context.setdefault("csrf_token", csrf.token(cookie) if cookie else "")
    context.setdefault("nav", "")
    context.setdefault("errors", {})
    context.setdefault("message", None)
    context.setdefault("extra_nav", getattr(request.app.state, "extra_nav", ()))
    runs = getattr(request.app.state, "runs", None)
    context.setdefault("my_runs", runs.of(cookie) if runs is not None and cookie else [])
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status_code: int, title: str, message: str, *, back: str | None = None) -> HTMLResponse:
    return render_page(request, "error.html", status_code=status_code, title=title, message=message,
                       back=back or "/")
