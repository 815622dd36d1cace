"""How ``smtpdoctor spf`` reads: text (with colour on a terminal), Markdown and HTML (JSON is the result's
own ``to_json``)."""

from __future__ import annotations

__all__ = ["print_text", "spf_document"]

_STYLE = {"pass": "bold green", "fail": "bold red", "softfail": "bold yellow", "neutral": "bold yellow",
          "none": "bold yellow", "permerror": "bold red", "temperror": "bold magenta"}


def _facts(result) -> list[str]:
    lines = [f"lookups: {result.lookups}/10, void lookups: {result.void_lookups}/2"]
    if result.reason:
        lines.insert(0, f"why: {result.reason}")
    if result.explanation is not None:
        lines.append(f"explanation: {result.explanation}")
    return lines


def _headline(result) -> str:
    return (f"SPF {result.result} for {result.ip} sending as {result.sender} (domain {result.domain}, "
            f"HELO {result.helo})")


def print_text(result, console=None) -> None:
    """The result and its evaluation tree, on ``console`` (a rich Console; default: standard output)."""
    from rich.console import Console
    from rich.markup import escape as markup_escape

    from ..core.text import strip_control
    from ..protocol.spf.result import trace_lines

    def escape(text) -> str:  # SPF text comes from DNS (exp=, records): inert for rich and the terminal
        return markup_escape(strip_control(str(text)))

    console = console or Console(highlight=False, soft_wrap=True)
    style = _STYLE[str(result.result)]
    console.print(f"[{style}]SPF {result.result}[/]{escape(_headline(result)[4 + len(str(result.result)):])}")
    for line in _facts(result):
        console.print(f"  {escape(line)}")
    console.print("")
    console.print("Evaluation:")
    for line in trace_lines(result):
        console.print("  " + escape(line))


def spf_document(result, fix: str | None = None):
    """The result, the fix (when the IP is not permitted) and the evaluation tree, as one document."""
    from ..protocol.spf.result import trace_lines
    from .document import Document, Para, Pre

    doc = Document(f"smtpdoctor spf: {result.domain} for {result.ip}")
    doc.add(Para(_headline(result), strong=True), *(Para(line) for line in _facts(result)))
    if fix:
        doc.add(Para(f"Fix: {fix}", strong=True))
    return doc.add(Pre(tuple(trace_lines(result))))
