"""Presenting explanations: plain text, Markdown and HTML, per input and as a bulk summary.

Renderers only present; they write to a stream as inputs arrive (nothing is held but the summary counts).
"""

from __future__ import annotations

import html
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import TextIO

from ..core.explanation import Explained, Kind
from ..core.text import SafeWriter, md_escape
from .explain_summary import Tally

__all__ = ["TextRenderer", "MarkdownRenderer", "HtmlRenderer", "renderer_for", "DETAIL_LIMIT"]

# Up to this many inputs each one is shown in full; beyond, one line per recipient and the summary.
DETAIL_LIMIT = 5

_KIND_WORDS = {Kind.REPLY: "SMTP reply", Kind.BOUNCE: "bounce", Kind.FEEDBACK: "feedback report (complaint)",
               Kind.AUTOREPLY: "automatic reply", Kind.NOT_BOUNCE: "not a bounce", Kind.UNPARSED: "unparsed"}


def _code(x) -> str:
    return " ".join(p for p in (x.replycode, x.status) if p) or "-"


class TextRenderer:
    def __init__(self, out: TextIO, detailed: bool) -> None:
        self.out, self.detailed = out, detailed

    def start(self) -> None:
        pass

    def item(self, e: Explained) -> None:
        w = self.out.write
        if not self.detailed:
            if not e.results:
                w(f"{e.source}: {_KIND_WORDS[e.kind]}{' - ' + e.note if e.note else ''}\n")
            for r in e.results:
                x = r.explanation
                w(f"{e.source}: {r.recipient or '-'}  {x.reason} ({x.category})  {_code(x)}"
                  f"{'  [' + x.provider + ']' if x.provider else ''}  {x.summary}\n")
            return
        w(f"== {e.source}: {_KIND_WORDS[e.kind]}{' - ' + e.note if e.note else ''}\n")
        for r in e.results:
            x = r.explanation
            who = r.recipient or "(no recipient named)"
            w(f"  {who}\n")
            w(f"    cause:    {x.summary}\n")
            w(f"    reason:   {x.reason}   category: {x.category}   code: {_code(x)}"
              f"{'   provider: ' + x.provider if x.provider else ''}\n")
            if r.diagnostic:
                said = r.diagnostic if len(r.diagnostic) <= 300 else r.diagnostic[:297] + "..."
                w(f"    server:   {said}\n")
            for i, step in enumerate(x.remedy, 1):
                w(f"    fix {i}:    {step}\n")
            if x.help_url:
                w(f"    help:     {x.help_url}\n")
        w("\n")

    def finish(self, tally: Tally, show_summary: bool) -> None:
        if not show_summary:
            return
        w = self.out.write
        w(f"\nSummary: {tally.inputs} inputs, {tally.results} recipients"
          f"{', ' + str(tally.unparsed_count) + ' unparsed or not bounces' if tally.unparsed_count else ''}\n")
        if tally.headline:
            w("\nTop causes (provider or receiving domain, reason):\n")
            for (who, reason), n in tally.headline.most_common(10):
                w(f"  {n:>7}  {who:<32} {reason}\n")
        for title, rows, total in tally.tables():
            w(f"\nBy {title}:\n")
            for key, n in rows:
                w(f"  {n:>7}  {100 * n / (total or 1):5.1f}%  {key}\n")
        if tally.unparsed:
            w("\nUnparsed or not a bounce:\n")
            for source, note in tally.unparsed:
                w(f"  {source}: {note}\n")
            if tally.unparsed_count > len(tally.unparsed):
                w(f"  ... and {tally.unparsed_count - len(tally.unparsed)} more\n")


_md = md_escape  # every field from a bounce, a reply or a file name is inert Markdown


