"""Writing blocklist results as they stream in: JSON Lines or text, with a progress bar on a terminal.

Used by the ``blacklist`` command and the web page, so both print the same thing for the same inputs; the
querying is :func:`smtpdoctor.flows.blacklist.stream_blacklist`.
"""

from __future__ import annotations

__all__ = ["write_results", "blacklist_document"]


async def write_results(lines, total: int, fmt, out, err) -> int:
    """Write each target's line of :func:`smtpdoctor.flows.blacklist.stream_blacklist` as it comes (a JSON
    Lines object, or text), then the notes on the lists (text); a progress bar on a terminal. The exit code:
    1 when any finding is an error, else 0."""
    from ..core.model import Severity
    from ..flows.blacklist import ListNotes
    from .formats import write_json_line

    progress = _progress(err, total)
    worst = 0
    collected: list = []  # Markdown and HTML are one document, written when every answer is in
    try:
        async for line in lines:
            found = line.run_wide if isinstance(line, ListNotes) else line.own
            if any(f.severity is Severity.ERROR for f in found):
                worst = 1
            if isinstance(line, ListNotes):
                if fmt.value == "text":
                    out.write(_render_notes(line.run_wide))
                    out.flush()
                elif fmt.value in ("markdown", "html"):
                    from .document import to_html, to_markdown

                    write = to_markdown if fmt.value == "markdown" else to_html
                    out.write(write(blacklist_document(collected, line.run_wide)))
                continue
            if fmt.value in ("markdown", "html"):
                collected.append(line)
            elif fmt.value == "json":
                write_json_line(_json(line.result, (*line.run_wide, *line.own)), out)
            else:
                out.write(_render_target(line.result, line.own))
                out.flush()
            if progress is not None:
                progress.advance(1)
    finally:
        if progress is not None:
            progress.close()
    return worst


def blacklist_document(lines, notes):
    """Every target's verdict line and findings, then the notes on the lists, as one document."""
    from .document import Document, Heading, Para, findings_table

    doc = Document("smtpdoctor blacklist: " + ", ".join(line.result.target.value for line in lines))
    for line in lines:
        head, *rest = _render_target(line.result, ()).splitlines()
        doc.add(Heading(head.split(": ", 1)[0]), Para(head.split(": ", 1)[1], strong=True),
                *(Para(text.strip()) for text in rest))
        shown = [f for f in line.own if f.id != "dnsbl.not-listed"]
        if shown:
            doc.add(findings_table(shown))
    if notes:
        doc.add(Heading("Notes on the lists"), findings_table(notes))
    return doc


def _json(result, found) -> dict:
    t = result.target
    counts: dict[str, int] = {}
    for r in result.results:
        counts[str(r.status)] = counts.get(str(r.status), 0) + 1
    return {
        "input": t.source,
        "value": t.value,
        "kind": str(t.kind),
        "listed": result.listed,
        "counts": counts,
        "results": [r.to_json() for r in result.results],
        "findings": [f.to_json() for f in found],
    }


class _Bar:
    def __init__(self, stream, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._p = Progress(TextColumn("blocklists"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                           console=Console(file=stream), transient=True)
        self._task = self._p.add_task("lookups", total=total)
        self._p.start()

    def advance(self, n: int) -> None:
        self._p.advance(self._task, n)

    def close(self) -> None:
        self._p.stop()


def _progress(stream, total: int) -> _Bar | None:
    """A progress bar on stderr, only when stderr is a terminal and there is more than one input."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return _Bar(stream, total) if tty and total > 1 else None


_MARK = {"error": "x", "warning": "!", "info": "i", "ok": "+"}


def _render_target(result, found) -> str:
    from ..core.dnsbl_facts import Status

    t = result.target
    name = t.value if t.source == t.value else f"{t.value} (from {t.source})"
    listed = result.by_status(Status.LISTED)
    usable = [r for r in result.results if r.status not in (Status.UNUSABLE,)]
    if listed:
        head = f"{name}: LISTED on {len(listed)} of {len(usable)} lists"
    elif not result.results:
        head = f"{name}: no selected list serves {t.kind} lookups"
    else:
        ok = [r for r in result.results if r.status in (Status.NOT_LISTED, Status.ALLOWLISTED, Status.NEUTRAL)]
        unverified = result.by_status(Status.UNKNOWN)
        if ok:
            head = f"{name}: not listed ({len(ok)} of {len(result.results)} lists answered)"
        elif unverified:
            head = (f"{name}: not listed, but unverified ({len(unverified)} of {len(result.results)} lists "
                    "failed their test points)")
        else:
            head = f"{name}: could not be checked (none of {len(result.results)} lists gave a usable answer)"
    lines = [head]
    for f in found:
        if f.id == "dnsbl.not-listed":
            continue
        lines.append(f"  [{_MARK.get(str(f.severity), '?')}] {f.title}")
        if f.detail:
            lines.append(f"      {f.detail}")
        for step in f.remedy[:2]:
            lines.append(f"      -> {step}")
    unknown = result.by_status(Status.UNKNOWN)
    if unknown and (listed or len(unknown) < len(result.results)):
        lines.append("  [?] not trusted (zone failed its test point): " + ", ".join(r.zone.name for r in unknown))
    return "\n".join(lines) + "\n"


def _render_notes(found) -> str:
    if not found:
        return ""
    lines = ["", "Notes on the lists:"]
    for f in found:
        lines.append(f"  [{_MARK.get(str(f.severity), '?')}] {f.title}")
        if f.detail:
            lines.append(f"      {f.detail}")
        for step in f.remedy[:1]:
            lines.append(f"      -> {step}")
    return "\n".join(lines) + "\n"
