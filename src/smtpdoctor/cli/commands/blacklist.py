"""``smtpdoctor blacklist IP|CIDR|DOMAIN... | --file FILE``: is this address or domain on a block list?"""

from __future__ import annotations

from typing import List, Optional

import typer

from ..common import OutputFormat, UsageError

_MAX_FILE_BYTES = 5_000_000


def register(app: typer.Typer) -> None:
    app.command(help="Check IP addresses, CIDR ranges (up to /24, /120) and domains against DNS block lists, "
                     "with health guards that tell 'listed' from a refused query or a broken list.")(blacklist)


def blacklist(
    inputs: List[str] = typer.Argument(None, help="IPv4 or IPv6 addresses, CIDR ranges, or domains.",
                                       show_default=False),
    file: Optional[str] = typer.Option(None, "--file", help="Read inputs from FILE, one per line ('-' for stdin); "
                                                             "'#' starts a comment."),
    dnsbl: List[str] = typer.Option([], "--dnsbl", help="Zone to use instead of the built-in list (repeatable); "
                                                        "'default' adds the built-in default set, 'all' every "
                                                        "catalogue zone including those off by default."),
    resolver: List[str] = typer.Option([], "--resolver", help="DNS server IP[:PORT] to ask (repeatable; "
                                                              "default: the system's). Use your own resolver."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text | json (JSON Lines)"),
    concurrency: int = typer.Option(512, "--concurrency", help="Queries in flight at once."),
    rate: float = typer.Option(8000.0, "--rate", help="Queries per second, at most."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds to wait for each zone's answer "
                                                                    "(default: the catalogue's, 4 s)."),
) -> None:
    import asyncio

    from ...dns import parse_nameserver
    from ...dnsbl.targets import BadInput, parse_inputs
    from ...dnsbl.zones import UnknownZoneName, select_zones

    if fmt not in (OutputFormat.text, OutputFormat.json):
        raise UsageError(f"--format {fmt.value} is not supported by blacklist: use text or json")
    if not 1 <= concurrency <= 10_000:
        raise UsageError("--concurrency must be between 1 and 10000")
    if not 0 < rate <= 1_000_000:
        raise UsageError("--rate must be a positive number of queries per second")
    if timeout is not None and not 0 < timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    for r in resolver:
        try:
            parse_nameserver(r)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    files = [_read_file(file)] if file else []
    try:
        targets = parse_inputs(inputs or [], files)
        zones, dead = select_zones(dnsbl or None)
    except (BadInput, UnknownZoneName) as exc:
        raise UsageError(str(exc)) from None
    if timeout is not None:
        import dataclasses

        zones = tuple(dataclasses.replace(z, timeout=timeout) for z in zones)
    if not zones:
        names = ", ".join(n for n, _ in dead)
        raise UsageError(f"no zone left to ask: {names} {'is' if len(dead) == 1 else 'are'} known dead")
    per_query = max(z.timeout for z in zones)
    code = asyncio.run(_main(list(resolver), per_query, targets, zones, dead, fmt, concurrency, rate))
    raise typer.Exit(code)


async def _main(nameservers, per_query, targets, zones, dead, fmt, concurrency, rate) -> int:
    import sys

    from ...dns import Resolver
    from ...dns.udp_mux import MuxResolver, system_nameservers

    facade = Resolver(nameservers or None, timeout=min(2.0, per_query), lifetime=per_query)
    servers = nameservers or system_nameservers()
    # Bulk lookups go through the multiplexed UDP layer; the facade takes what it does not handle.
    lookup = (MuxResolver(servers, facade, timeout=min(2.0, per_query), lifetime=per_query,
                          max_in_flight=concurrency, rate=rate) if servers else facade)
    try:
        return await _run(lookup, targets, zones, dead, fmt, concurrency, rate, sys.stdout, sys.stderr)
    finally:
        if isinstance(lookup, MuxResolver):
            lookup.close()


def _read_file(name: str) -> tuple[str, str]:
    import sys

    try:
        if name == "-":
            data = sys.stdin.buffer.read(_MAX_FILE_BYTES + 1)
            label = "standard input"
        else:
            with open(name, "rb") as fh:
                data = fh.read(_MAX_FILE_BYTES + 1)
            label = name
    except OSError as exc:
        raise UsageError(f"--file {name}: {exc.strerror or exc}") from None
    if len(data) > _MAX_FILE_BYTES:
        raise UsageError(f"--file {name}: larger than {_MAX_FILE_BYTES // 1_000_000} MB; split it")
    if b"\0" in data:
        raise UsageError(f"--file {name}: a binary file, not a list of addresses and domains")
    try:
        return label, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--file {name}: not UTF-8 text") from None


async def _run(resolver, targets, zones, dead, fmt, concurrency, rate, out, err) -> int:
    from ...dnsbl.checks import health_findings, retired_findings, target_findings
    from ...dnsbl.query import Engine
    from ...dnsbl.facts import ZoneStatus
    from ...model import Severity
    from ..common import write_json_line

    engine = Engine(resolver, zones, concurrency=concurrency, rate=rate)
    progress = _progress(err, len(targets))
    worst = 0
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
            if any(f.severity is Severity.ERROR for f in mine):
                worst = 1
            if fmt.value == "json":
                write_json_line(_json(result, (*run_wide, *mine)), out)
            else:
                out.write(_render_target(result, mine))
                out.flush()
            if progress is not None:
                progress.advance(1)
    finally:
        if progress is not None:
            progress.close()
    healths, env = await engine.healths()
    run_wide = (*retired_findings(dead), *health_findings(healths, env))
    if any(f.severity is Severity.ERROR for f in run_wide):
        worst = 1
    if fmt.value == "text":
        out.write(_render_notes(run_wide))
        out.flush()
    return worst


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
    from ...dnsbl.facts import Status

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
