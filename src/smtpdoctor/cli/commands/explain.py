"""``smtpdoctor explain [TEXT | FILE... | -]``: what an SMTP reply or a bounce means, and what to do."""

from __future__ import annotations

from typing import List

import typer

from ...report.formats import OutputFormat
from ..common import UsageError

__all__ = ["register", "explain"]


def register(app: typer.Typer) -> None:
    app.command(help="Explain SMTP replies and bounce messages: the cause, the provider's meaning and the fix. "
                     "Give reply text, .eml files, directories, mbox files, maildirs, or '-' for stdin.")(explain)


def explain(
    inputs: List[str] = typer.Argument(None, help="Reply text, files, directories (maildir too), mbox files, "
                                                  "or '-' for standard input.", show_default=False),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f",
                                     help="text | json (JSON Lines, one object per input) | markdown | html"),
    summary: bool = typer.Option(None, "--summary/--no-summary",
                                 help="Print the bulk summary table (default: when more than 5 inputs)."),
    progress: bool = typer.Option(None, "--progress/--no-progress",
                                  help="Show a progress counter on stderr (default: when stderr is a terminal)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes for many messages (0: one per CPU core)."),
) -> None:
    import os
    import sys

    from ...core.explanation import Kind
    from ...report.explain import DETAIL_LIMIT, renderer_for
    from ...flows.explain import explain_inputs
    from ...report.explain_summary import Tally
    from ...report.formats import write_json_line

    args = list(inputs or [])
    if not args:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("nothing to explain: give reply text, a file, a directory, or '-' to read stdin")
        args = ["-"]
    from ...flows.explain import MAX_REPLY_TEXT

    if any(len(a) > MAX_REPLY_TEXT for a in args):
        raise UsageError("reply text on the command line is over 1 MB; put it in a file")
    stdin = sys.stdin.buffer if "-" in args and sys.stdin is not None else None
    out = sys.stdout
    show_progress = sys.stderr.isatty() if progress is None else progress
    if not 0 <= jobs <= 256:
        raise UsageError("--jobs must be between 0 and 256")
    stream = explain_inputs(args, stdin, jobs=jobs or (os.cpu_count() or 1))
    tally = Tally()
    problems = False

    def note(e) -> None:
        nonlocal problems
        tally.add(e)
        if any(r.explanation.reason not in ("delivered", "vacation") for r in e.results):
            problems = True
        if show_progress and tally.inputs % 500 == 0:
            sys.stderr.write(f"\rsmtpdoctor: {tally.inputs} inputs explained")
            sys.stderr.flush()

    if fmt is OutputFormat.json:
        for e in stream:
            note(e)
            write_json_line(e.to_json(), out)
    else:
        head = []
        for e in stream:  # look ahead: a few inputs are shown in full, many as one line each
            head.append(e)
            if len(head) > DETAIL_LIMIT:
                break
        detailed = len(head) <= DETAIL_LIMIT
        renderer = renderer_for(fmt.value, out, detailed)
        renderer.start()
        for e in head:
            note(e)
            renderer.item(e)
        for e in stream:
            note(e)
            renderer.item(e)
        show = (not detailed) if summary is None else summary
        renderer.finish(tally, show)
        out.flush()
    if show_progress and tally.inputs >= 500:
        sys.stderr.write("\r\033[K")
    if tally.inputs and tally.kinds.get(str(Kind.UNPARSED), 0) == tally.inputs:
        first = tally.unparsed[0] if tally.unparsed else ("input", "unreadable")
        raise UsageError(f"{first[0]}: {first[1]}" if tally.inputs == 1 else
                         f"none of the {tally.inputs} inputs could be read (first: {first[0]}: {first[1]})")
    raise typer.Exit(1 if problems else 0)
