"""Provider presets: matching host names, the data's shape, and the facts the checks rely on."""

from __future__ import annotations

import re

import pytest

from smtpdoctor.core import catalogue, providers
from smtpdoctor.core.settings import Security

EXPECTED = [
    ("smtp.gmail.com", "gmail"),
    ("SMTP.GMAIL.COM.", "gmail"),
    ("smtp-relay.gmail.com", "google-smtp-relay"),
    ("smtp.office365.com", "microsoft-365"),
    ("contoso-com.mail.protection.outlook.com", "microsoft-365-direct-send"),
    ("smtp-mail.outlook.com", "outlook-com"),
    ("smtp.mail.yahoo.com", "yahoo"),
    ("smtp.mail.me.com", "icloud"),
    ("smtp.zoho.eu", "zoho"),
    ("smtppro.zoho.com", "zoho"),
    ("smtp.fastmail.com", "fastmail"),
    ("email-smtp.us-east-1.amazonaws.com", "amazon-ses"),
    ("email-smtp.eu-west-1.amazonaws.com", "amazon-ses"),
    ("smtp.sendgrid.net", "sendgrid"),
    ("smtp.mailgun.org", "mailgun"),
    ("smtp.eu.mailgun.org", "mailgun"),
    ("smtp.postmarkapp.com", "postmark"),
    ("smtp-relay.brevo.com", "brevo"),
    ("smtp-relay.sendinblue.com", "brevo"),
    ("in-v3.mailjet.com", "mailjet"),
    ("smtp.sparkpostmail.com", "sparkpost"),
    ("smtp.eu.sparkpostmail.com", "sparkpost"),
    ("smtp.mandrillapp.com", "mandrill"),
    ("mail.smtp2go.com", "smtp2go"),
    ("smtp.elasticemail.com", "elastic-email"),
]


@pytest.mark.parametrize(("host", "key"), EXPECTED)
def test_known_hosts_match(host, key):
    preset = providers.match(host)
    assert preset is not None and preset.key == key


@pytest.mark.parametrize("host", ["smtp.example.com", "gmail.com", "smtp.gmail.com.evil.example",
                                  "email-smtp.amazonaws.com.evil.example", "", None, "evilsmtp.gmail.com"])
def test_other_hosts_do_not_match(host):
    assert providers.match(host) is None


def test_every_provider_the_issue_names_is_there():
    keys = {p.key for p in providers.presets()}
    assert {"gmail", "microsoft-365", "outlook-com", "yahoo", "icloud", "zoho", "fastmail", "amazon-ses", "sendgrid",
            "mailgun", "postmark", "brevo", "mailjet", "sparkpost", "mandrill", "smtp2go", "elastic-email"} <= keys


def test_documented_ports():
    gmail = providers.get("gmail")
    assert gmail.security_for(465) is Security.TLS
    assert gmail.security_for(587) is Security.STARTTLS
    assert gmail.security_for(2525) is None
    assert gmail.recommended.port == 587
    ses = providers.get("amazon-ses")
    assert {p.port for p in ses.ports} == {25, 587, 2587, 465, 2465}
    assert ses.sandbox


def test_provider_facts_the_lint_relies_on():
    assert providers.get("sendgrid").username_literal == "apikey"
    assert providers.get("sparkpost").username_literal == "SMTP_Injection"
    assert providers.get("gmail").username_literal is None
    assert providers.get("microsoft-365").sender_policy == "enforced"
    assert providers.get("gmail").sender_policy == "rewritten"
    assert providers.get("microsoft-365-direct-send").requires_auth is False


def test_data_is_well_formed():
    presets = providers.presets()
    assert len({p.key for p in presets}) == len(presets)
    for preset in presets:
        assert preset.name and preset.hosts and preset.ports
        assert len({p.port for p in preset.ports}) == len(preset.ports), preset.key
        for link in preset.help:
            assert re.match(r"^https://[a-z0-9.-]+/", link.url), link.url
        for fid, steps in preset.remedies.items():
            assert catalogue.spec(fid) and steps, (preset.key, fid)
            for step in steps:  # only parameters the wording gets
                assert set(re.findall(r"\{(\w+)\}", step)) <= {"user", "host", "port", "name"}, step


def test_hosts_are_unique_across_presets():
    seen = {}
    for preset in providers.presets():
        for host in preset.hosts:
            assert host not in seen, (host, seen.get(host), preset.key)
            seen[host] = preset.key


def test_remedy_templates_are_filled():
    steps = providers.get("microsoft-365").remedy_for("auth.smtp-auth-disabled", user="bob@contoso.example")
    assert "Set-CASMailbox -Identity bob@contoso.example" in steps[0]
    assert providers.get("gmail").remedy_for("auth.smtp-auth-disabled") == ()
    unnamed = providers.get("gmail").remedy_for("auth.credentials-rejected")
    assert not any("{" in step for step in unnamed)
    assert any("the account's full address" in step for step in unnamed)


def test_exported_names():
    assert set(providers.__all__) == {"PortPreset", "HelpLink", "SignIn", "Preset", "presets", "match", "get",
                                      "SENDER_POLICIES", "SIGNIN_METHODS"}
