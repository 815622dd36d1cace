"""The lab's scenario catalogue: data, one entry per situation ``smtpdoctor demo`` and the tests diagnose.

A :class:`Scenario` names a server (the faults on each port of one lab host), the settings a user
would give ``smtpdoctor diagnose`` (without the host, which the lab decides), and what the diagnosis
must conclude: the verdict's category and finding id. The checks that produce those ids belong to the
diagnosis; this file only records the expectation. Ids in :data:`AGREED_FINDINGS` are the project's
agreed names; the others (:data:`PROPOSED_FINDINGS`) are proposals for faults the agreed list does not
name yet.

``scenario.lab_host()`` builds the :class:`~smtpdoctor.lab.smtp_server.LabHost`;
``scenario.settings_for(host)`` gives the :class:`~smtpdoctor.core.settings.Settings` pointing at it (host
address, the real port numbers behind the nominal ones, the lab CA as ``ca_file``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, Fault
from smtpdoctor.lab.smtp_server import SWEEP_PORTS, LabHost
from smtpdoctor.lab.world import INTERCEPTED_ADDRESS, INTERCEPTED_HOST
from smtpdoctor.core.model import Category
from smtpdoctor.core.settings import Secret, Security, Settings

__all__ = ["Scenario", "SCENARIOS", "AGREED_FINDINGS", "PROPOSED_FINDINGS", "scenario", "EXTERNAL_RCPT"]

EXTERNAL_RCPT = "someone@example.net"

AGREED_FINDINGS = frozenset({
    "port.wrong-port", "client.implicit-tls-on-starttls-port", "client.starttls-on-implicit-tls-port",
    "firewall.port-filtered", "firewall.all-filtered", "connection.refused-everywhere",
    "connection.greeting-rejected", "dnsbl.rejected-citing-list", "tls.certificate-expired",
    "tls.hostname-mismatch", "tls.self-signed", "tls.starttls-refused", "tls.handshake-failed",
    "auth.credentials-rejected", "auth.app-password-required", "client.starttls-required-before-auth",
    "client.relay-denied", "client.sender-not-owned", "envelope.reverse-hostname-required", "ok",
})

# Findings the scenarios also expect (every id here and above is in the catalogue: tests/lab checks it).
PROPOSED_FINDINGS = frozenset({
    "tls.certificate-not-yet-valid", "tls.weak-key", "tls.expires-soon", "tls.starttls-not-offered",
    "tls.starttls-stripped", "connection.slow-greeting", "connection.not-smtp", "connection.reset",
    "connection.dropped-after-greeting", "connection.protocol-violation", "connection.no-greeting",
    "envelope.rate-limited", "auth.smtp-auth-disabled", "auth.temporary-failure", "client.auth-not-offered",
    "auth.garbage-reply", "envelope.recipient-unknown", "envelope.greylisted", "client.auth-without-tls",
    "auth.encryption-required", "connection.service-refused", "client.smtputf8-not-offered", "tls.intercepted",
    "auth.withheld-certificate-unverified",
})


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    name: str
    description: str
    ports: Mapping[int, tuple[Fault, ...]]  # nominal port -> faults; sweep ports not named are refused
    settings: Mapping[str, Any]  # Settings fields except host; password as plain text (a lab password)
    expect_category: Category
    expect_finding: str  # the verdict's finding id ("ok" when nothing is wrong)
    also_expect: tuple[str, ...] = ()  # findings that must be present besides the verdict's (warnings)
    tags: tuple[str, ...] = field(default=())
    # A host name the lab DNS world maps to a fixed lab address (a provider's name, intercepted); the
    # diagnosis then uses the name, as a user would, instead of the lab host's address.
    host_name: str | None = None
    address: str | None = None

    @property
    def configured_port(self) -> int:
        security = Security(self.settings.get("security", Security.AUTO))
        port = self.settings.get("port")
        return int(port) if port is not None else Settings(host="x", security=security).effective_port

    @property
    def deadline(self) -> float:
        """Seconds within which a diagnosis of this scenario must end whatever the server does (a
        drip-feed, an endless reply): five steps' worth of its timeout, plus a few seconds to start up.
        ``demo`` and the tests stop a run there and call it wrong."""
        return 5 * float(self.settings.get("timeout", Settings.__dataclass_fields__["timeout"].default)) + 5

    def lab_host(self, **kwargs: Any) -> LabHost:
        """The lab host for this scenario (not started): ``async with scenario.lab_host() as host``."""
        if self.address is not None:
            kwargs.setdefault("address", self.address)
        return LabHost(self.ports, **kwargs)

    def settings_for(self, host: LabHost, **overrides: Any) -> Settings:
        """Settings that point ``diagnose`` at the started ``host``: its address, the real ports behind
        the nominal ones (configured port and sweep), and the lab CA."""
        values: dict[str, Any] = dict(self.settings)
        port_map = host.port_map
        values["port"] = port_map[self.configured_port]
        values["sweep_ports"] = tuple(port_map[p] for p in SWEEP_PORTS if p in port_map)
        if "security" in values:
            values["security"] = Security(values["security"])
        if values.get("password") is not None:
            values["password"] = Secret(values["password"])
        values.setdefault("ca_file", host.ca_file)
        # which real port stands for which nominal one, for a diagnosis that runs on free ports
        values["extra"] = {"lab": {"scenario": self.name, "port_map": host.port_map}}
        values.update(overrides)
        assert host.address is not None, "start the lab host first"
        return Settings(host=self.host_name or host.address, **values)


def _ports(**kwargs: tuple[Fault, ...]) -> Mapping[int, tuple[Fault, ...]]:
    return MappingProxyType({int(k.lstrip("p")): tuple(v) for k, v in kwargs.items()})


def _healthy(**override: tuple[Fault, ...]) -> Mapping[int, tuple[Fault, ...]]:
    """An ordinary provider: MX-style 25, SMTPS 465, submission 587 and 2525 with STARTTLS and AUTH."""
    ports = {
        "p25": (Fault.starttls(),),
        "p465": (Fault.implicit_tls(), Fault.auth()),
        "p587": (Fault.starttls(), Fault.auth(tls_only=True)),
        "p2525": (Fault.starttls(), Fault.auth(tls_only=True)),
    }
    ports.update(override)
    return _ports(**ports)


def _everywhere(*faults: Fault, starttls: bool = True) -> Mapping[int, tuple[Fault, ...]]:
    """The same fault on every sweep port (465 speaks it under TLS)."""
    plain = ((Fault.starttls(),) if starttls else ()) + faults
    return _ports(p25=plain, p465=(Fault.implicit_tls(), *faults), p587=plain, p2525=plain)


def _with_tls_cert(kind: str) -> Mapping[int, tuple[Fault, ...]]:
    return _ports(
        p25=(Fault.starttls(cert=kind),),
        p465=(Fault.implicit_tls(cert=kind), Fault.auth()),
        p587=(Fault.starttls(cert=kind), Fault.auth(tls_only=True)),
        p2525=(Fault.starttls(cert=kind), Fault.auth(tls_only=True)),
    )


_LOGIN = {"user": LAB_USER, "password": LAB_PASSWORD}
_SUBMIT = {"port": 587, "security": "starttls", **_LOGIN, "mail_from": LAB_USER, "rcpt_to": EXTERNAL_RCPT,
           "timeout": 3.0}
_SUBMIT_PLAIN = {**_SUBMIT, "security": "none"}
_SUBMIT_ANON = {"port": 587, "security": "starttls", "mail_from": LAB_USER, "rcpt_to": EXTERNAL_RCPT, "timeout": 3.0}
_PORT25 = {"port": 25, "security": "starttls", "mail_from": LAB_USER, "rcpt_to": "postmaster@lab.test", "timeout": 3.0}

C = Category

SCENARIOS: tuple[Scenario, ...] = (
    # -- working servers -----------------------------------------------------------------------------
    Scenario(name="healthy-submission", description="A working submission server: 587 with STARTTLS and AUTH.",
             ports=_healthy(), settings=_SUBMIT, expect_category=C.OK, expect_finding="ok", tags=("ok",)),
    Scenario(name="healthy-smtps", description="A working SMTPS server: implicit TLS and AUTH on 465.",
             ports=_healthy(), settings={**_SUBMIT, "port": 465, "security": "tls"},
             expect_category=C.OK, expect_finding="ok", tags=("ok",)),
    Scenario(name="healthy-far-away", description="A working server 80 ms away: every reply waits one round trip.",
             ports=_ports(p25=(Fault.starttls(), Fault.rtt(0.08)),
                          p465=(Fault.implicit_tls(), Fault.auth(), Fault.rtt(0.08)),
                          p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.rtt(0.08)),
                          p2525=(Fault.starttls(), Fault.auth(tls_only=True), Fault.rtt(0.08))),
             settings=_SUBMIT, expect_category=C.OK, expect_finding="ok", tags=("ok", "rtt")),
    Scenario(name="minimal-esmtp", description="An old server: no PIPELINING, CHUNKING, SMTPUTF8 or 8BITMIME.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True),
                                  Fault.extensions(remove=("PIPELINING", "CHUNKING", "SMTPUTF8", "8BITMIME")))),
             settings=_SUBMIT, expect_category=C.OK, expect_finding="ok", tags=("ok", "capabilities")),
    Scenario(name="non-utf8-greeting", description="The greeting and an EHLO line hold bytes that are not UTF-8; "
             "everything else works.",
             ports=_healthy(p587=(Fault.non_utf8("greeting"), Fault.non_utf8("ehlo"), Fault.starttls(),
                                  Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.OK, expect_finding="ok", tags=("bad-input",)),
    # -- port and security mode ----------------------------------------------------------------------
    Scenario(name="wrong-port", description="Configured for 2526, where nothing listens, while 587 works.",
             ports=_healthy(p2526=(Fault.refuse(),)), settings={**_SUBMIT, "port": 2526},
             expect_category=C.PORT, expect_finding="port.wrong-port"),
    Scenario(name="implicit-tls-on-starttls-port", description="Implicit TLS (SSL) spoken to 587, a STARTTLS port.",
             ports=_healthy(), settings={**_SUBMIT, "security": "tls"},
             expect_category=C.CLIENT, expect_finding="client.implicit-tls-on-starttls-port"),
    Scenario(name="starttls-on-implicit-tls-port", description="STARTTLS spoken to 465, an implicit-TLS port.",
             ports=_healthy(), settings={**_SUBMIT, "port": 465, "security": "starttls"},
             expect_category=C.CLIENT, expect_finding="client.starttls-on-implicit-tls-port"),
    # -- firewall ------------------------------------------------------------------------------------
    Scenario(name="port-filtered", description="587 drops packets (connect times out) while 25, 465, 2525 answer.",
             ports=_healthy(p587=(Fault.filtered(),)), settings={**_SUBMIT, "timeout": 2.0},
             expect_category=C.FIREWALL, expect_finding="firewall.port-filtered", tags=("slow",)),
    Scenario(name="port-blackholed", description="587 accepts the connection and never speaks; other ports answer.",
             ports=_healthy(p587=(Fault.blackhole(),)), settings={**_SUBMIT, "timeout": 2.0},
             # TCP is accepted, so nothing drops packets: a stuck server, a tarpit or an intercepting proxy
             expect_category=C.CONNECTION, expect_finding="connection.no-greeting", tags=("slow",)),
    Scenario(name="all-filtered", description="Every port drops packets.",
             ports=_ports(p25=(Fault.filtered(),), p465=(Fault.filtered(),), p587=(Fault.filtered(),),
                          p2525=(Fault.filtered(),)),
             settings={**_SUBMIT, "timeout": 2.0},
             expect_category=C.FIREWALL, expect_finding="firewall.all-filtered", tags=("slow",)),
    # -- connection ----------------------------------------------------------------------------------
    Scenario(name="refused-everywhere", description="Nothing listens on any port (connection refused).",
             ports=_ports(p25=(Fault.refuse(),), p465=(Fault.refuse(),), p587=(Fault.refuse(),),
                          p2525=(Fault.refuse(),)),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.refused-everywhere"),
    Scenario(name="greeting-554", description="The server greets with 554 (no service for this client).",
             ports=_everywhere(Fault.greeting_554()), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="connection.greeting-rejected"),
    Scenario(name="greeting-421", description="The server greets with 421 and hangs up (service not available).",
             ports=_everywhere(Fault.greeting_421()), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="connection.greeting-rejected"),
    Scenario(name="greeting-blocklisted", description="The greeting is 554 citing zen.spamhaus.org.",
             ports=_everywhere(Fault.greeting_blocklisted("zen.spamhaus.org")), settings=_SUBMIT,
             expect_category=C.BLACKLIST, expect_finding="dnsbl.rejected-citing-list"),
    Scenario(name="slow-banner", description="The greeting comes after 6 seconds (a loaded or tarpitting server); "
             "needs the scenario's 10 s timeout.",
             ports=_healthy(p587=(Fault.slow_banner(6.0), Fault.starttls(), Fault.auth(tls_only=True))),
             settings={**_SUBMIT, "timeout": 10.0}, expect_category=C.OK, expect_finding="ok",
             also_expect=("connection.slow-greeting",), tags=("slow",)),
    Scenario(name="garbage-banner", description="Binary bytes instead of a greeting on 587 (another service).",
             ports=_healthy(p587=(Fault.garbage_banner(),)), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="connection.not-smtp",
             tags=("bad-input",)),
    Scenario(name="http-banner", description="An HTTP server on 587: HTTP/1.1 400 Bad Request.",
             ports=_healthy(p587=(Fault.http_banner(),)), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="connection.not-smtp",
             tags=("bad-input",)),
    Scenario(name="reset-on-connect", description="Every port accepts and resets the connection at once.",
             ports=_ports(p25=(Fault.reset(),), p465=(Fault.reset(),), p587=(Fault.reset(),), p2525=(Fault.reset(),)),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.reset"),
    Scenario(name="drop-after-ehlo", description="The server hangs up when EHLO arrives.",
             ports=_everywhere(Fault.drop_after_ehlo()), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="connection.dropped-after-greeting"),
    Scenario(name="greeting-1mb-line", description="The greeting is one line of 1 MiB.",
             ports=_healthy(p587=(Fault.long_line("greeting"), Fault.starttls(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.not-smtp",
             tags=("bad-input",)),
    Scenario(name="ehlo-endless-continuation", description="The EHLO reply is 250- lines that never end.",
             ports=_healthy(p587=(Fault.endless_continuation("ehlo"), Fault.starttls(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.protocol-violation",
             tags=("bad-input",)),
    Scenario(name="rate-limited", description="MAIL FROM gets 421 4.7.0 too many messages, and the server hangs up.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.rate_limited())),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="envelope.rate-limited"),
    # -- TLS -----------------------------------------------------------------------------------------
    Scenario(name="certificate-expired", description="The certificate expired 30 days ago.",
             ports=_with_tls_cert("expired"), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="tls.certificate-expired"),
    Scenario(name="certificate-wrong-name", description="The certificate is for another name.",
             ports=_with_tls_cert("wrong-name"), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="tls.hostname-mismatch"),
    Scenario(name="tls-intercepted", description=f"{INTERCEPTED_HOST} answers with a certificate for another name: "
             "an antivirus or corporate TLS proxy in the path, or a wrong DNS answer.",
             ports=_with_tls_cert("wrong-name"), settings=_SUBMIT, host_name=INTERCEPTED_HOST,
             address=INTERCEPTED_ADDRESS, expect_category=C.CONNECTION, expect_finding="tls.intercepted",
             also_expect=("auth.withheld-certificate-unverified",)),
    Scenario(name="certificate-self-signed", description="The certificate is self-signed.",
             ports=_with_tls_cert("self-signed"), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="tls.self-signed"),
    Scenario(name="certificate-not-yet-valid", description="The certificate becomes valid in 30 days.",
             ports=_with_tls_cert("not-yet-valid"), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="tls.certificate-not-yet-valid"),
    Scenario(name="certificate-weak-key", description="The certificate has an RSA 1024 key.",
             ports=_with_tls_cert("weak-key"), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="tls.weak-key"),
    Scenario(name="certificate-expiring-soon", description="The certificate expires in 5 days; all works today.",
             ports=_with_tls_cert("expiring-soon"), settings=_SUBMIT, expect_category=C.OK, expect_finding="ok",
             also_expect=("tls.expires-soon",)),
    Scenario(name="starttls-unavailable", description="STARTTLS is advertised but answered 454 TLS not available.",
             ports=_healthy(p587=(Fault.starttls(), Fault.starttls_unavailable(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="tls.starttls-refused"),
    Scenario(name="starttls-handshake-abort", description="STARTTLS is answered 220, then the server hangs up.",
             ports=_healthy(p587=(Fault.starttls(), Fault.starttls_abort("close"), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="tls.handshake-failed"),
    Scenario(name="starttls-not-offered", description="587 does not offer STARTTLS at all.",
             ports=_healthy(p587=(Fault.no_starttls(), Fault.auth())), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="tls.starttls-not-offered"),
    Scenario(name="starttls-stripped", description="Something in the path replaced STARTTLS by XXXXXXXA.",
             ports=_healthy(p587=(Fault.starttls(), Fault.starttls_stripped(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="tls.starttls-stripped"),
    # -- authentication ------------------------------------------------------------------------------
    Scenario(name="auth-wrong-password", description="The password is wrong: 535 5.7.8.",
             ports=_healthy(), settings={**_SUBMIT, "password": "not-the-password"},
             expect_category=C.AUTHENTICATION, expect_finding="auth.credentials-rejected"),
    Scenario(name="auth-app-password-required", description="Gmail-style 534 5.7.9: an app password is needed.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_app_password_required())),
             settings=_SUBMIT, expect_category=C.AUTHENTICATION, expect_finding="auth.app-password-required"),
    Scenario(name="auth-disabled-for-tenant", description="Microsoft 365: 535 5.7.139 SMTP AUTH is disabled.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_disabled_for_tenant())),
             settings=_SUBMIT, expect_category=C.AUTHENTICATION, expect_finding="auth.smtp-auth-disabled"),
    Scenario(name="auth-temporary-failure", description="454 4.7.0 Temporary authentication failure.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_temporary_failure())),
             settings=_SUBMIT, expect_category=C.AUTHENTICATION, expect_finding="auth.temporary-failure"),
    Scenario(name="auth-not-offered", description="Credentials are configured but the server offers no AUTH.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth_not_advertised())), settings=_SUBMIT,
             expect_category=C.CLIENT, expect_finding="client.auth-not-offered"),
    Scenario(name="auth-garbage-reply", description="The reply to AUTH is not SMTP at all.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_garbage())),
             settings=_SUBMIT, expect_category=C.AUTHENTICATION, expect_finding="auth.garbage-reply"),
    Scenario(name="auth-endless-challenge", description="Every AUTH line gets one more 334 challenge.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_endless_challenge())),
             settings=_SUBMIT, expect_category=C.AUTHENTICATION, expect_finding="auth.garbage-reply"),
    # -- client settings -----------------------------------------------------------------------------
    Scenario(name="auth-before-tls", description="The client authenticates in the clear (AUTH is advertised); "
             "the server wants STARTTLS first (530 5.7.0).",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(), Fault.require_starttls())),
             settings=_SUBMIT_PLAIN,
             expect_category=C.CLIENT, expect_finding="client.starttls-required-before-auth"),
    Scenario(name="auth-encryption-required", description="AUTH in the clear gets 538 5.7.11 Encryption required.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(), Fault.auth_encryption_required())),
             settings=_SUBMIT_PLAIN,
             # the settings alone already say it (security none with a password), first in the guide's order
             expect_category=C.CLIENT, expect_finding="client.auth-without-tls",
             also_expect=("auth.encryption-required",)),
    Scenario(name="relay-denied", description="No credentials configured: 554 5.7.1 Relay access denied.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.relay_denied())),
             settings=_SUBMIT_ANON, expect_category=C.CLIENT, expect_finding="client.relay-denied"),
    Scenario(name="sender-not-owned", description="MAIL FROM an address the account does not own: 553 5.7.1.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.sender_not_owned())),
             settings={**_SUBMIT, "mail_from": "ceo@other.example"},
             expect_category=C.CLIENT, expect_finding="client.sender-not-owned"),
    # -- envelope: DNS, blocklists, policy -----------------------------------------------------------
    Scenario(name="reverse-hostname-required", description="RCPT gets 450 4.7.1 cannot find your reverse hostname.",
             ports=_healthy(p25=(Fault.starttls(), Fault.reverse_hostname_required())), settings=_PORT25,
             expect_category=C.DNS, expect_finding="envelope.reverse-hostname-required"),
    Scenario(name="rcpt-blocklisted", description="RCPT gets 554 5.7.1 ... blocked using zen.spamhaus.org.",
             ports=_healthy(p25=(Fault.starttls(), Fault.rcpt_blocklisted("zen.spamhaus.org"))), settings=_PORT25,
             expect_category=C.BLACKLIST, expect_finding="dnsbl.rejected-citing-list"),
    Scenario(name="user-unknown", description="RCPT gets 550 5.1.1 User unknown.",
             ports=_healthy(p25=(Fault.starttls(), Fault.user_unknown())), settings=_PORT25,
             expect_category=C.OK, expect_finding="ok", also_expect=("envelope.recipient-unknown",)),
    Scenario(name="greylisted", description="RCPT gets 451 4.7.1 Greylisted (every attempt in this run).",
             ports=_healthy(p25=(Fault.starttls(), Fault.greylisted(times=1_000_000))), settings=_PORT25,
             expect_category=C.CONNECTION, expect_finding="envelope.greylisted"),
    # -- hostile servers (issue 21): bounded time, no leak, no false "ok" ----------------------------
    Scenario(name="drip-feed", description="587 sends every reply one byte per second: the greeting alone takes "
             "40 s; the run must still end within its timeout.",
             ports=_healthy(p587=(Fault.drip_feed(1), Fault.starttls(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.no-greeting",
             tags=("hostile", "slow")),
    Scenario(name="refuse-everything-421", description="The server greets 220, then answers 421 4.3.2 Service not "
             "available to EHLO and to every command after.",
             ports=_everywhere(Fault.refuse_everything_421()), settings=_SUBMIT,
             expect_category=C.CONNECTION, expect_finding="connection.service-refused", tags=("hostile",)),
    Scenario(name="auth-echo", description="The server echoes every AUTH line back in its replies (the PLAIN token, "
             "the password); the password is right, and no output may show it.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_echo())),
             settings=_SUBMIT, expect_category=C.OK, expect_finding="ok", tags=("hostile", "secrets")),
    Scenario(name="auth-echo-wrong-password", description="The server echoes every AUTH line back; the password "
             "is wrong (535), and no output may show it.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_echo())),
             settings={**_SUBMIT, "password": "not-the-password"},
             expect_category=C.AUTHENTICATION, expect_finding="auth.credentials-rejected", tags=("hostile", "secrets")),
    Scenario(name="huge-reply", description="The EHLO reply is 10 MiB of well-formed 250- lines.",
             ports=_healthy(p587=(Fault.huge_reply(), Fault.starttls(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.protocol-violation",
             tags=("hostile", "bad-input")),
    Scenario(name="endless-multiline", description="The EHLO reply is 250- lines with no count and no end.",
             ports=_healthy(p587=(Fault.endless_multiline(), Fault.starttls(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.CONNECTION, expect_finding="connection.protocol-violation",
             tags=("hostile", "bad-input")),
    Scenario(name="hostile-text", description="A working server whose greeting and EHLO carry terminal escapes, "
             "<script> and a javascript: link; no report may pass them on.",
             ports=_healthy(p587=(Fault.hostile_text(), Fault.starttls(), Fault.auth(tls_only=True))),
             settings=_SUBMIT, expect_category=C.OK, expect_finding="ok", tags=("hostile", "bad-input")),
    Scenario(name="smtputf8-not-offered", description="The sender's address has a non-ASCII local part "
             "(ünïcode@lab.test); the server offers no SMTPUTF8, so it cannot take it.",
             ports=_healthy(p587=(Fault.starttls(), Fault.auth(tls_only=True),
                                  Fault.extensions(remove=("SMTPUTF8",)))),
             settings={**_SUBMIT, "mail_from": "ünïcode@lab.test"},
             expect_category=C.CLIENT, expect_finding="client.smtputf8-not-offered"),
)

_BY_NAME = {s.name: s for s in SCENARIOS}


def scenario(name: str) -> Scenario:
    """The scenario called ``name`` (KeyError with the known names otherwise)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(_BY_NAME)}") from None
