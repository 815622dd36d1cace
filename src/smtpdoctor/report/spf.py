"""How ``smtpdoctor spf`` reads: text (with colour on a terminal), Markdown and HTML (JSON is the result's
own ``to_json``)."""

from __future__ import annotations

__all__ = ["print_text", "spf_document"]

# The result's colour on a terminal (SGR codes: bold with green, red, yellow or magenta). Written by hand, not
# with rich: four words of colour are not worth rich's ~60 ms of imports in a command that is otherwise
# ~0.1 s of start-up (issue 16).
_STYLE = {"pass": "1;32", "fail": "1;31", "softfail": "1;33", "neutral": "1;33", "none": "1;33", "permerror": "1;31",
          "temperror": "1;35"}


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


def print_text(result, stream=None, *, color: bool = False) -> None:
    """The result and its evaluation tree, on ``stream`` (default: standard output); the result word in
    colour with ``color`` (the CLI's choice: a terminal, no ``NO_COLOR``)."""
    import sys

    from ..core.text import strip_control
    from ..protocol.spf.result import trace_lines

    stream = stream or sys.stdout
    word = f"SPF {result.result}"
    if color:
        word = f"\033[{_STYLE[str(result.result)]}m{word}\033[0m"
    # SPF text comes from DNS (exp=, records): control characters are made visible, never sent to the terminal.
    lines = [word + strip_control(_headline(result)[4 + len(str(result.result)):])]
    lines += [f"  {strip_control(line)}" for line in _facts(result)]
    lines += ["", "Evaluation:", *("  " + strip_control(line) for line in trace_lines(result))]
    stream.write("\n".join(lines) + "\n")


def spf_document(result, fix: str | None = None):
    """The result, the fix (when the IP is not permitted) and the evaluation tree, as one document."""
    from ..protocol.spf.result import trace_lines
    from .document import Document, Para, Pre

    doc = Document(f"smtpdoctor spf: {result.domain} for {result.ip}")
    doc.add(Para(_headline(result), strong=True), *(Para(line) for line in _facts(result)))
    if fix:
        doc.add(Para(f"Fix: {fix}", strong=True))
    return doc.add(Pre(tuple(trace_lines(result))))
