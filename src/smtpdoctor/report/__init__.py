"""Renderers: they only present results. ``render`` is the diagnose report's (text, json, markdown, html); the
other commands have their modules here (domain, spf, blacklist, explain; ``document`` for Markdown and HTML)."""

from __future__ import annotations

__all__ = ["render", "render_many"]


def render(report, fmt: str, *, verbose: bool = False, width: int | None = None) -> str:
    """``report`` in ``fmt``. Every format for people passes :func:`~smtpdoctor.core.text.strip_control` last, so
    no control character from a server or the user reaches a terminal, a ticket or a page (JSON escapes
    them itself)."""
    from ..core.text import strip_control

    if fmt == "json":
        from .json import render_json

        return render_json(report)
    if fmt == "text":
        from .text import render_text

        return strip_control(render_text(report, verbose=verbose, width=width))
    if fmt == "markdown":
        from .markdown import render_markdown

        return strip_control(render_markdown(report))
    if fmt == "html":
        from .html import render_html

        return strip_control(render_html(report))
    raise ValueError(f"unknown format {fmt!r}")


def render_many(reports, fmt: str, *, title: str) -> str:
    """Several inputs' reports as one document: Markdown tickets one after the other, one HTML page."""
    if fmt == "html":
        from .html import render_html, render_html_many

        return render_html(reports[0]) if len(reports) == 1 else render_html_many(reports, title=title)
    if fmt == "markdown":
        from .markdown import render_markdown

        return "\n\n".join(render_markdown(r) for r in reports)
    raise ValueError(f"unknown format {fmt!r}")
