"""``smtpdoctor demo``: start the lab, diagnose every scenario, and say whether each verdict is right.

SMTP scenarios (:data:`~smtpdoctor.lab.scenarios.SCENARIOS`) are diagnosed with ``diagnose``; the DNS
scenarios (:data:`~smtpdoctor.lab.domain_scenarios.DOMAIN_SCENARIOS`) are audited with ``domain``
against the lab DNS server serving their zone, and are right when the audit finds what they promise.

Each scenario runs on its own lab host (its own 127.x.y.z address, the real port numbers when we may
bind them) beside the lab's DNS world; several scenarios run at once, bounded, and each within its
deadline (:attr:`Scenario.deadline`), so a hostile server cannot hold the demo.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from ..flows.diagnose import run_diagnosis
from ..core.model import Report
from .domain_scenarios import DOMAIN_SCENARIOS, DomainScenario
from .scenarios import SCENARIOS, Scenario
from .world import LabWorld

__all__ = ["DemoResult", "DomainDemoResult", "run_demo", "select"]

DOMAIN_DEADLINE = 20.0  # seconds for one DNS scenario's audit


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoResult:
    scenario: Scenario
    report: Report | None
    seconds: float
    error: str | None = None

    @property
    def got(self) -> str:
        if self.report is None:
            return "error"
        return self.report.verdict.finding or "ok"

    @property
    def right(self) -> bool:
        return self.report is not None and self.error is None and self.got == self.scenario.expect_finding \
            and self.report.verdict.category is self.scenario.expect_category

    @property
    def verdict(self) -> str:
        got = self.report.verdict if self.report else None
        return f"{got.category.value}: {got.finding or 'ok'}" if got else ""

    def to_json(self) -> dict:
        return {"scenario": self.scenario.name, "description": self.scenario.description,
                "expected": {"category": str(self.scenario.expect_category), "finding": self.scenario.expect_finding},
                "verdict": self.report.verdict.to_json() if self.report else None,
                "right": self.right, "seconds": round(self.seconds, 3), "error": self.error}


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainDemoResult:
    """A DNS scenario audited with ``domain``: right when the audit has the promised finding."""

    scenario: DomainScenario
    ids: tuple[str, ...]
    seconds: float
    error: str | None = None
    report = None  # no diagnose report: the audit's finding ids are the result

    @property
    def right(self) -> bool:
        return self.error is None and self.scenario.expect_finding in self.ids

    @property
    def verdict(self) -> str:
        found = self.scenario.expect_finding if self.right else ", ".join(self.ids[:3])
        return f"domain: {found}" if found else ""

    def to_json(self) -> dict:
        return {"scenario": self.scenario.name, "description": self.scenario.description, "kind": "domain",
                "expected": {"category": str(self.scenario.expect_category), "finding": self.scenario.expect_finding},
                "findings": list(self.ids), "right": self.right, "seconds": round(self.seconds, 3), "error": self.error}


def select(names: Iterable[str]) -> list[Scenario | DomainScenario]:
    everything = [*SCENARIOS, *DOMAIN_SCENARIOS]
    wanted = list(names)
    if not wanted:
        return everything
    by_name = {s.name: s for s in everything}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ValueError(f"unknown scenario {unknown[0]!r}; `smtpdoctor demo --list` shows them")
    return [by_name[n] for n in wanted]


async def _one(scenario: Scenario, world: LabWorld) -> DemoResult:
    start = time.perf_counter()
    late = f"did not end within {scenario.deadline:.0f} s"
    try:
        async with scenario.lab_host() as host:
            settings = scenario.settings_for(host, **world.overrides())
            # A hostile server (drip-feed, endless reply) must not hold the demo: past the scenario's
            # deadline the run is stopped; what it observed so far is kept, and the result is wrong.
            async with asyncio.timeout(scenario.deadline) as deadline:
                report = await run_diagnosis(settings)
        return DemoResult(scenario=scenario, report=report, seconds=time.perf_counter() - start,
                          error=late if deadline.expired() else None)
    except TimeoutError:
        return DemoResult(scenario=scenario, report=None, seconds=time.perf_counter() - start, error=late)
    except Exception as exc:  # a lab that cannot start (no free address, ...) is reported, not fatal
        return DemoResult(scenario=scenario, report=None, seconds=time.perf_counter() - start,
                          error=f"{type(exc).__name__}: {exc}")


async def _one_domain(scenario: DomainScenario) -> DomainDemoResult:
    from ..flows.domain import audit_domain
    from ..net.dns import Resolver
    from .dns_server import LabDnsServer

    from .https_files import LabHttpsFiles

    start = time.perf_counter()
    try:
        async with asyncio.timeout(DOMAIN_DEADLINE), LabDnsServer(scenario.zone()) as dns, \
                LabHttpsFiles(scenario.file_texts(), names=scenario.https_names or (scenario.domain,)) as web:
            audit = await audit_domain(Resolver([dns.address], timeout=2, lifetime=4), scenario.domain,
                                       https_port=web.port, ssl_context=web.pki.client_context())
        return DomainDemoResult(scenario=scenario, ids=audit.ids(), seconds=time.perf_counter() - start)
    except TimeoutError:
        return DomainDemoResult(scenario=scenario, ids=(), seconds=time.perf_counter() - start,
                                error=f"did not end within {DOMAIN_DEADLINE:.0f} s")
    except Exception as exc:  # reported, not fatal, as for the SMTP scenarios
        return DomainDemoResult(scenario=scenario, ids=(), seconds=time.perf_counter() - start,
                                error=f"{type(exc).__name__}: {exc}")


async def run_demo(scenarios: list[Scenario | DomainScenario], *, concurrency: int = 8,
                   on_result: Callable[[DemoResult | DomainDemoResult], None] | None = None
                   ) -> list[DemoResult | DomainDemoResult]:
    """Diagnose ``scenarios`` (in parallel, ``concurrency`` at a time); results in scenario order."""
    gate = asyncio.Semaphore(concurrency)
    async with LabWorld() as world:
        async def bounded(s: Scenario | DomainScenario) -> DemoResult | DomainDemoResult:
            async with gate:
                result = await (_one_domain(s) if isinstance(s, DomainScenario) else _one(s, world))
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(bounded(s) for s in scenarios)))
