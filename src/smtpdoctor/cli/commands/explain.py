"""``smtpdoctor explain [TEXT | FILE... | -]``: what an SMTP reply or a bounce means, and what to do."""

from __future__ import annotations

TYPE_CHECKING = False  # the annotations are read as text (cli.layer); pathlib and typing are not imported to run
if TYPE_CHECKING:
    from pathlib import Path
    from typing import List, Optional

from ...report.formats import OutputFormat, is_terminal
from ..common import UsageError
from ..layer import App, Argument, Exit, Option
from ..scale_options import CLUSTER, OUTPUT, PARTITION_SIZE, WORKERS

__all__ = ["register", "explain"]


def register(app: App) -> None:
    app.command(help="Explain SMTP replies and bounce messages: the cause, the provider's meaning and the fix. "
                     "Give reply text, .eml files, directories, mbox files, maildirs, or '-' for stdin.")(explain)


def explain(
    inputs: List[str] = Argument(None, help="Reply text, files, directories (maildir too), mbox files, "
                                                  "or '-' for standard input.", show_default=False),
    fmt: OutputFormat = Option(OutputFormat.text, "--format", "-f",
                                     help="text | json (JSON Lines, one object per input) | markdown | html"),
    summary: bool = Option(None, "--summary/--no-summary",
                                 help="Print the bulk summary table (default: when more than 5 inputs)."),
    progress: bool = Option(None, "--progress/--no-progress",
                                  help="Show a progress counter on stderr (default: when stderr is a terminal)."),
    jobs: int = Option(0, "--jobs", "-j", help="Worker processes for many messages (0: one per CPU core)."),
    suppression: Optional[Path] = Option(None, "--suppression", help="Write the hard-bounced addresses "
                                               "to FILE, one a line (for a suppression list).", show_default=False),
    workers: Optional[int] = WORKERS, cluster: Optional[str] = CLUSTER, output: Optional[Path] = OUTPUT,
    partition_size: Optional[int] = PARTITION_SIZE,
) -> None:
    import sys

    from ..collector import CollectorPaused

    # the engines load and the first input is judged (the reply rules load for it) without cyclic collection:
    # ~20 collections and 3-4 ms of CPU in a 405-file run, a few hundred objects freed; the inputs after the
    # first are judged with the collector as usual (an mbox has no end)
    loading = CollectorPaused()
    try:
        with loading:
            from ...report.explain_summary import Tally
            from ...report.formats import write_json_line

            args, stdin, bulk, stream = _start(inputs, fmt, progress, jobs, workers, cluster, output, partition_size)
        if bulk is not None:  # a Dask run, or Parquet: smtpdoctor.scale reads the inputs partition by partition
            raise Exit(_bulk(args, stdin, bulk, bool(summary), suppression))
        _write(stream, fmt, summary, suppression,
               is_terminal(sys.stderr) if progress is None else progress, Tally(), write_json_line)
    finally:
        loading.release()


def _start(inputs, fmt: OutputFormat, progress, jobs: int, workers, cluster, output, partition_size):
    """The inputs checked, and the stream of their explanations with its first one made (or the bulk options)."""
    import os
    import sys

    from ...flows.explain import explain_inputs

    args = list(inputs or [])
    if not args:
        if sys.stdin is None or is_terminal(sys.stdin):
            raise UsageError("nothing to explain: give reply text, a file, a directory, or '-' to read stdin")
        args = ["-"]
    from ...flows.explain import MAX_REPLY_TEXT

    if any(len(a) > MAX_REPLY_TEXT for a in args):
        raise UsageError("reply text on the command line is over 1 MB; put it in a file")
    stdin = sys.stdin.buffer if "-" in args and sys.stdin is not None else None
    if not 0 <= jobs <= 256:
        raise UsageError("--jobs must be between 0 and 256")
    if any(value is not None for value in (workers, cluster, output, partition_size)):
        from ..scale_options import scale_options  # (none given: an in-process run, as domain and blacklist)

        bulk = scale_options(workers, cluster, output, partition_size, fmt, progress=progress is not False)
        if bulk.wanted:
            return args, stdin, bulk, None
    stream = explain_inputs(args, stdin, jobs=jobs or (os.cpu_count() or 1))
    first = next(stream, None)
    if first is None:
        return args, stdin, None, stream
    import itertools

    return args, stdin, None, itertools.chain((first,), stream)


def _write(stream, fmt: OutputFormat, summary, suppression, show_progress: bool, tally, write_json_line) -> None:
    import sys

    out = sys.stdout
    problems = False
    from ...scale.summary import HardBounces, unreadable

    hard = HardBounces()

    def note(e) -> None:
        nonlocal problems
        tally.add(e)
        if suppression is not None:
            hard.add(e)
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
        _render(stream, fmt, out, note, tally, summary)
    if show_progress and tally.inputs >= 500:
        sys.stderr.write("\r\033[K")
    if suppression is not None:
        hard.write(suppression)
    if unreadable(tally):
        raise UsageError(unreadable(tally))
    raise Exit(1 if problems else 0)


def _render(stream, fmt: OutputFormat, out, note, tally, summary: bool | None) -> None:
    """Text, Markdown or HTML: a few inputs are shown in full, many as one line each (look ahead)."""
    from ...report.explain import DETAIL_LIMIT, renderer_for

    head = []
    for e in stream:
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
    renderer.finish(tally, (not detailed) if summary is None else summary)
    out.flush()


def _bulk(args, stdin, options, summary: bool, suppression) -> int:
    from ...scale.bulk import run_explain
    from ...scale.options import ScaleError

    try:
        return run_explain(args, stdin, options, summary=summary, suppression=suppression)
    except ScaleError as exc:
        raise UsageError(str(exc)) from None
