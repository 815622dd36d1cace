"""The ``blacklist`` command's stream (and its web page's, and the scale jobs'): targets in, one line of
findings per target out, then the run-wide notes. Apart from :mod:`.blacklist` (which names it too) because
diagnose and domain use only :func:`~smtpdoctor.flows.blacklist.blacklist_findings` (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import AsyncIterator

from ..core.model import Finding

__all__ = ["stream_blacklist", "TargetLine", "ListNotes"]


@dataclass(frozen=True, slots=True)
class TargetLine:
    """One target's results: its own findings, and the run-wide ones (the lists' health) known so far."""

    result: object  # observe.blocklists' TargetResult
    own: tuple[Finding, ...]
    run_wide: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class ListNotes:
    """The last item of a stream: the run-wide findings once every answer is in."""

    run_wide: tuple[Finding, ...]


async def stream_blacklist(resolver, targets, zones, dead, *, concurrency: int,
                           rate: float | None) -> AsyncIterator[TargetLine | ListNotes]:
    """Ask every zone about every target; yield a :class:`TargetLine` per target as its answers complete
    (input order), then one :class:`ListNotes`."""
    from ..core.dnsbl_facts import ZoneStatus
    from ..judge.blacklist import health_findings, retired_findings, target_findings
    from ..observe.blocklists import Engine

    engine = Engine(resolver, zones, concurrency=concurrency, rate=rate)
    run_wide: tuple[Finding, ...] = ()
    reported: frozenset[str] = frozenset()
    kinds: set = set()
    async for result in engine.stream(targets):
        if result.target.kind not in kinds:  # a new kind brings its zones' health guards
            kinds.add(result.target.kind)
            healths, env = await engine.healths()
            run_wide = (*retired_findings(dead), *health_findings(healths, env))
            reported = frozenset(h.zone.name for h in healths if h.status is ZoneStatus.REFUSED)
        yield TargetLine(result, target_findings(result, selected=zones, reported=reported), run_wide)
    healths, env = await engine.healths()
    yield ListNotes((*retired_findings(dead), *health_findings(healths, env)))
