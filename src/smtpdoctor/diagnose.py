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
from . import providers
from .checks import auth as auth_checks
from .checks import client as client_checks
from .checks import envelope as envelope_checks
from .checks import firewall as firewall_checks
from .checks import host as host_checks
from .checks import reachability, security_mode
from .checks import tls as tls_checks
from .checks.server_facts import ServerFacts
from .dns import Resolver
from .model import Finding, Report, Target, TranscriptLine
from .probes.host import HostLookup, resolve_host
from .probes.port import ProbeOptions
from .dnsbl.api import blacklist_findings
from .dnsbl.citations import citation_finding, rejection_cites_listing
from .domain.audit import audit_domain
from .probes.submission import AuthObservation, EnvelopeObservation, run_auth, run_envelope
from .probes.sweep import SweepResult, sweep
from .redact import Redactor
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
    redactor = Redactor([s for s in (settings.password, settings.oauth_token) if s is not None])
    transcript = Transcript(redact=redactor.redact_line, on_line=on_line)
    diagnosis = Diagnosis(settings=settings)
    notify = on_step or (lambda step, status: None)
    preset = providers.match(settings.host)

    # Step 1, no network: the client settings on their own.
    notify("client-settings", "running")
    findings: list[Finding] = list(client_checks.lint(settings, preset))

    # Independent of the SMTP session: the sending domain's DNS and the sending IP's blocklists.
    domain = settings.sending_domain
    domain_task = asyncio.ensure_future(_timed(diagnosis, "domain_s", audit_domain(
        resolver, domain, ip=settings.ip, dkim_selectors=settings.dkim_selectors, helo=settings.helo,
        https_timeout=settings.timeout))) if domain else None
    blacklist_task = asyncio.ensure_future(_timed(diagnosis, "blacklist_s", blacklist_findings(
        resolver, ip=settings.ip, domain=domain, zones=settings.dnsbl_zones))) if (settings.ip or domain) else None

    notify("server-connection", "running")
    t0 = time.perf_counter()
    diagnosis.host = await resolve_host(resolver, settings.host)
    diagnosis.timings["resolve_s"] = time.perf_counter() - t0

    session: SmtpSession | None = None
    auth_obs: AuthObservation | None = None
    envelope_obs: EnvelopeObservation | None = None
    if diagnosis.host.addresses:
        t0 = time.perf_counter()
        diagnosis.sweep, session = await sweep(
            diagnosis.host.addresses, settings.sweep_ports, settings.effective_port, _options(settings),
            implicit_tls_configured=settings.security is Security.TLS, transcript=transcript)
        diagnosis.timings["sweep_s"] = time.perf_counter() - t0
    if session is not None:
        t0 = time.perf_counter()
        notify("authentication", "running")
        auth_obs = await run_auth(session, settings, redactor)
        authenticated = bool(auth_obs.reply and auth_obs.reply.code == 235)
        if settings.mail_from and (authenticated or not auth_obs.attempted) and session.conn.state.value == "ready":
            envelope_obs = await run_envelope(session, settings)
        await session.quit()
        diagnosis.timings["session_s"] = time.perf_counter() - t0

    facts = ServerFacts(settings=settings, host=diagnosis.host, sweep=diagnosis.sweep, now=now)
    findings += security_mode.check(facts)
    findings += host_checks.check(facts)
    findings += reachability.check(facts, cites_listing=_cites_listing)
    findings += tls_checks.check(facts)
    findings += firewall_checks.check(facts)
    port = settings.effective_port
    findings += auth_checks.check(auth_obs, settings, preset, port=port, redactor=redactor)
    envelope_findings = envelope_checks.check(
        envelope_obs, settings, preset, port=port, redactor=redactor,
        authenticated=bool(auth_obs and auth_obs.reply and auth_obs.reply.code == 235))
    findings += [_citation_or(f) for f in envelope_findings]

    notify("dns", "running")
    notify("blacklist", "running")
    domain_audit = await domain_task if domain_task else None
    if domain_audit is not None:
        findings += domain_audit.findings
    if blacklist_task is not None:
        findings += await blacklist_task
    diagnosis.findings = findings

    verdict = decide(findings)
    steps = step_results(findings)
    for step in steps:
        notify(str(step.name), str(step.status))
    diagnosis.timings["total_s"] = time.perf_counter() - started
    extra = {
        "settings": _settings_shown(settings, preset),
        "observations": {
            "host": diagnosis.host.to_json() if diagnosis.host else None,
            "ports": diagnosis.sweep.to_json() if diagnosis.sweep else [],
            "auth": auth_obs.to_json() if auth_obs else None,
            "envelope": envelope_obs.to_json() if envelope_obs else None,
            "domain": domain_audit.to_json() if domain_audit else None,
        },
        "sections": [("DNS of the sending domain", DNS_AREAS), ("Blocklists", ("dnsbl",))],
    }
    return Report(
        target=Target(host=settings.host, port=settings.effective_port, security=str(settings.security),
                      domain=domain, ip=settings.ip),
        verdict=verdict,
        findings=order_findings(findings, verdict),
        steps=steps,
        transcript=tuple(transcript.lines),
        timings=diagnosis.timings,
        version=__version__,
        extra=extra,
    )


DNS_AREAS = ("domain", "mx", "ptr", "spf", "dkim", "dmarc", "mta_sts", "mta-sts", "tlsrpt", "bimi", "dnssec", "dane")


async def _timed(diagnosis: Diagnosis, key: str, coro):
    t0 = time.perf_counter()
    try:
        return await coro
    finally:
        diagnosis.timings[key] = time.perf_counter() - t0


def _settings_shown(settings: Settings, preset) -> dict:
    """The settings tested, as the ticket shows them: secrets never, only whether one was given."""
    return {
        "host": settings.host, "port": settings.effective_port, "security": str(settings.security),
        "user": settings.user, "password": "(given, not shown)" if settings.password else None,
        "oauth_token": "(given, not shown)" if settings.oauth_token else None,
        "auth_mech": settings.auth_mech, "from": settings.mail_from, "to": settings.rcpt_to,
        "helo": settings.helo, "source_ip": settings.source_ip, "domain": settings.sending_domain,
        "ip": settings.ip, "timeout_s": settings.timeout, "send": settings.send,
        "provider": preset.name if preset is not None else None,
    }


def diagnose(host: str, **kwargs) -> Report:
    """Synchronous convenience wrapper: ``smtpdoctor.diagnose("smtp.example.com", port=587)``."""
    return asyncio.run(run_diagnosis(Settings(host=host, **kwargs)))


def _cites_listing(text: str) -> Finding | None:
    citation = rejection_cites_listing(text)
    return citation_finding(citation, reply=text) if citation is not None else None


def _citation_or(finding: Finding) -> Finding:
    """A MAIL/RCPT rejection that cites a blocklist becomes the blocklist finding, with delisting advice."""
    reply = finding.evidence.get("reply") if isinstance(finding.evidence, dict) else None
    if finding.category.value != "blacklist" or not reply:
        return finding
    return _cites_listing(str(reply)) or finding
