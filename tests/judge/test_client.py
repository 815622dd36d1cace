"""Client settings lint: every contradiction the guide's step one names, from settings alone."""

from __future__ import annotations

import pytest

from smtpdoctor.core import providers
from smtpdoctor.judge import client
from smtpdoctor.core.names import check_address, envelope_path
from smtpdoctor.judge.client import check_helo, lint
from smtpdoctor.core.model import Category, Severity, Step
from smtpdoctor.core.settings import Secret, Security, Settings

PW = Secret("correct horse")


def ids(findings) -> set[str]:
    return {f.id for f in findings}


def by_id(findings, fid):
    return next(f for f in findings if f.id == fid)


def test_clean_settings_are_ok():
    findings = lint(Settings(host="mail.example.net", port=587, security=Security.STARTTLS, user="bob@example.net",
                             password=PW, mail_from="bob@example.net", rcpt_to="alice@example.org",
                             helo="host.example.net"))
    assert ids(findings) == {"client.settings-ok"}
    assert all(f.step is Step.CLIENT_SETTINGS for f in findings)


# -------------------------------------------------------------------------------------- port / TLS
def test_465_with_starttls_on_an_unknown_host():
    findings = lint(Settings(host="mail.example.net", port=465, security=Security.STARTTLS))
    f = by_id(findings, "client.port-465-with-starttls")
    assert f.severity is Severity.WARNING and f.category is Category.CLIENT
    assert "587" in f.remedy[0]


def test_587_with_implicit_tls_on_an_unknown_host():
    findings = lint(Settings(host="mail.example.net", port=587, security=Security.TLS))
    assert "client.port-587-with-implicit-tls" in ids(findings)
    assert "client.settings-ok" not in ids(findings)


def test_known_provider_turns_the_port_mismatch_into_an_error():
    findings = lint(Settings(host="smtp.gmail.com", port=465, security=Security.STARTTLS, user="bob@gmail.com",
                             password=PW))
    f = by_id(findings, "client.security-mismatch-provider")
    assert f.severity is Severity.ERROR
    assert "Gmail" in f.title and "SSL/TLS" in f.title
    assert "client.port-465-with-starttls" not in ids(findings)  # one finding per cause


def test_port_a_provider_does_not_document():
    f = by_id(lint(Settings(host="smtp.office365.com", port=465, security=Security.TLS, user="a@contoso.example",
                            password=PW)), "client.port-not-documented")
    assert "587" in f.detail and f.category is Category.PORT


def test_auto_security_and_default_port_fit():
    assert "client.settings-ok" in ids(lint(Settings(host="smtp.gmail.com", user="bob@gmail.com", password=PW)))


def test_port_25_for_authenticated_submission():
    findings = lint(Settings(host="mail.example.net", port=25, security=Security.STARTTLS, user="bob@example.net",
                             password=PW))
    f = by_id(findings, "client.port-25-for-submission")
    assert f.category is Category.PORT
    # port 25 without a login (testing an MX) is not a submission mistake
    assert "client.port-25-for-submission" not in ids(lint(Settings(host="mx.example.net", port=25)))
    assert "client.port-25-for-submission" not in ids(
        lint(Settings(host="contoso-com.mail.protection.outlook.com", port=25)))


def test_auth_without_tls():
    f = by_id(lint(Settings(host="mail.example.net", port=587, security=Security.NONE, user="bob@example.net",
                            password=PW)), "client.auth-without-tls")
    assert f.severity is Severity.ERROR and f.category is Category.CLIENT


# --------------------------------------------------------------------------------------------- HELO
@pytest.mark.parametrize(("helo", "fid"), [
    ("localhost", "client.helo-localhost"),
    ("LOCALHOST.localdomain", "client.helo-localhost"),
    ("127.0.0.1", "client.helo-localhost"),
    ("[127.0.0.1]", "client.helo-localhost"),
    ("mypc", "client.helo-bare-word"),
    ("192.0.2.7", "client.helo-ip-without-brackets"),
    ("2001:db8::7", "client.helo-ip-without-brackets"),
    ("my_pc.example.com", "client.helo-invalid"),
    ("host name.example.com", "client.helo-invalid"),
    ("[192.0.2.300]", "client.helo-invalid"),
    ("-bad.example.com", "client.helo-invalid"),
    ("hôte.example.com", "client.helo-invalid"),
    ("x" * 300, "client.helo-invalid"),
])
def test_bad_helo_names(helo, fid):
    assert check_helo(helo)[0] == fid
    assert fid in ids(lint(Settings(host="mail.example.net", helo=helo)))


