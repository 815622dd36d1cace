"""The watch loop: check each target when it is due, store the result, raise alerts on change, deliver.

:meth:`Watcher.run_once` checks the given targets (all by default) once; :meth:`Watcher.run_forever`
repeats each at its own interval until stopped. A target's next run is computed from its last stored
result, so a restarted watch does not check everything again at once. Results are stored one by one as
each check completes (a killed watch loses at most the checks in flight).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Callable, Sequence

from .alerts import deliver_pending
from .changes import TargetState, decide_alerts
from .config import Target, WatchConfig
from .runner import CheckResult, run_targets
from .snapshot import carry_over
from .snapshot import facts as facts_of
from .store import Store

__all__ = ["Watcher"]

PRUNE_EVERY = 3600.0


class Watcher:
    def __init__(self, config: WatchConfig, store: Store, *, out=None,
                 on_result: Callable[[CheckResult], None] | None = None) -> None:
        self.config = config
        self.store = store
        self.out = out or sys.stdout
        self.on_result = on_result
        self.latest: dict[str, CheckResult] = {}
        self._ids: dict[str, int] = {}
        self._next: dict[str, float] | None = None  # target key -> when it is due next
        self._last_prune = 0.0

    def _target_id(self, t: Target) -> int:
        if t.key not in self._ids:
            self._ids[t.key] = self.store.target_id(t.key, t.kind, t.name)
        return self._ids[t.key]

    def commit(self, result: CheckResult) -> list[int]:
        """Store one result with the alerts it raises (one transaction); returns the alert ids."""
        t = result.target
        tid = self._target_id(t)
        state = TargetState.from_json(self.store.state(tid))
        found = carry_over(t.kind, state.facts, facts_of(t.kind, result.report), result.report)

        def timeline():
            since = state.last_ok_at if state.last_ok_at is not None else 0.0
            return [(r["at"], r["facts"]) for r in self.store.results(tid, since=since, limit=500)]

        alerts, new_state = decide_alerts(
            kind=t.kind, name=t.name, state=state, report=result.report, facts=found, at=result.at,
            cert_days=self.config.alerts.cert_days, unreachable_after=self.config.alerts.unreachable_after,
            timeline=timeline)
        _, ids = self.store.record(tid, at=result.at, duration=result.duration, verdict=result.verdict,
                                   report=result.report, facts=found, state=new_state.to_json(),
                                   alerts=[(a.kind, a.title, a.details) for a in alerts],
                                   channels=self.config.alerts.channels)
        self.latest[t.key] = result
        if self.on_result is not None:
            self.on_result(result)
        return ids

    async def deliver(self) -> tuple[int, int]:
        return await deliver_pending(self.store, self.config.alerts, out=self.out)

    async def run_once(self, targets: Sequence[Target] | None = None) -> list[CheckResult]:
        """Check ``targets`` (default: all) once; store each result as it comes; deliver the alerts."""
        targets = list(self.config.targets if targets is None else targets)
        await self.deliver()  # whatever an earlier run left pending goes first
        results = []
        async for result in run_targets(targets, self.config):
            if self.commit(result):
                await self.deliver()
            results.append(result)
        await self.deliver()
        self._prune()
        return results

    def _prune(self) -> None:
        now = time.time()
        if now - self._last_prune >= PRUNE_EVERY:
            self.store.prune(self.config.retention_days, now)
            self._last_prune = now

    def due(self, now: float) -> tuple[list[Target], float]:
        """The targets due at ``now`` and the time the next one falls due. The first call reads each
        target's last result from the store (a restarted watch keeps the rhythm); later ones use memory."""
        if self._next is None:
            self._next = {}
            for t in self.config.targets:
                last = self.store.last_at(self._target_id(t))
                self._next[t.key] = (last + t.interval) if last is not None else now
        nxt = self._next
        due = [t for t in self.config.targets if nxt[t.key] <= now]
        for t in due:
            nxt[t.key] = now + t.interval
        return due, min(nxt.values(), default=now + 60.0)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run due targets until ``stop`` is set; failed deliveries are retried every minute."""
        while not stop.is_set():
            now = time.time()
            due, nxt = self.due(now)
            if due:
                await self.run_once(due)
                continue
            await self.deliver()
            wait = max(0.05, min(nxt - time.time(), 60.0))
            try:
                await asyncio.wait_for(stop.wait(), wait)
            except TimeoutError:
                pass