class MarkdownRenderer:
    def __init__(self, out: TextIO, detailed: bool) -> None:
        self.out, self.detailed = out, detailed
        self.header_done = False

    def start(self) -> None:
        self.out.write("# smtpdoctor explain\n\n")

    def item(self, e: Explained) -> None:
        w = self.out.write
        if self.detailed:
            w(f"## {_md(e.source)} ({_KIND_WORDS[e.kind]})\n\n")
            if e.note:
                w(f"{_md(e.note)}\n\n")
            for r in e.results:
                x = r.explanation
                w(f"- **{_md(r.recipient or '(no recipient named)')}**: {_md(x.summary)}\n")
                w(f"  - reason `{x.reason}`, category `{x.category}`, code {_md(_code(x))}"
                  f"{', provider ' + _md(x.provider) if x.provider else ''}\n")
                if r.diagnostic:
                    w(f"  - server said: {_md(r.diagnostic[:300])}\n")
                for step in x.remedy:
                    w(f"  - fix: {_md(step)}\n")
                if x.help_url:
                    w(f"  - help: <{x.help_url}>\n")
            w("\n")
            return
        if not self.header_done:
            w("| source | recipient | reason | category | code | provider |\n|---|---|---|---|---|---|\n")
            self.header_done = True
        if not e.results:
            w(f"| {_md(e.source)} | - | {e.kind} | - | - | - |\n")
        for r in e.results:
            x = r.explanation
            w(f"| {_md(e.source)} | {_md(r.recipient or '-')} | {x.reason} | {x.category} | {_md(_code(x))} |"
              f" {_md(x.provider or '-')} |\n")

    def finish(self, tally: Tally, show_summary: bool) -> None:
        if not show_summary:
            return
        w = self.out.write
        w(f"\n## Summary\n\n{tally.inputs} inputs, {tally.results} recipients, "
          f"{tally.unparsed_count} unparsed or not bounces.\n")
        for title, rows, _ in tally.tables():
            w(f"\n| {title} | count |\n|---|---|\n")
            for key, n in rows:
                w(f"| {_md(key)} | {n} |\n")
        if tally.unparsed:
            w("\n### Unparsed\n\n")
            for source, note in tally.unparsed:
                w(f"- {_md(source)}: {_md(note)}\n")


class HtmlRenderer:
    def __init__(self, out: TextIO, detailed: bool) -> None:
        self.out, self.detailed = out, detailed

    def start(self) -> None:
        self.out.write("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>smtpdoctor explain</title>"
                       "</head><body>\n<h1>smtpdoctor explain</h1>\n")

    def item(self, e: Explained) -> None:
        w, h = self.out.write, html.escape
        w(f"<section><h2>{h(e.source)} <small>({h(_KIND_WORDS[e.kind])})</small></h2>\n")
        if e.note:
            w(f"<p>{h(e.note)}</p>\n")
        for r in e.results:
            x = r.explanation
            w(f"<h3>{h(r.recipient or '(no recipient named)')}</h3>\n<p>{h(x.summary)}</p>\n<ul>"
              f"<li>reason <code>{h(x.reason)}</code>, category <code>{h(str(x.category))}</code>, "
              f"code <code>{h(_code(x))}</code>{', provider ' + h(x.provider) if x.provider else ''}</li>\n")
            if r.diagnostic and self.detailed:
                w(f"<li>server said: <code>{h(r.diagnostic[:300])}</code></li>\n")
            if self.detailed:
                for step in x.remedy:
                    w(f"<li>fix: {h(step)}</li>\n")
            if x.help_url:
                w(f"<li>help: <a href=\"{h(x.help_url)}\">{h(x.help_url)}</a></li>\n")
            w("</ul>\n")
        w("</section>\n")

    def finish(self, tally: Tally, show_summary: bool) -> None:
        w, h = self.out.write, html.escape
        if show_summary:
            w(f"<h2>Summary</h2><p>{tally.inputs} inputs, {tally.results} recipients, "
              f"{tally.unparsed_count} unparsed or not bounces.</p>\n")
            for title, rows, _ in tally.tables():
                w(f"<table><tr><th>{h(title)}</th><th>count</th></tr>\n")
                for key, n in rows:
                    w(f"<tr><td>{h(key)}</td><td>{n}</td></tr>\n")
                w("</table>\n")
            if tally.unparsed:
                w("<h3>Unparsed</h3><ul>\n")
                for source, note in tally.unparsed:
                    w(f"<li>{h(source)}: {h(note)}</li>\n")
                w("</ul>\n")
        w("</body></html>\n")


def renderer_for(fmt: str, out: TextIO, detailed: bool):
    """The renderer for ``fmt``, writing through :class:`~smtpdoctor.core.text.SafeWriter`: no control character
    from a bounce or pasted text reaches the terminal or the file."""
    return {"text": TextRenderer, "markdown": MarkdownRenderer, "html": HtmlRenderer}[fmt](SafeWriter(out), detailed)
