"""What a worker runs on one partition: the project's own asyncio engines, unchanged.

Each job is a module-level function of (partition, settings) -> :class:`PartResult`, so Dask can ship it
by name, and a pure function of its input, so a retried partition gives the same lines. Each runs its own
event loop (``asyncio.run``) with the DNS concurrency of one worker's share.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

from .partition import Partition

__all__ = ["PartResult", "DomainSettings", "BlacklistSettings", "audit_domains", "check_blocklists", "explain_partition",
           "dumps"]


def dumps(obj: Any) -> str:
    """One JSON Lines line, exactly as the in-process commands write it (``report.formats.write_json_line``)."""
    from ..report.formats import json_line

    return json_line(obj)


@dataclass(frozen=True, slots=True, kw_only=True)
class PartResult:
    """One partition's output: its JSON lines in input order, the worst exit code, the bad lines' messages
    (each once, with its line number), and anything a job adds for the driver (explain's summary)."""

    index: int
    lines: tuple[str, ...]
    code: int = 0
    errors: tuple[str, ...] = ()
    extra: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainSettings:
    resolvers: tuple[str, ...] = ()
    ip: str | None = None
    selectors: tuple[str, ...] = ()
    helo: str | None = None
    eml: bytes | None = None
    eml_source: str = ""
    ca_file: str | None = None
    timeout: float = 3.0
    concurrency: int = 10  # this worker's share
    dnsbl: tuple[str, ...] = ()


def run_code(codes) -> int:
    """One exit status for a partition or a run: bad input (2) wins, then problems found (1), then
    inconclusive (3), then ok, as the in-process commands combine them."""
    from ..core.model import combine_exit_codes

    codes = set(codes)
    return 2 if 2 in codes else combine_exit_codes(codes)


def audit_domains(part: Partition, s: DomainSettings) -> PartResult:
    """``domain``: audit each line of the partition (a bad domain becomes a finding, as in-process)."""
    errors = tuple(f"{line.where}: {line.error}" for line in part.items if line.error)
    texts = [line.text for line in part.items if not line.error]
    lines, worst = asyncio.run(_audit(texts, s))
    return PartResult(index=part.index, lines=tuple(lines), code=run_code((worst, 2 if errors else 0)), errors=errors)


async def _audit(texts: list[str], s: DomainSettings) -> tuple[list[str], int]:
    from ..net.dns import Resolver
    from ..flows.domain_bulk import audit_stream

    res = Resolver(list(s.resolvers) or None, timeout=s.timeout, lifetime=s.timeout * 2)
    context = None
    if s.ca_file:
        import ssl

        context = ssl.create_default_context(cafile=s.ca_file)
    out: list[str] = []
    codes: list[int] = []
    async for audit in audit_stream(res, texts, concurrency=s.concurrency, ip=s.ip, selectors=s.selectors,
                                    helo=s.helo, eml=s.eml, eml_source=s.eml_source, context=context,
                                    timeout=s.timeout, dnsbl=s.dnsbl):
        codes.append(audit.exit_code)
        out.append(dumps(audit.to_json()))
    return out, run_code(codes)


@dataclass(frozen=True, slots=True, kw_only=True)
class BlacklistSettings:
    resolvers: tuple[str, ...] = ()
    zones: tuple = ()  # core.dnsbl_zones.Zone, chosen by the driver
    dead: tuple = ()
    concurrency: int = 512  # this worker's share
    rate: float = 8000.0  # this worker's share
    per_query: float = 4.0


def check_blocklists(part: Partition, s: BlacklistSettings) -> PartResult:
    """``blacklist``: each line -> its targets (a CIDR expands here, on the worker) -> the DNSBL engine."""
    from ..core.dnsbl_targets import BadInput, parse_target

    targets: list = []
    errors: list[str] = []
    for line in part.items:
        if line.error:
            errors.append(f"{line.where}: {line.error}")
            continue
        try:
            found = parse_target(line.text)
        except BadInput as exc:
            errors.append(f"{line.where}: {exc}" if line.number else str(exc))
            continue
        targets.extend(found)
    lines: list[str] = []
    worst = 0
    if targets:
        text, worst = asyncio.run(_blocklists(targets, s))
        lines = text.splitlines()
    return PartResult(index=part.index, lines=tuple(lines), code=run_code((worst, 2 if errors else 0)),
                      errors=tuple(errors))


async def _blocklists(targets: list, s: BlacklistSettings) -> tuple[str, int]:
    from ..flows.blacklist import open_lookup, stream_blacklist
    from ..report.blacklist import write_results
    from ..report.formats import OutputFormat

    out, err = io.StringIO(), io.StringIO()
    async with open_lookup(list(s.resolvers), s.per_query, concurrency=s.concurrency, rate=s.rate) as lookup:
        lines = stream_blacklist(lookup, targets, s.zones, s.dead, concurrency=s.concurrency, rate=s.rate)
        code = await write_results(lines, len(targets), OutputFormat.json, out, err)
    return out.getvalue(), code


def explain_partition(part: Partition, keep_hard: bool = True) -> PartResult:
    """``explain``: each unit's inputs through the explainer; the partition's tally and (``keep_hard``: a
    summary or a suppression list asked for them) its hard-bounced addresses."""
    from ..flows.explain import explain_item
    from ..report.explain_summary import Tally
    from .explain_parts import read_unit
    from .summary import hard_bounced

    tally = Tally()
    hard: list[str] = []
    problems = False
    lines: list[str] = []
    for unit in part.items:
        for item in read_unit(unit):
            e = explain_item(item)
            tally.add(e)
            if keep_hard:
                hard.extend(hard_bounced(e))
            problems = problems or any(r.explanation.reason not in ("delivered", "vacation") for r in e.results)
            lines.append(dumps(e.to_json()))
    return PartResult(index=part.index, lines=tuple(lines), code=1 if problems else 0,
                      extra=(tally, hard, problems))
