"""One settings parser: Settings.parse reads what the command line, the web form and the Python API are
given, with one set of limits, and the three front doors refuse and accept the same inputs alike."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

import smtpdoctor
from smtpdoctor.api import settings_for
from smtpdoctor.cli.commands.diagnose import FLAGS, read_settings
from smtpdoctor.cli.common import UsageError
from smtpdoctor.core.settings import (MAX_TIMEOUT, SWEEP_PORTS, FieldErrors, InvalidSettings, Secret, Security,
                                      Settings)
from smtpdoctor.web.config import ServeConfig
from smtpdoctor.web.forms import parse_diagnose

# a wrong port says how to fix it, at every door
PORT_HINT = "port must be 1–65535 (587: submission with STARTTLS, 465: implicit TLS, 25: server to server)"


def test_text_becomes_typed_settings():
    s = Settings.parse({"host": " SMTP.Example.COM ", "port": "465", "security": "SSL", "user": "me",
                        "password": " pw with spaces ", "mail_from": "me@example.com", "rcpt_to": "you@example.net",
                        "helo": "[192.0.2.1]", "domain": "Faß.de.", "dkim_selectors": "s1, google",
                        "resolvers": ["127.0.0.1:5353"], "sweep_ports": "25, 2525", "timeout": "2.5",
                        "auth_mech": "cram-md5", "send": "on"})
    assert isinstance(s, Settings)
    assert (s.host, s.port, s.security, s.password) == ("smtp.example.com", 465, Security.TLS,
                                                       Secret(" pw with spaces "))
    assert (s.helo, s.domain, s.dkim_selectors) == ("[192.0.2.1]", "xn--fa-hia.de", ("s1", "google"))
    assert (s.sweep_ports, s.timeout, s.auth_mech, s.send) == ((25, 2525), 2.5, "CRAM-MD5", True)


def test_defaults_are_the_settings_defaults():
    s = Settings.parse({"host": "smtp.example.com", "port": "", "dnsbl_zones": []})
    assert (s.port, s.security, s.timeout, s.sweep_ports, s.dnsbl_zones) == (None, Security.AUTO, 10.0,
                                                                            SWEEP_PORTS, None)
    assert Settings.parse({"host": "h.example", "sweep_ports": ""}).sweep_ports == ()  # '' sweeps nothing


def test_every_bad_field_is_named_in_field_order():
    errors = Settings.parse({"host": "", "timeout": "nan", "port": "0", "user": "me", "ca_file": "x" * 400,
                             "resolvers": "not-an-ip", "auth_mech": "NTLM", "sweep_ports": "1,2,x"})
    assert isinstance(errors, FieldErrors)
    assert list(errors) == ["host", "port", "password", "auth_mech", "resolvers", "sweep_ports", "timeout",
                            "ca_file"]
    assert errors.first() == ("host", "enter the SMTP server name, e.g. smtp.example.com")
    assert errors["port"] == f"port 0 is out of range: {PORT_HINT}"
    assert errors["ca_file"] == "too long (at most 320 characters)"


def test_preset_fills_what_was_left_blank():
    s = Settings.parse({"preset": "gmail"})
    assert (s.host, s.port, s.security) == ("smtp.gmail.com", 587, Security.STARTTLS)
    s = Settings.parse({"preset": "gmail", "port": "465", "security": "tls"})
    assert (s.host, s.port, s.security) == ("smtp.gmail.com", 465, Security.TLS)
    assert "preset" in Settings.parse({"preset": "nope", "host": "smtp.example.com"})


def test_unknown_keys_and_wrong_types_are_refused():
    assert Settings.parse({"host": "smtp.example.com", "pasword": "x"}) == {"pasword": "not a setting of a diagnosis"}
    assert Settings.parse({"host": ["smtp.example.com"]}) == {"host": "this field takes text"}


# -- the three front doors -------------------------------------------------------------------------------
# (field, what the user typed): every door gets the same text; None in the last column means "accepted"
CASES = [
    ("port", "abc", f"'abc' is not a port number: {PORT_HINT}"),
    ("port", "70000", f"port 70000 is out of range: {PORT_HINT}"),
    ("security", "ssl3", "unknown security mode 'ssl3': choose one of auto, starttls, tls (implicit TLS, also "
                         "called SSL) or none"),
    ("security", "ssl", None),
    ("timeout", "forever", "a number of seconds, e.g. 10"),
    ("timeout", str(MAX_TIMEOUT + 1), f"between 0 and {MAX_TIMEOUT:g} seconds (more than 0)"),
    ("timeout", "0", f"between 0 and {MAX_TIMEOUT:g} seconds (more than 0)"),
    ("timeout", "120", None),  # the web form allowed 60 s, the command line 300 s: one bound now
    ("host", "https://smtp.example.com/", "'https://smtp.example.com/' is not a host name (give only the name, "
                                          "e.g. smtp.example.com, and the port separately)"),
    ("mail_from", "not-an-address", "'not-an-address' is not an e-mail address (no @)"),
    ("helo", "bad helo", "'bad helo' is not a host name (give only the name, e.g. smtp.example.com, and the port "
                         "separately)"),
    ("dkim_selectors", " ".join(f"s{i}" for i in range(11)), "up to 10 selector names (letters, digits, - _ .), "
                                                             "separated by spaces"),
    ("user", "me@example.com", "enter the password for this user (it is used for this run only, never stored)",
     "password"),
    ("domain", "me@example.com", "'me@example.com' is an e-mail address; give its domain ('example.com')"),
    ("ip", "192.0.2.300", "'192.0.2.300' is not an IP address"),
]
CONFIG = ServeConfig()


def _cli(field, text):
    options = {"host": "smtp.example.com", "security": "auto", field: text}
    if field == "dkim_selectors":
        options[field] = text.split()
    try:
        return read_settings(options)
    except UsageError as exc:
        return str(exc)


def _web(field, text):
    result = parse_diagnose({"host": "smtp.example.com", field: text}, CONFIG)
    return result.settings if result.settings else result.errors


def _api(field, text):
    try:
        return settings_for(**{"host": "smtp.example.com", field: text})
    except InvalidSettings as exc:
        return exc.errors


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}={c[1][:12]}" for c in CASES])
def test_cli_web_and_api_refuse_and_accept_alike(case):
    field, text, message, where = (*case, case[0])[:4]
    cli, web, api = _cli(field, text), _web(field, text), _api(field, text)
    if message is None:
        assert isinstance(cli, Settings) and isinstance(web, Settings) and isinstance(api, Settings)
        assert getattr(cli, field) == getattr(web, field) == getattr(api, field)
    else:
        assert cli == f"{FLAGS[where]}: {message}"
        assert web == {where: message}
        assert api == {where: message}


def test_the_command_prints_the_first_error_as_one_line():
    out = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "diagnose", "smtp.example.com",
                          "--timeout", "301", "--port", "abc"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr == f"smtpdoctor: error: --port: 'abc' is not a port number: {PORT_HINT}\n"


def test_the_api_refuses_before_any_io():
    with pytest.raises(InvalidSettings, match="^ip: .x. is not an IP address") as info:
        asyncio.run(smtpdoctor.diagnose_async("smtp.example.com", timeout=1000, ip="x"))
    assert set(info.value.errors) == {"ip", "timeout"}
