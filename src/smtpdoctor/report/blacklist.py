"""Writing blocklist results as they stream in: JSON Lines or text, with a progress bar on a terminal.

Used by the ``blacklist`` command and the web page, so both print the same thing for the same inputs.
"""

from __future__ import annotations

import contextlib

__all__ = ["write_results", "open_lookup", "target_report", "result_json"]


@contextlib.asynccontextmanager
async def open_lookup(nameservers, per_query: float, *, concurrency: int, rate: float | None):
    """The resolver for bulk blocklist lookups: the multiplexed UDP transport in front of the facade
    (which takes what the transport does not handle), or the facade alone when no plain-DNS server is known."""
    from ..net.dns import Resolver
    from ..net.udp_mux import MuxResolver, system_nameservers

    facade = Resolver(list(nameservers) or None, timeout=min(2.0, per_query), lifetime=per_query)
    servers = list(nameservers) or system_nameservers()
    lookup = (MuxResolver(servers, facade, timeout=min(2.0, per_query), lifetime=per_query,
                          max_in_flight=concurrency, rate=rate) if servers else facade)
    try:
        yield lookup
    finally:
        if isinstance(lookup, MuxResolver):
            lookup.close()


async def write_results(resolver, targets, zones, dead, fmt, concurrency, rate, out, err, *,
                        summary: bool = False) -> int:
    """Stream one result per target; the exit status of the contract (0 ok, 1 listed, 3 inconclusive).
    Text ends with a total ("2 of 16 listed, on 3 lists") when there was more than one target; JSON Lines
    get a summary object only when ``summary`` is asked for."""
    from ..judge.blacklist import health_findings, retired_findings, target_findings
    from ..observe.blocklists import Engine
    from ..core.dnsbl_facts import ZoneStatus
    from ..core.model import combine_exit_codes, exit_code_for
    from ..verdict import conclude
    from .formats import write_json_line
    from .summary import BlacklistTally

    tally = BlacklistTally()
    engine = Engine(resolver, zones, concurrency=concurrency, rate=rate)
    progress = _progress(err, len(targets))
    codes: list[int] = []
    reports = []
    run_wide: tuple = ()
    reported: frozenset[str] = frozenset()
    kinds: set = set()
    try:
        async for result in engine.stream(targets):
            if result.target.kind not in kinds:  # a new kind brings its zones' health guards
                kinds.add(result.target.kind)
                healths, env = await engine.healths()
                run_wide = (*retired_findings(dead), *health_findings(healths, env))
                reported = frozenset(h.zone.name for h in healths if h.status is ZoneStatus.REFUSED)
            mine = target_findings(result, selected=zones, reported=reported)
            tally.add(result)
            verdict, _, _ = conclude((*run_wide, *mine))
            codes.append(exit_code_for((*run_wide, *mine), verdict))
            if fmt.value == "json":
                write_json_line(result_json(result, (*run_wide, *mine), verdict), out)
            elif fmt.value == "text":
                out.write(_render_target(result, mine, verdict))
                out.flush()
            else:
                reports.append(target_report(result, (*run_wide, *mine)))
            if progress is not None:
                progress.advance(1)
    finally:
        if progress is not None:
            progress.close()
    healths, env = await engine.healths()
    run_wide = (*retired_findings(dead), *health_findings(healths, env))
    if any(f.is_problem for f in run_wide):
        codes.append(1)
    if fmt.value == "text":
        out.write(_render_notes(run_wide))
        if summary or len(targets) > 1:
            out.write(tally.text())
        out.flush()
    elif fmt.value == "json" and summary:
        write_json_line(tally.to_json(), out)
    elif fmt.value in ("markdown", "html"):
        from ..report import render_many

        out.write(render_many(reports, fmt.value, title=f"smtpdoctor blocklist report: {len(reports)} inputs"))
        out.flush()
    return combine_exit_codes(codes)


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
