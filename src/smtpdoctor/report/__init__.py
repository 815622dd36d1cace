"""Renderers: they only present a :class:`~smtpdoctor.core.model.Report` (text, json, markdown, html)."""

from __future__ import annotations

__all__ = ["render", "render_many"]


def render(report, fmt: str, *, verbose: bool = False, width: int | None = None) -> str:
    if fmt == "json":
        from .json import render_json

        return render_json(report)
    if fmt == "text":
        from .text import render_text

        return render_text(report, verbose=verbose, width=width)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from .html import render_html

        return render_html(report)
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
