"""The guided flow: plan, run the probes concurrently, run the checks, decide the verdict.

Probes that do not wait on another's answer run at the same time: the host lookup, then every port of
every address at once (the configured port's session goes on to AUTH and the envelope), and, beside
them, the sending domain's DNS audit and the blocklist queries. The wall time is about the longest
chain of dependent round trips, reported in ``timings``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from smtpdoctor import __version__
from smtpdoctor.core.model import (STEP_ORDER, DiagnoseObservations, Finding, Report, SettingsShown, Step,
                                    StepAddress, Target, TranscriptLine)
from smtpdoctor.core.redact import Redactor
from smtpdoctor.core.settings import Security, Settings
from smtpdoctor.net.early import EarlyConnects
from smtpdoctor.net.smtp import DATA_REPLY_S, SmtpSession, Timeouts, Transcript
from smtpdoctor.observe.facts import HostLookup, SweepResult
from smtpdoctor.observe.host import literal_host, resolve_host
from smtpdoctor.observe.port import ProbeOptions
from smtpdoctor.observe.sweep import sweep

if TYPE_CHECKING:
    from smtpdoctor.net.dns import Resolver
    from smtpdoctor.observe.facts import AuthObservation, EnvelopeObservation

# What the first connection does not need is imported on first use, after the probes' SYNs are on the
# wire: dnspython (a host given by name needs it first), the domain audit and blocklist engines (once the
# connections are opening, while the server's greeting is in flight), the reply classifier and the
# checks (when judging). A diagnosis of a host by address sends its first SYN before any of them loads.

__all__ = ["Diagnosis", "run_diagnosis"]


@dataclass
class Diagnosis:
    """Everything one run observed (filled as the probes answer), then judged by pure checks."""

    settings: Settings
    now: dt.datetime
    preset: object = None
    host: HostLookup | None = None
    sweep: SweepResult | None = None
    auth: AuthObservation | None = None
    envelope: EnvelopeObservation | None = None
    domain_audit: object = None
    blocklist: list[Finding] = field(default_factory=list)
    seen_ip: str | None = None  # our address as the server saw it (EHLO greeting), when public
    session_address: str | None = None  # the server address AUTH and the envelope ran on
    timings: dict[str, float] = field(default_factory=dict)
    quitting: list = field(default_factory=list)  # (session, task): the walked session's QUIT, said last
    interrupted: bool = False
    out_of_time: bool = False  # the whole run's deadline (Timeouts.run) ended it


def _options(settings: Settings, early: EarlyConnects | None = None) -> ProbeOptions:
    timeouts = Timeouts.uniform(settings.timeout)
    if settings.send:  # the reply to DATA's final dot has its own, longer deadline
        timeouts = dataclasses.replace(timeouts, run=timeouts.run + max(0.0, DATA_REPLY_S - settings.timeout))
    if settings.run_timeout is not None:
        timeouts = dataclasses.replace(timeouts, run=settings.run_timeout)
    return ProbeOptions(server_name=settings.host, helo=settings.helo, timeouts=timeouts,
                        ca_file=settings.ca_file, source_ip=settings.source_ip, early=early)


async def run_diagnosis(settings: Settings, *, resolver: Resolver | None = None,
                        on_line: Callable[[TranscriptLine], None] | None = None,
                        on_step: Callable[[str, str], None] | None = None,
                        early: EarlyConnects | None = None, prepare: Callable[[], object] | None = None) -> Report:
    """Diagnose ``settings`` and return the :class:`Report`. Never raises for network faults.

    ``early`` holds connects started before this module was imported
    (:func:`smtpdoctor.flows.diagnose_early.connect_early`): the probes take them over; what none took is
    closed when the run ends. ``prepare`` (the caller's own loading, e.g.
    the text renderer) runs while the session still waits on a reply, after the checks are loaded.

    If the run is cancelled (Ctrl-C), the report of what was observed so far is still returned, with a
    ``run.interrupted`` finding naming what was not tested.
    """
    started = time.perf_counter()
    redactor = Redactor([s for s in (settings.password, settings.oauth_token) if s is not None])
    transcript = Transcript(redact=redactor.redact_line, on_line=on_line)
    diagnosis = Diagnosis(settings=settings, now=dt.datetime.now(dt.timezone.utc))
    notify = on_step or (lambda step, status: None)
    bound = _options(settings).timeouts.run
    try:
        async with asyncio.timeout(bound):
            await _observe(diagnosis, _LazyResolver(settings, resolver), redactor, transcript, notify, early,
                           prepare)
    except TimeoutError:
        diagnosis.interrupted = diagnosis.out_of_time = True
        transcript.add("error", f"the run's time limit ({bound:g} s) is over: the report shows what was tested "
                       "until then", port=None, tls=False)
    except asyncio.CancelledError:
        diagnosis.interrupted = True
        transcript.add("info", "interrupted: the report shows what was tested until then", port=None, tls=False)
    finally:
        if early is not None:
            early.close()
    from smtpdoctor.core import providers
    from smtpdoctor.verdict import decide, step_results

    diagnosis.preset = providers.get(settings.provider) if settings.provider else providers.match(settings.host)
    findings = _judge(diagnosis, redactor)
    verdict = decide(findings)
    steps = step_results(findings)
    for step in steps:
        notify(str(step.name), str(step.status))
    # The session's QUIT went out when its walk ended; its reply (a round trip) came while the checks ran,
    # or the transcript says it was not awaited: the report waits for nothing it does not use.
    for session, task in diagnosis.quitting:
        await session.end_quit(task)
    diagnosis.timings["total_s"] = time.perf_counter() - started
    # Every string of the report passes the redactor, whatever field it sits in: a server that echoes
    # what it was sent puts the secret into replies, errors and evidence, not only the transcript.
    return redactor.scrub(_report(diagnosis, findings, verdict, steps, transcript))


class _LazyResolver:
    """The run's resolver, made (and dnspython imported) on first use: a host given by address and no
    domain to audit need none before the first connection."""

    def __init__(self, settings: Settings, given: "Resolver | None") -> None:
        self._settings, self._resolver = settings, given

    def get(self) -> "Resolver":
        if self._resolver is None:
            from smtpdoctor.net.dns import Resolver

            s = self._settings
            self._resolver = Resolver(list(s.resolvers) or None, timeout=min(s.timeout, 3.0), lifetime=s.timeout)
        return self._resolver


async def _observe(d: Diagnosis, resolvers: _LazyResolver, redactor: Redactor, transcript: Transcript,
                   notify, early: EarlyConnects | None = None, prepare: Callable[[], object] | None = None) -> None:
    """All the I/O of a run. Independent probes run at once; observations land in ``d`` as they come.

    The connections go first: the host lookup, then every probe's SYN. Only then are the domain audit
    and blocklist engines imported and started, while the kernel holds the connections and the greeting
    in flight (importing them first put ~0.2 s of CPU before the first SYN)."""
    settings = d.settings
    domain = settings.sending_domain
    pending: list[asyncio.Future] = []

    def blocklists(ip, dom):
        return _blocklists(d, resolvers, ip, dom)

    async def session_walk(obs, session: SmtpSession) -> None:
        from smtpdoctor.observe.submission import run_auth, run_envelope

        t0 = time.perf_counter()
        notify("authentication", "running")
        d.seen_ip = _seen_ip(session)
        d.session_address = session.address
        if d.seen_ip and not settings.ip:
            pending.append(asyncio.ensure_future(_timed(d, "blacklist_ip_s", blocklists(d.seen_ip, None))))
        d.auth = await run_auth(session, settings, redactor)
        authenticated = bool(d.auth.reply and d.auth.reply.code == 235)
        if settings.mail_from and (authenticated or not d.auth.attempted) and session.conn.state.value == "ready":
            d.envelope = await run_envelope(session, settings)
        d.timings["session_s"] = time.perf_counter() - t0

    async def connection() -> None:
        notify("server-connection", "running")
        t0 = time.perf_counter()
        d.host = literal_host(settings.host) or await resolve_host(resolvers.get(), settings.host)
        d.timings["resolve_s"] = time.perf_counter() - t0
        if d.host.addresses:
            t0 = time.perf_counter()
            seen: list = []
            try:
                d.sweep = await sweep(
                    d.host.addresses, settings.sweep_ports, settings.effective_port, _options(settings, early),
                    implicit_tls_configured=settings.security is Security.TLS,
                    plaintext_configured=settings.security is Security.NONE, transcript=transcript,
                    on_session=session_walk, done=seen, quitting=d.quitting)
            except asyncio.CancelledError:
                d.sweep = SweepResult(ports=tuple(seen), configured_port=settings.effective_port)
                raise
            d.timings["sweep_s"] = time.perf_counter() - t0

    try:
        pending.append(asyncio.ensure_future(connection()))
        # connects started early were answered meanwhile: the imports wait for the first command (_SILENT_S at most)
        await _connecting(transcript, pending[0], until="send" if early is not None else "Trying ")
        if not pending[0].done():  # a connection is open: before its first certificate is read, if it can be
            await _import_in_steps(_CERTIFICATES)
        if domain or settings.ip:  # the blocklist engine comes first in the list; the domain audit after it
            await _import_in_steps(_ENGINES if domain else _ENGINES[:_ENGINES.index("smtpdoctor.flows.blacklist") + 1])
        notify("client-settings", "running")
        if domain:
            pending.append(asyncio.ensure_future(_timed(d, "domain_s", _domain_audit(d, resolvers))))
        if settings.ip or domain:
            pending.append(asyncio.ensure_future(_timed(d, "blacklist_s", blocklists(settings.ip, domain))))
        notify("dns", "running")
        notify("blacklist", "running")
        await asyncio.gather(*pending[1:])
        if not pending[0].done():  # the session still waits on its replies: load the checks meanwhile
            await _load_checks()
            if prepare is not None:
                await asyncio.sleep(0)  # a reply that came meanwhile is served first
                prepare()
        while not all(task.done() for task in pending):  # the session may add a blocklist query late
            await asyncio.gather(*pending)
    except asyncio.CancelledError:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        raise


async def _domain_audit(d: Diagnosis, resolvers: _LazyResolver) -> None:
    from smtpdoctor.flows.domain import audit_domain

    settings = d.settings
    context = None
    if settings.ca_file:  # the MTA-STS policy fetch trusts the same private CA as the SMTP session
        from ..net.tls import client_context

        context = client_context(ca_file=settings.ca_file)
    d.domain_audit = await audit_domain(resolvers.get(), settings.sending_domain, ip=settings.ip,
                                        dkim_selectors=settings.dkim_selectors, helo=settings.helo,
                                        https_timeout=settings.timeout, ssl_context=context)


async def _blocklists(d: Diagnosis, resolvers: _LazyResolver, ip: str | None, domain: str | None) -> None:
    from smtpdoctor.flows.blacklist import blacklist_findings

    d.blocklist.extend(await blacklist_findings(resolvers.get(), ip=ip, domain=domain, zones=d.settings.dnsbl_zones))


# What the run loads while its connections wait, in the order the modules import each other and in steps of
# at most ~8 ms of CPU (measured with ``python -X importtime``): imported at once, the DNS engines held the
# event loop ~0.1 s and cryptography's X.509 (read from the first certificate, in the middle of a handshake)
# ~25 ms, and the replies that came meanwhile waited for all of it. A name here is only a step: the module
# that needs it imports it anyway (a step that no longer exists is skipped). Only what every run with a
# domain uses: the XML reader (defusedxml, ~3 ms) comes with a BIMI record's files, when the audit fetches them;
# SPF's check_host with an IP to check (--ip); the DKIM key parser with a TXT record at a selector.
_CERTIFICATES = ("cryptography.hazmat.bindings._rust", "email.utils", "cryptography.x509.name",
                 "cryptography.x509.extensions", "cryptography.x509")
_ENGINES = ("smtpdoctor.net.dns", "smtpdoctor.core.dnsbl_zones", "smtpdoctor.core.dnsbl_facts",
            "smtpdoctor.judge.blacklist", "smtpdoctor.flows.blacklist",
            "smtpdoctor.protocol.spf.record", "smtpdoctor.judge.dns.spf",
            "smtpdoctor.flows.spf", "smtpdoctor.protocol.dnssec_chain", "smtpdoctor.judge.dns.dnssec",
            "smtpdoctor.judge.dns.bimi", "smtpdoctor.judge.dns.dkim", "smtpdoctor.flows.domain")
_CHECKS = ("smtpdoctor.core.explanation", "smtpdoctor.judge.citations", "smtpdoctor.judge.checklist",
           "smtpdoctor.judge.reply", "smtpdoctor.judge.auth", "smtpdoctor.judge.client", "smtpdoctor.judge.envelope",
           "smtpdoctor.judge.firewall", "smtpdoctor.judge.host", "smtpdoctor.judge.reachability",
           "smtpdoctor.judge.security_mode", "smtpdoctor.judge.server_facts", "smtpdoctor.judge.signin",
           "smtpdoctor.judge.tls")


async def _import_in_steps(names: tuple[str, ...]) -> None:
    """Import ``names`` one by one, letting the event loop serve the connections in between (an import
    cannot yield inside): a reply that arrives meanwhile waits for one step, not for all of them."""
    import importlib
    import sys

    for name in names:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except ImportError:  # only a step (see above): whoever needs the module imports it and meets the error
            pass
        await asyncio.sleep(0)


_SILENT_S = 0.1  # how long the engines wait for a first command when the servers have not greeted yet


async def _connecting(transcript: Transcript, connection: asyncio.Future, *, until: str = "Trying ") -> None:
    """Return once the probes have put their SYNs on the wire (the transcript's first "Trying" line: every
    probe of the sweep starts in the same turn of the loop and connects in its first step), or, with
    ``until="send"``, once a probe first sent a command and waits on its reply; or once the connection
    step ended without any (a name that does not resolve)."""
    opened = asyncio.Event()
    shown = transcript.on_line

    def watch(line: TranscriptLine) -> None:
        if line.dir == "send" if until == "send" else line.dir == "info" and line.text.startswith(until):
            opened.set()
        if shown is not None:
            shown(line)

    transcript.on_line = watch
    waiter = asyncio.ensure_future(opened.wait())
    try:
        await asyncio.wait((waiter, connection), return_when=asyncio.FIRST_COMPLETED,
                           timeout=_SILENT_S if until == "send" else None)
    finally:
        waiter.cancel()
        transcript.on_line = shown


def _explained(finding: Finding, reply, phase: str, redactor: Redactor, preset) -> Finding:
    """Add what a refused greeting means, from the one reply classifier, to the finding made from it."""
    if reply.is_positive or finding.severity.value == "ok":
        return finding
    from smtpdoctor.judge.reply import classify

    explanation = classify(reply.code, redactor.redact(reply.text), enhanced=reply.enhanced, phase=phase,
                           provider=preset.provider if preset is not None else None)
    extra = ()
    if explanation.help_url and not any(explanation.help_url in r for r in finding.remedy):
        extra = (f"The provider's explanation: {explanation.help_url}",)
    return dataclasses.replace(finding, evidence={**finding.evidence, "explanation": explanation.to_json()},
                               remedy=finding.remedy + extra)


def _from_settings(finding: Finding) -> Finding:
    """Mark a settings-only prediction, so that an observed finding of the same step outranks it."""
    return dataclasses.replace(finding, evidence={**finding.evidence, "source": "settings"})


def _seen_ip(session: SmtpSession) -> str | None:
    """The client address a server shows in its EHLO reply ("Hello [203.0.113.9]"), when it is public."""
    import ipaddress
    import re

    caps = session.capabilities
    text = caps.greeting_text if caps else ""
    for m in re.finditer(r"\[?((?:\d{1,3}\.){3}\d{1,3})\]?", text or ""):
        try:
            ip = ipaddress.ip_address(m.group(1))
        except ValueError:
            continue
        if ip.is_global:
            return str(ip)
    return None


async def _load_checks() -> None:
    """Load the checks, the reply classifier's rules and the provider presets (~30 ms of CPU) while the
    session still waits on its replies, instead of after its last one, in steps. Each is loaded once per
    process; judging would load them otherwise."""
    await _import_in_steps(_CHECKS)
    from smtpdoctor.core import providers
    from smtpdoctor.judge.reply_rules import knowledge

    knowledge()
    await asyncio.sleep(0)
    providers.presets()


def _judge(d: Diagnosis, redactor: Redactor) -> list[Finding]:
    """Pure: every check over what was observed."""
    from smtpdoctor.core.catalogue import make
    from smtpdoctor.judge import auth as auth_checks
    from smtpdoctor.judge import client as client_checks
    from smtpdoctor.judge import envelope as envelope_checks
    from smtpdoctor.judge import firewall as firewall_checks
    from smtpdoctor.judge import host as host_checks
    from smtpdoctor.judge import reachability, security_mode
    from smtpdoctor.judge import signin as signin_checks
    from smtpdoctor.judge import tls as tls_checks
    from smtpdoctor.judge.resolver import collapse_resolver_failures
    from smtpdoctor.judge.server_facts import ServerFacts

    settings = d.settings
    preset = d.preset
    port = settings.effective_port
    findings: list[Finding] = [_from_settings(f) for f in client_checks.lint(settings, preset)]
    facts = None
    if d.host is not None:
        facts = ServerFacts(settings=settings, host=d.host, sweep=d.sweep, now=d.now)
        findings += security_mode.check(facts)
        findings += host_checks.check(facts)
        findings += reachability.check(facts, cites_listing=_cites_listing)
        findings += tls_checks.check(facts)
        findings += firewall_checks.check(facts)
    configured = facts.configured if d.host is not None else None
    tls_problem = bool(configured and configured.mode is not None and configured.mode.value == "plain"
                       and (not configured.starttls_offered or configured.tls_failure is not None))
    auth_findings = auth_checks.check(d.auth, settings, preset, port=port, redactor=redactor, tls_problem=tls_problem,
                                     now=d.now.timestamp())
    auth_findings = signin_checks.check(auth_findings, settings, preset, today=d.now.date())
    findings += auth_findings  # each carries the one classifier's reading of the reply (evidence "explanation")
    authenticated = bool(d.auth and d.auth.reply and d.auth.reply.code == 235)
    envelope_findings = envelope_checks.check(d.envelope, settings, preset, port=port, redactor=redactor,
                                              authenticated=authenticated)
    findings += [_citation_or(f) for f in envelope_findings]
    if configured is not None and configured.greeting is not None and not configured.greeting.is_positive:
        findings = [_explained(f, configured.greeting, "connect", redactor, preset)
                    if f.id in ("connection.greeting-rejected", "dnsbl.rejected-citing-list") else f
                    for f in findings]
    if d.domain_audit is not None:
        findings += d.domain_audit.findings
    findings += d.blocklist
    findings = collapse_resolver_failures(findings)
    if d.interrupted:
        tested = {f.step for f in findings}
        missing = [str(s) for s in STEP_ORDER if s not in tested]
        if d.out_of_time:
            findings.append(make("run.time-limit", missing=", ".join(missing) or "none",
                                 limit=f"{_options(settings).timeouts.run:g}",
                                 evidence={"missing": missing, "limit_s": _options(settings).timeouts.run}))
        else:
            findings.append(make("run.interrupted", missing=", ".join(missing) or "none",
                                 evidence={"missing": missing, "retry": True}))
    return findings


def _report(d: Diagnosis, findings, verdict, steps, transcript: Transcript) -> Report:
    from smtpdoctor.verdict import order_findings

    settings = d.settings
    observations = DiagnoseObservations(host=d.host, ports=d.sweep.ports if d.sweep else (), auth=d.auth,
                                        envelope=d.envelope, domain=d.domain_audit, seen_ip=d.seen_ip,
                                        addresses=_step_addresses(d))
    return Report(
        target=Target(host=settings.host, port=settings.effective_port, security=str(settings.security),
                      domain=settings.sending_domain, ip=settings.ip),
        verdict=verdict,
        findings=order_findings(findings, verdict),
        steps=steps,
        transcript=tuple(transcript.lines),
        timings=d.timings,
        version=__version__,
        settings=_settings_shown(settings, d.preset),
        observations=observations,
        sections=(("DNS of the sending domain", DNS_AREAS), ("Blocklists", ("dnsbl",))),
        interrupted=d.interrupted and not d.out_of_time,
    )


def _step_addresses(d: Diagnosis) -> tuple[StepAddress, ...]:
    """Which server address each step used: every address of the configured port for the connection (with
    what each did: a host with A and AAAA is tried over both families), the session's for AUTH and MAIL/RCPT."""
    out: list[StepAddress] = []
    if d.sweep is not None:
        out += [StepAddress(step=Step.SERVER_CONNECTION.value, address=p.address, family=p.family,
                            outcome=p.outcome.value) for p in d.sweep.on(d.settings.effective_port)]
    if d.session_address and d.auth is not None and d.auth.attempted:
        family = 6 if ":" in d.session_address else 4
        out.append(StepAddress(step=Step.AUTHENTICATION.value, address=d.session_address, family=family))
    return tuple(out)


