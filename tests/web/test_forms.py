"""Form fields to Settings: presets, defaults, and the password kept out of the values sent back."""

from __future__ import annotations

from smtpdoctor.core.settings import Secret, Security
from smtpdoctor.web.config import ServeConfig
from smtpdoctor.web.forms import parse_diagnose, preset_choices

CONFIG = ServeConfig(resolvers=("127.0.0.1:5353",), ca_file="/tmp/ca.pem", dnsbl_zones=("bl.lab.test",), timeout=7.0)


def test_typed_settings():
    r = parse_diagnose({"host": " SMTP.Example.COM ", "port": "465", "security": "tls", "user": "me@example.com",
                        "password": " secret with spaces ", "mail_from": "me@example.com", "rcpt_to": "you@example.net",
                        "dkim_selectors": "s1, google", "ip": "192.0.2.1"}, CONFIG)
    s = r.settings
    assert r.errors == {}
    assert (s.host, s.port, s.security, s.user) == ("smtp.example.com", 465, Security.TLS, "me@example.com")
    assert s.password == Secret(" secret with spaces ")  # passwords are not stripped
    assert s.dkim_selectors == ("s1", "google") and s.ip == "192.0.2.1"
    assert (s.resolvers, s.ca_file, s.dnsbl_zones, s.timeout) == (("127.0.0.1:5353",), "/tmp/ca.pem", ("bl.lab.test",), 7.0)
    assert "password" not in r.values


def test_preset_fills_host_port_and_security():
    r = parse_diagnose({"preset": "gmail", "host": "", "port": "", "security": "auto"}, CONFIG)
    assert r.errors == {}
    assert (r.settings.host, r.settings.port, r.settings.security) == ("smtp.gmail.com", 587, Security.STARTTLS)
    assert r.values["host"] == "smtp.gmail.com" and r.values["port"] == "587"


def test_typed_values_win_over_the_preset():
    r = parse_diagnose({"preset": "gmail", "host": "smtp.googlemail.com", "port": "465", "security": "tls"}, CONFIG)
    assert (r.settings.host, r.settings.port, r.settings.security) == ("smtp.googlemail.com", 465, Security.TLS)


def test_unknown_preset():
    r = parse_diagnose({"preset": "no-such-provider", "host": "smtp.example.com"}, CONFIG)
    assert r.settings is None and "unknown provider" in r.errors["preset"]


def test_password_without_user_and_back():
    assert "user" in parse_diagnose({"host": "smtp.example.com", "password": "x"}, CONFIG).errors
    assert "password" in parse_diagnose({"host": "smtp.example.com", "user": "me"}, CONFIG).errors


def test_presets_for_the_page_have_literal_hosts():
    choices = preset_choices()
    assert choices and all("*" not in c["host"] and not c["host"].startswith("re:") for c in choices)
    assert {"key": "gmail", "name": "Gmail / Google Workspace", "host": "smtp.gmail.com", "port": 587,
            "security": "starttls"} in choices
