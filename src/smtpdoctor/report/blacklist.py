"""Writing blocklist results as they stream in: JSON Lines or text, with a progress bar on a terminal.

Used by the ``blacklist`` command and the web page, so both print the same thing for the same inputs; the
querying is :func:`smtpdoctor.flows.blacklist.stream_blacklist`.
"""

from __future__ import annotations

__all__ = ["write_results", "target_report", "result_json"]


async def write_results(lines, total: int, fmt, out, err, *, summary: bool = False) -> int:
    """Write each target's line of :func:`smtpdoctor.flows.blacklist.stream_blacklist` as it comes (a JSON
    Lines object, or text), Markdown and HTML once every answer is in; a progress bar on a terminal.
    Text ends with a total ("2 of 16 listed, on 3 lists") when there was more than one target; JSON Lines
    get a summary object only when ``summary`` is asked for.
    Returns the contract's exit status (0 ok, 1 listed, 3 inconclusive)."""
    from ..core.model import combine_exit_codes, exit_code_for
    from ..flows.blacklist import ListNotes
    from ..verdict import conclude
    from ..core.text import strip_control
    from .formats import write_json_line
    from .summary import BlacklistTally

    tally = BlacklistTally()
    progress = _progress(err, total)
    codes: list[int] = []
    reports = []
    try:
        async for line in lines:
            if isinstance(line, ListNotes):
                if any(f.is_problem for f in line.run_wide):
                    codes.append(1)
                _write_end(line, tally, reports, fmt.value, out, summary=summary, many=total > 1)
                continue
            found = (*line.run_wide, *line.own)
            tally.add(line.result)
            verdict, _, _ = conclude(found)
            codes.append(exit_code_for(found, verdict))
            if fmt.value == "json":
                write_json_line(result_json(line.result, found, verdict), out)
            elif fmt.value == "text":
                out.write(strip_control(_render_target(line.result, line.own, verdict)))
                out.flush()
            else:
                reports.append(target_report(line.result, found))
            if progress is not None:
                progress.advance(1)
    finally:
        if progress is not None:
            progress.close()
    return combine_exit_codes(codes)


def _write_end(notes, tally, reports, fmt: str, out, *, summary: bool, many: bool) -> None:
    """What follows the last target: the lists' notes and, for several targets or when asked for, the total
    (text); the summary object only when asked for (JSON Lines); or the whole Markdown / HTML report."""
    from ..core.text import strip_control
    from .formats import write_json_line

    if fmt == "text":
        out.write(strip_control(_render_notes(notes.run_wide)))
        if summary or many:
            out.write(tally.text())
    elif fmt == "json" and summary:
        write_json_line(tally.to_json(), out)
    elif fmt in ("markdown", "html"):
        from ..report import render_many

        out.write(render_many(reports, fmt, title=f"smtpdoctor blocklist report: {len(reports)} inputs"))
    out.flush()


def target_report(result, found):
    """One target's findings as a :class:`~smtpdoctor.core.model.Report` (for Markdown and HTML)."""
    from .. import __version__
    from ..core.model import Report, Target
    from ..verdict import conclude

    verdict, steps, ordered = conclude(found)
    t = result.target
    is_domain = str(t.kind) == "domain"
    return Report(target=Target(domain=t.value if is_domain else None, ip=None if is_domain else t.value),
                  verdict=verdict, findings=ordered, steps=tuple(s for s in steps if str(s.name) == "blacklist"),
                  version=__version__, extra={"settings": {"input": t.source, "value": t.value,
                                                           "lists": ", ".join(r.zone.name for r in result.results)}})


def result_json(result, found, verdict=None) -> dict:
    """One target's object, as a `blacklist --format json` line prints it (and `watch` stores it)."""
    if verdict is None:
        from ..verdict import conclude

        verdict = conclude(found)[0]
    t = result.target
    counts: dict[str, int] = {}
    for r in result.results:
        counts[str(r.status)] = counts.get(str(r.status), 0) + 1
    return {
        "input": t.source,
        "value": t.value,
        "kind": str(t.kind),
        "verdict": verdict.to_json(),
        "listed": result.listed,
        "counts": counts,
        "results": [r.to_json() for r in result.results],
        "findings": [f.to_json() for f in found],
    }


def _progress(stream, total: int):
    """A progress bar on stderr, only when stderr is a terminal, and only once the run has taken a second."""
    from .progress import LateBar

    return LateBar.on(stream, total, "blocklists")


_MARK = {"error": "x", "warning": "!", "info": "i", "ok": "+"}


def _render_target(result, found, verdict) -> str:
    from ..core.dnsbl_facts import Status

    t = result.target
    name = t.value if t.source == t.value else f"{t.value} (from {t.source})"
    listed = result.by_status(Status.LISTED)
    usable = [r for r in result.results if r.status not in (Status.UNUSABLE,)]
    if verdict.inconclusive:
        head = f"{name}: INCONCLUSIVE (not tested, exit 3): {verdict.summary}"
    elif listed:
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
        if not (verdict.inconclusive and f.id == verdict.finding):  # the head already says it
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