@pytest.mark.parametrize("helo", ["mail.example.com", "[192.0.2.7]", "[IPv6:2001:db8::7]", "mail.example.com."])
def test_good_helo_names(helo):
    assert check_helo(helo) is None


def test_ip_helo_gets_the_right_literal():
    assert check_helo("192.0.2.7")[1]["literal"] == "[192.0.2.7]"
    assert check_helo("2001:db8::7")[1]["literal"] == "[IPv6:2001:db8::7]"


# ---------------------------------------------------------------------------------------- addresses
@pytest.mark.parametrize(("address", "fragment"), [
    ("bob.example.com", "no @"),
    ("@example.com", "before the @ is empty"),
    ("bob@", "domain after the @ is empty"),
    ("bob smith@example.com", "spaces"),
    ("a@b@example.com", "more than one @"),
    ("bob@localhost", "no dot"),
    ("bob@exa_mple.com", "not a valid domain"),
    ("x" * 65 + "@example.com", "64 octets"),
    ("x" * 300 + "@example.com", "at most 254"),
    ("", "empty"),
])
def test_invalid_addresses(address, fragment):
    result = check_address(address)
    assert not result.ok and fragment in result.problem
    findings = lint(Settings(host="mail.example.net", mail_from=address))
    f = by_id(findings, "client.address-invalid")
    assert f.severity is Severity.ERROR and "From" in f.title


@pytest.mark.parametrize(("address", "domain"), [
    ("bob@example.com", "example.com"),
    ("<Bob@Example.COM>", "example.com"),
    ("bob@bücher.example", "xn--bcher-kva.example"),
    ('"john doe"@example.com', "example.com"),
    ("bob@[192.0.2.7]", "[192.0.2.7]"),
])
def test_valid_addresses(address, domain):
    result = check_address(address)
    assert result.ok and result.domain == domain and not result.needs_smtputf8


def test_non_ascii_local_part_needs_smtputf8():
    result = check_address("jörg@example.com")
    assert result.ok and result.needs_smtputf8
    f = by_id(lint(Settings(host="mail.example.net", rcpt_to="jörg@example.com")), "client.address-needs-smtputf8")
    assert f.severity is Severity.INFO and "To" in f.title


def test_envelope_path_uses_punycode_and_smtputf8_only_when_needed():
    assert envelope_path("bob@bücher.example", smtputf8_offered=False) == ("<bob@xn--bcher-kva.example>", False)
    assert envelope_path("<jörg@bücher.example>", smtputf8_offered=True) == ("<jörg@xn--bcher-kva.example>", True)
    with pytest.raises(ValueError, match="does not offer SMTPUTF8"):
        envelope_path("jörg@example.com", smtputf8_offered=False)
    with pytest.raises(ValueError, match="no @"):
        envelope_path("bob.example.com", smtputf8_offered=True)


# ---------------------------------------------------------------------------------------- the login
def test_user_without_password_and_password_without_user():
    assert "client.password-missing" in ids(lint(Settings(host="mail.example.net", user="bob@example.net")))
    assert "client.password-without-user" in ids(lint(Settings(host="mail.example.net", password=PW)))
    assert "client.password-missing" not in ids(lint(Settings(host="mail.example.net", user="bob@example.net",
                                                              oauth_token=Secret("tok"))))


def test_a_2kb_username_and_non_ascii_password_lint_without_trouble():
    findings = lint(Settings(host="smtp.gmail.com", user="u" * 2048 + "@gmail.com", password=Secret("pässwörd")))
    assert "client.settings-ok" in ids(findings)
    assert not any("pässwörd" in str(f.to_json()) for f in findings)


