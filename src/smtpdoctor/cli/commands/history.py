"""``smtpdoctor history TARGET [--db URL] [--format text|json]``: the timeline of a watched target."""

from __future__ import annotations

from typing import Optional

from ...report.formats import OutputFormat
from ..common import UsageError
from ..layer import App, Argument, Option

__all__ = ["register"]


def register(app: App) -> None:
    app.command(help="Show a watched target's timeline: verdicts, what changed, and the alerts.")(history)


def history(
    target: str = Argument(..., help="The target's name (smtp.example.com:587, example.com, 192.0.2.1) "
                                           "or key (domain:example.com)."),
    db: Optional[str] = Option(None, "--db", help="SQLite file or postgresql://… URL (default: the watch's)."),
    limit: int = Option(100, "--limit", help="The newest N results."),
    all_results: bool = Option(False, "--all", help="Every result, not only those where something changed."),
    fmt: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json (JSON Lines)"),
) -> None:
    import sys

    from ...watch import StoreError, open_store
    from ...watch.history import timeline, render_text
    from ...report.formats import write_json_line

    if fmt not in (OutputFormat.text, OutputFormat.json):
        raise UsageError(f"--format {fmt.value} is not available for history (use text or json)")
    if not 1 <= limit <= 1_000_000:
        raise UsageError("--limit must be between 1 and 1000000")
    try:
        store = open_store(db, must_exist=True)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    try:
        found = store.find_target(target)
        if found is None:
            known = [row[3] for row in store.targets()][:10]
            raise UsageError(f"no history for {target!r}" + (f"; known targets: {', '.join(known)}" if known
                                                              else " (the database is empty)"))
        rows = timeline(store, found[0], limit=limit, changes_only=not all_results)
        if fmt is OutputFormat.json:
            for row in rows:
                write_json_line({"target": found[1], **row})
        else:
            sys.stdout.write(render_text(found[1], rows))
    finally:
        store.close()
