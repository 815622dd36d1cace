"""The scenario catalogue is coherent data, and each scenario's server really shows its fault to a
client that follows the scenario's own settings (smtplib here, not smtpdoctor's client)."""

from __future__ import annotations

import asyncio
import base64
import inspect
import re
import smtplib
import ssl

import pytest

from smtpdoctor.lab import scenarios as scenarios_module
from smtpdoctor.lab.faults import Fault, compose
from smtpdoctor.lab.scenarios import AGREED_FINDINGS, PROPOSED_FINDINGS, SCENARIOS, scenario
from smtpdoctor.lab.smtp_server import SWEEP_PORTS
from smtpdoctor.core.model import Category
from smtpdoctor.core.settings import Secret, Security, Settings

PREFIX_CATEGORY = {
    "port": {Category.PORT}, "client": {Category.CLIENT}, "firewall": {Category.FIREWALL},
    "blacklist": {Category.BLACKLIST}, "auth": {Category.AUTHENTICATION}, "tls": {Category.CONNECTION},
    "connection": {Category.CONNECTION}, "ok": {Category.OK}, "dnsbl": {Category.BLACKLIST},
    "envelope": {Category.DNS, Category.BLACKLIST, Category.CLIENT, Category.CONNECTION},
}


def test_names_are_unique_and_lookup_works():
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names)
    assert scenario("wrong-port").expect_finding == "port.wrong-port"
    with pytest.raises(KeyError, match="unknown scenario 'nope'"):
        scenario("nope")


def test_expectations_use_agreed_or_proposed_ids_and_cover_every_agreed_id():
    expected = {s.expect_finding for s in SCENARIOS} | {f for s in SCENARIOS for f in s.also_expect}
    assert expected <= AGREED_FINDINGS | PROPOSED_FINDINGS
    assert AGREED_FINDINGS <= expected
    assert not AGREED_FINDINGS & PROPOSED_FINDINGS


def test_every_expected_finding_is_in_the_catalogue_with_the_expected_category():
    from smtpdoctor.core.catalogue import catalogue

    cat = catalogue()
    for s in SCENARIOS:
        if s.expect_finding != "ok":
            assert s.expect_finding in cat, s.name
            assert cat[s.expect_finding].category is s.expect_category, s.name
        for extra in s.also_expect:
            assert extra in cat, (s.name, extra)


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_category_fits_the_finding_id_and_the_configured_port_exists(s):
    assert s.expect_category in PREFIX_CATEGORY[s.expect_finding.split(".")[0]]
    host = s.lab_host()
    assert s.configured_port in host.ports
    assert set(SWEEP_PORTS) <= set(host.ports)
    for faults in host.ports.values():
        compose(faults)
    assert set(s.settings) <= set(Settings.__dataclass_fields__) - {"host"}


def test_every_named_fault_appears_in_some_scenario():
    used = {name for s in SCENARIOS for faults in s.ports.values() for name in compose(faults).faults}
    factories = {name.replace("_", "-") for name, _ in inspect.getmembers(Fault)
                 if isinstance(inspect.getattr_static(Fault, name), classmethod)}
    generic = {"greeting", "reject", "auth-rejected"}  # building blocks of the named ones
    assert factories - generic <= used


async def test_settings_point_at_the_started_host():
    s = scenario("wrong-port")
    async with s.lab_host(real_ports=False) as host:
        settings = s.settings_for(host)
        assert settings.host == host.address
        assert settings.port == host.port(2526) != 2526
        assert settings.sweep_ports == tuple(host.port(p) for p in SWEEP_PORTS)
        assert settings.security is Security.STARTTLS
        assert isinstance(settings.password, Secret) and settings.ca_file == host.ca_file
        assert settings.mail_from == "user@lab.test"
        assert settings.extra["lab"] == {"scenario": "wrong-port", "port_map": host.port_map}
        assert host.nominal(settings.port) == 2526 and host.nominal(1) is None


async def test_all_scenario_hosts_start_and_stop_cleanly():
    before = asyncio.all_tasks()
    hosts = [s.lab_host() for s in SCENARIOS]
    await asyncio.gather(*(h.start() for h in hosts))
    try:
        assert len({h.address for h in hosts}) == len(hosts)
    finally:
        await asyncio.gather(*(h.stop() for h in hosts))
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


# -- what a plain client sees with the scenario's settings --------------------------------------------------
def walk(settings: Settings) -> tuple[str, object]:
    """Follow ``settings`` with smtplib up to RCPT; return (stage, code or failure) of the first failure."""
    timeout = min(settings.timeout, 1.0)
    context = ssl.create_default_context(cafile=settings.ca_file)
    stage = "connect"
    try:
        try:
            if settings.security is Security.TLS:
                client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        except smtplib.SMTPConnectError as exc:  # a greeting other than 220
            return "greeting", exc.smtp_code
        stage = "ehlo"
        client.ehlo("client.lab.test")
        if settings.security is Security.STARTTLS:
            stage = "starttls"
            code, _ = client.starttls(context=context)
            client.ehlo("client.lab.test")
        if settings.user:
            stage = "auth"
            token = base64.b64encode(f"\0{settings.user}\0{settings.password.reveal()}".encode()).decode()
            code, _ = client.docmd("AUTH", "PLAIN " + token)  # sent even when not advertised, on purpose
            if code != 235:
                return stage, code
        if settings.mail_from:
            stage = "mail"
            code, _ = client.mail(settings.mail_from)
            if code != 250:
                return stage, code
            stage = "rcpt"
            code, _ = client.rcpt(settings.rcpt_to)
            if code != 250:
                return stage, code
        client.quit()
        return "done", 250
    except smtplib.SMTPResponseException as exc:
        return stage, exc.smtp_code
    except smtplib.SMTPServerDisconnected as exc:
        return stage, "timeout" if "timed out" in str(exc) else "disconnected"
    except TimeoutError:
        return stage, "timeout"
    except ConnectionResetError:  # smtplib lets it through when the RST wins the race with the first read
        return stage, "disconnected"
    except ssl.SSLCertVerificationError as exc:
        return stage, exc.verify_message
    except Exception as exc:
        return stage, type(exc).__name__