@pytest.mark.parametrize(("mech", "password", "token", "fragment"), [
    ("XOAUTH2", PW, None, "needs an OAuth token"),
    ("PLAIN", None, Secret("tok"), "needs a password"),
    ("NTLM", PW, None, "not a mechanism"),
])
def test_forced_mechanism_conflicts(mech, password, token, fragment):
    f = by_id(lint(Settings(host="mail.example.net", user="bob@example.net", password=password, oauth_token=token,
                            auth_mech=mech)), "client.auth-mech-conflict")
    assert fragment in f.detail


def test_sendgrid_user_must_be_apikey():
    f = by_id(lint(Settings(host="smtp.sendgrid.net", user="bob@example.com", password=PW)),
              "client.username-must-be-literal")
    assert f.severity is Severity.ERROR and "apikey" in f.title
    assert "client.username-must-be-literal" not in ids(lint(Settings(host="smtp.sendgrid.net", user="apikey",
                                                                      password=PW)))


def test_sparkpost_user_must_be_smtp_injection():
    assert "client.username-must-be-literal" in ids(lint(Settings(host="smtp.sparkpostmail.com", user="apikey",
                                                                  password=PW)))


def test_provider_wants_a_full_address():
    f = by_id(lint(Settings(host="smtp.gmail.com", user="bob", password=PW)), "client.username-not-address")
    assert "Gmail" in f.title


def test_provider_that_needs_a_login():
    assert "client.provider-requires-auth" in ids(lint(Settings(host="smtp.office365.com")))
    assert "client.provider-requires-auth" not in ids(lint(Settings(host="smtp-relay.gmail.com")))


# ------------------------------------------------------------------------------------- the sender
def test_microsoft_refuses_a_from_domain_the_account_does_not_own():
    f = by_id(lint(Settings(host="smtp.office365.com", user="bob@contoso.example", password=PW,
                            mail_from="news@fabrikam.example")), "client.from-domain-not-owned")
    assert "fabrikam.example" in f.title and "contoso.example" in f.title
    assert f.severity is Severity.WARNING


def test_same_domain_or_unknown_provider_is_not_flagged():
    assert "client.from-domain-not-owned" not in ids(lint(Settings(
        host="smtp.office365.com", user="bob@contoso.example", password=PW, mail_from="news@contoso.example")))
    assert "client.from-domain-not-owned" not in ids(lint(Settings(
        host="mail.example.net", user="bob@contoso.example", password=PW, mail_from="news@fabrikam.example")))


def test_gmail_rewrites_a_foreign_from():
    f = by_id(lint(Settings(host="smtp.gmail.com", user="bob@gmail.com", password=PW,
                            mail_from="news@example.com")), "client.from-rewritten")
    assert f.severity is Severity.INFO
    assert "client.from-rewritten" not in ids(lint(Settings(host="smtp.gmail.com", user="Bob@gmail.com",
                                                            password=PW, mail_from="<bob@gmail.com>")))


# ---------------------------------------------------------------------------------------- presets
def test_ses_sandbox_note_and_recognised_provider():
    findings = lint(Settings(host="email-smtp.eu-west-1.amazonaws.com", user="AKIAEXAMPLE", password=PW))
    assert {"client.ses-sandbox", "client.provider-recognised", "client.settings-ok"} <= ids(findings)
    assert "email-smtp.eu-west-1.amazonaws.com" in by_id(findings, "client.ses-sandbox").remedy[1]


def test_presets_can_be_given_or_turned_off():
    settings = Settings(host="smtp.sendgrid.net", user="bob", password=PW)
    assert "client.username-must-be-literal" not in ids(lint(settings, use_presets=False))
    assert "client.username-must-be-literal" in ids(lint(Settings(host="relay.example.net", user="bob", password=PW),
                                                         providers.get("sendgrid")))


def test_every_lint_finding_is_on_the_client_settings_step():
    settings = Settings(host="smtp.sendgrid.net", port=25, security=Security.NONE, user="bob", password=PW,
                        helo="localhost", mail_from="bad", rcpt_to="jörg@example.com", auth_mech="XOAUTH2")
    findings = lint(settings)
    assert len(findings) >= 6
    assert all(f.step is Step.CLIENT_SETTINGS for f in findings)
    assert not any("{" in f.title + f.detail + "".join(f.remedy) for f in findings)


def test_exported_names():
    assert set(client.__all__) == {"lint", "check_helo", "LOCALHOST_NAMES"}