DNS_AREAS = ("domain", "mx", "ptr", "spf", "dkim", "dmarc", "mta_sts", "tlsrpt", "bimi", "dnssec", "dane")


async def _timed(diagnosis: Diagnosis, key: str, coro):
    t0 = time.perf_counter()
    try:
        return await coro
    finally:
        diagnosis.timings[key] = time.perf_counter() - t0


def _settings_shown(settings: Settings, preset) -> SettingsShown:
    """The settings tested, as the ticket shows them: secrets never, only whether one was given."""
    return SettingsShown(
        host=settings.host, port=settings.effective_port, security=str(settings.security), user=settings.user,
        password="(given, not shown)" if settings.password else None,
        oauth_token="(given, not shown)" if settings.oauth_token else None,
        auth_mech=settings.auth_mech, mail_from=settings.mail_from, rcpt_to=settings.rcpt_to, helo=settings.helo,
        source_ip=settings.source_ip, domain=settings.sending_domain, ip=settings.ip, timeout_s=settings.timeout,
        send=settings.send, provider=preset.name if preset is not None else None,
    )


def _cites_listing(text: str) -> Finding | None:
    from smtpdoctor.judge.citations import citation_finding, rejection_cites_listing

    citation = rejection_cites_listing(text)
    return citation_finding(citation, reply=text) if citation is not None else None


def _citation_or(finding: Finding) -> Finding:
    """A MAIL/RCPT rejection that cites a blocklist becomes the blocklist finding, with delisting advice."""
    reply = finding.evidence.get("reply") if isinstance(finding.evidence, dict) else None
    if finding.category.value != "blacklist" or not reply:
        return finding
    cited = _cites_listing(str(reply))
    if cited is None:
        return finding
    explanation = finding.evidence.get("explanation")  # the reply classifier's reading stays with it
    return dataclasses.replace(cited, evidence={**cited.evidence, "explanation": explanation}) if explanation else cited