SEEN = {
    "healthy-submission": ("done", 250),
    "healthy-smtps": ("done", 250),
    "healthy-far-away": ("done", 250),
    "minimal-esmtp": ("done", 250),
    "non-utf8-greeting": ("done", 250),
    "wrong-port": ("connect", "ConnectionRefusedError"),
    "implicit-tls-on-starttls-port": ("connect", "SSLError"),
    "starttls-on-implicit-tls-port": ("connect", "timeout"),
    "port-filtered": ("connect", "timeout"),
    "port-blackholed": ("connect", "timeout"),
    "all-filtered": ("connect", "timeout"),
    "refused-everywhere": ("connect", "ConnectionRefusedError"),
    "greeting-554": ("greeting", 554),
    "greeting-421": ("greeting", 421),
    "greeting-blocklisted": ("greeting", 554),
    "garbage-banner": ("greeting", -1),
    "http-banner": ("greeting", -1),
    "reset-on-connect": ("connect", "disconnected"),
    "drop-after-ehlo": ("ehlo", "disconnected"),
    "greeting-1mb-line": ("connect", 500),  # smtplib's own "500 Line too long."
    "rate-limited": ("mail", 421),
    "certificate-expired": ("starttls", "certificate has expired"),
    "certificate-wrong-name": ("starttls", "IP address mismatch, certificate is not valid for '{host}'."),
    "certificate-self-signed": ("starttls", "self-signed certificate"),
    "certificate-not-yet-valid": ("starttls", "certificate is not yet valid"),
    "certificate-weak-key": ("starttls", "EE certificate key too weak"),
    "certificate-expiring-soon": ("done", 250),
    "starttls-unavailable": ("starttls", 454),
    "starttls-handshake-abort": ("starttls", "SSLEOFError"),
    "starttls-not-offered": ("starttls", "SMTPNotSupportedError"),
    "starttls-stripped": ("starttls", "SMTPNotSupportedError"),
    "auth-wrong-password": ("auth", 535),
    "auth-app-password-required": ("auth", 534),
    "auth-disabled-for-tenant": ("auth", 535),
    "auth-temporary-failure": ("auth", 454),
    "auth-not-offered": ("auth", 503),
    "auth-garbage-reply": ("auth", -1),
    "auth-endless-challenge": ("auth", 334),
    "auth-before-tls": ("auth", 530),
    "auth-encryption-required": ("auth", 538),
    "relay-denied": ("rcpt", 554),
    "sender-not-owned": ("mail", 553),
    "reverse-hostname-required": ("rcpt", 450),
    "rcpt-blocklisted": ("rcpt", 554),
    "user-unknown": ("rcpt", 550),
    "greylisted": ("rcpt", 451),
    "refuse-everything-421": ("starttls", "SMTPNotSupportedError"),  # smtplib takes EHLO's 421 as no extensions
    "auth-echo": ("done", 250),
    "auth-echo-wrong-password": ("auth", 535),
    "huge-reply": ("done", 250),  # smtplib has no bound on a reply's size: it reads all 10 MiB
    "hostile-text": ("done", 250),
}
NOT_WALKED = {
    "slow-banner": "6 s by design; the slow_banner fault is tested on its own",
    "ehlo-endless-continuation": "smtplib has no bound on reply lines and would read 450 MB",
    "endless-multiline": "smtplib has no bound on reply lines and would read for ever",
    "drip-feed": "smtplib's timeout is per read, so a drip-feed keeps it reading for minutes; the fault is "
                 "tested byte by byte",
    "smtputf8-not-offered": "the fault is a missing EHLO keyword: the tool refuses to send the address, so "
                            "there is no server reply to see (tests/flows/test_diagnose_smtputf8_realservers.py)",
    "tls-intercepted": "the provider's name resolves only through the lab DNS world; its wrong-name "
                       "certificate is walked as certificate-wrong-name",
}


def test_every_scenario_is_walked_or_says_why_not():
    assert set(SEEN) | set(NOT_WALKED) == {s.name for s in SCENARIOS}


@pytest.mark.parametrize("name", sorted(SEEN))
async def test_the_scenario_shows_its_fault_to_a_plain_client(name):
    s = scenario(name)
    async with s.lab_host() as host:
        stage, seen = await asyncio.to_thread(walk, s.settings_for(host))
    expected_stage, expected = SEEN[name]
    if isinstance(expected, str):
        expected = expected.replace("{host}", host.address)
    assert (stage, seen) == (expected_stage, expected)


def test_exported_names():
    assert set(scenarios_module.__all__) == {
        "Scenario", "SCENARIOS", "AGREED_FINDINGS", "PROPOSED_FINDINGS", "scenario", "EXTERNAL_RCPT"}
