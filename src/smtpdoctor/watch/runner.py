"""Running watched targets through the one-shot commands' engines.

- a submission server: :func:`smtpdoctor.flows.diagnose.run_diagnosis` (what ``diagnose`` runs), the report as is;
- a sending domain: :func:`smtpdoctor.flows.domain.audit_domain` (what ``domain`` runs) plus a verdict;
- an IP, range or domain on blocklists: the DNSBL :class:`~smtpdoctor.observe.blocklists.Engine` (what
  ``blacklist`` runs), the same JSON object as a ``blacklist --format json`` line plus a verdict.

Nothing is checked here that those commands do not check. Every result's JSON passes the one redactor
before it leaves this module. One cycle shares one DNS resolver (and its per-run cache) among its domain
targets, and one multiplexed blocklist engine among its blocklist targets, so a cycle of ten thousand
blocklist targets costs what ``smtpdoctor blacklist --file`` costs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Sequence

from .config import Target, WatchConfig

__all__ = ["CheckResult", "run_targets", "run_one"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    target: Target
    at: float  # epoch seconds when the check started
    duration: float
    report: dict[str, Any]  # the full JSON report (redacted), with a "verdict"

    @property
    def verdict(self) -> dict[str, Any]:
        return self.report.get("verdict") or {}

    @property
    def category(self) -> str:
        return str(self.verdict.get("category", "ok"))

    @property
    def inconclusive(self) -> bool:
        """A step that decides the answer could not be tested (or the check crashed): no verdict either way."""
        return self.verdict.get("confidence") == "inconclusive"

    @property
    def ok(self) -> bool:
        return self.category == "ok" and not self.inconclusive


def _redacted(report: dict[str, Any], target: Target) -> dict[str, Any]:
    """The report through the one redactor (:meth:`Redactor.scrub`, every string at any depth): the
    password in every form, and the SASL blobs that carry it (PLAIN's ``base64(NUL user NUL password)``),
    masked wherever they stand, even where a server echoed them."""
    from ..core.redact import Redactor
    from ..protocol import sasl

    if not target.password:
        return report
    red = Redactor([target.password])
    user = target.options.get("user")
    if user:
        for name in ("PLAIN", "LOGIN"):
            try:
                red.add_forms(sasl.create(name, user, target.password).secret_forms())
            except sasl.SaslError:
                pass
    return red.scrub(report)


async def _submission(target: Target, config: WatchConfig) -> dict[str, Any]:
    from ..core.settings import Security, Settings
    from ..flows.diagnose import run_diagnosis

    o = dict(target.options)
    o["security"] = Security(o.get("security", "auto"))
    o.setdefault("resolvers", config.resolvers)
    o.setdefault("timeout", config.timeout)
    if config.dnsbl is not None:
        o.setdefault("dnsbl_zones", config.dnsbl)
    if config.ca_file and "ca_file" not in o:
        o["ca_file"] = config.ca_file
    o["dkim_selectors"] = tuple(o.get("dkim_selectors", ()))
    report = await run_diagnosis(Settings(password=target.password, **o))
    return report.to_json()


async def _domain(target: Target, resolver, config: WatchConfig) -> dict[str, Any]:
    from ..flows.domain import audit_domain
    from ..verdict import decide

    o = target.options
    audit = await audit_domain(resolver, target.name, ip=o.get("ip"), helo=o.get("helo"),
                               dkim_selectors=tuple(o.get("dkim_selectors", ())),
                               https_timeout=max(config.timeout, 5.0))
    out = audit.to_json()
    out["verdict"] = decide(audit.findings).to_json()
    return out


async def _blocklists(targets: Sequence[Target], zones: tuple[str, ...] | None, config: WatchConfig
                      ) -> AsyncIterator[tuple[Target, dict[str, Any], float]]:
    """Every blocklist target through one engine; yields (target, JSON, duration) in input order."""
    from ..judge.blacklist import health_findings, retired_findings, target_findings
    from ..report.blacklist import open_lookup, result_json
    from ..observe.blocklists import Engine
    from ..core.dnsbl_targets import parse_target
    from ..core.dnsbl_zones import select_zones
    from ..verdict import decide

    selected, dead = select_zones(zones)
    per_query = max((z.timeout for z in selected), default=4.0)
    expanded = [(t, [x for v in t.options["values"] for x in parse_target(v)]) for t in targets]
    async with open_lookup(list(config.resolvers), per_query, concurrency=512, rate=None) as lookup:
        engine = Engine(lookup, selected, concurrency=512, rate=None)
        flat = [x for _, xs in expanded for x in xs]
        stream = engine.stream(flat)
        for target, xs in expanded:
            start = time.perf_counter()
            parts = [await anext(stream) for _ in xs]
            healths, env = await engine.healths()
            run_wide = (*retired_findings(dead), *health_findings(healths, env))
            found: list = list(run_wide)
            lines = []
            for result in parts:
                mine = target_findings(result, selected=selected)
                found.extend(mine)
                lines.append(result_json(result, mine))
            out = {"schema": "smtpdoctor/watch-blocklist@1", "input": target.options["target"],
                   "listed": any(line["listed"] for line in lines), "targets": lines,
                   "findings": [f.to_json() for f in run_wide], "verdict": decide(found).to_json()}
            yield target, out, time.perf_counter() - start
        await stream.aclose()


async def run_targets(targets: Sequence[Target], config: WatchConfig) -> AsyncIterator[CheckResult]:
    """Check every target once; yield each result as it completes (any order)."""
    from ..net.dns import Resolver

    queue: asyncio.Queue = asyncio.Queue()
    sem = asyncio.Semaphore(config.concurrency)
    resolver = Resolver(list(config.resolvers) or None, timeout=min(config.timeout, 3.0),
                        lifetime=max(min(config.timeout, 3.0) * 2, 6.0))

    async def one(target: Target) -> None:
        async with sem:
            at, start = time.time(), time.perf_counter()
            try:
                if target.kind == "submission":
                    report = await _submission(target, config)
                else:
                    report = await _domain(target, resolver, config)
            except Exception as exc:  # a crashed check is a result too, never a dead watcher
                report = _crashed(target, exc)
            await queue.put(CheckResult(target=target, at=at, duration=time.perf_counter() - start,
                                        report=_redacted(report, target)))

    async def lists(group: list[Target], zones) -> None:
        at = time.time()
        done = 0
        try:
            async for target, report, took in _blocklists(group, zones, config):
                await queue.put(CheckResult(target=target, at=at, duration=took, report=report))
                done += 1
                at = time.time()
        except Exception as exc:  # the targets not yet answered get a crashed result each
            for target in group[done:]:
                await queue.put(CheckResult(target=target, at=at, duration=0.0, report=_crashed(target, exc)))

    groups: dict[Any, list[Target]] = {}
    for t in targets:
        if t.kind == "blocklist":
            groups.setdefault(tuple(t.options.get("dnsbl") or config.dnsbl or ()) or None, []).append(t)
    tasks = [asyncio.ensure_future(one(t)) for t in targets if t.kind != "blocklist"]
    tasks += [asyncio.ensure_future(lists(g, z)) for z, g in groups.items()]
    try:
        for _ in range(len(targets)):
            yield await queue.get()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _crashed(target: Target, exc: Exception) -> dict[str, Any]:
    from ..core import catalogue

    text = "".join(c if c.isprintable() else " " for c in f"{type(exc).__name__}: {exc}")[:300]
    finding = catalogue.make("watch.check-crashed", error=text)
    return {"schema": "smtpdoctor/watch-crash@1", "watched": target.key, "findings": [finding.to_json()],
            "verdict": {"category": "ok", "finding": finding.id, "summary": finding.title,
                        "confidence": "inconclusive"}}


async def run_one(target: Target, config: WatchConfig) -> CheckResult:
    """One fresh check of one target (``serve-metrics``' /probe)."""
    async for result in run_targets([target], config):
        return result
    raise RuntimeError("no result")  # pragma: no cover - run_targets yields once per target
