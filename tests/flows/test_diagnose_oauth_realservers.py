"""XOAUTH2 and OAUTHBEARER against a real Postfix whose SASL is Dovecot's ``oauth2`` passdb, which asks a
token endpoint of the test's own (RFC 7662 introspection, ``introspection_mode = post``) about every token.

A valid token signs in; an expired one (the endpoint says inactive, as RFC 7662 asks for an expired
token) is named as expired with the provider's own fix; an unknown opaque token is "refused"; the token
and its base64 forms appear in no report format and no CLI output.
"""

from __future__ import annotations

import base64
import json
import sys
import time

import pytest
from realservers.token_endpoint import start_token_endpoint
from click.testing import CliRunner

from smtpdoctor.cli.app import app, main
from smtpdoctor.core.model import Category
from smtpdoctor.core.settings import Secret, Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.report import render

ALICE = "alice@smtpdoctor.test"
OUTSIDE = "someone@example.net"


def _jwt(exp: float, sub: str = ALICE) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'upn': sub, 'exp': int(exp), 'scp': 'SMTP.Send'})}.c2lnbmF0dXJl"


VALID = _jwt(time.time() + 3600)
EXPIRED = _jwt(time.time() - 7200)
REVOKED = "ya29.revoked-opaque-token-0123456789"


@pytest.fixture(scope="module")
def endpoint():
    ep = start_token_endpoint({VALID: {"active": True, "username": ALICE, "scope": "SMTP.Send"},
                               EXPIRED: {"active": False}})
    yield ep
    ep.stop()


@pytest.fixture(scope="module")
def oauth_postfix(postfix_factory, endpoint):
    return postfix_factory(oauth2={"introspection_mode": "post", "introspection_url": endpoint.url,
                                   "force_introspection": "yes", "username_attribute": "username",
                                   "active_attribute": "active", "active_value": "true"})


def _settings(pf, token: str, **kw) -> Settings:
    return Settings(host=pf.host, port=pf.submission_port, security=Security.STARTTLS, user=ALICE,
                    oauth_token=Secret(token), mail_from=ALICE, rcpt_to=OUTSIDE, ca_file=str(pf.ca_file),
                    timeout=5.0, sweep_ports=(), **kw)


def _forms(token: str) -> list[str]:
    blobs = [b"user=" + ALICE.encode() + b"\x01auth=Bearer " + token.encode() + b"\x01\x01",
             b"n,a=" + ALICE.encode() + b",\x01auth=Bearer " + token.encode() + b"\x01\x01"]
    return [token] + [base64.b64encode(b).decode() for b in blobs]


def _assert_hidden(token: str, report) -> None:
    outputs = [render(report, fmt) for fmt in ("text", "json", "markdown", "html")]
    outputs.append("\n".join(line.text for line in report.transcript))
    for out in outputs:
        for form in _forms(token):
            assert form not in out


@pytest.mark.parametrize("mech", ["XOAUTH2", "OAUTHBEARER"])
async def test_valid_token_signs_in(oauth_postfix, endpoint, mech):
    report = await run_diagnosis(_settings(oauth_postfix, VALID, auth_mech=mech))
    ids = {f.id for f in report.findings}
    assert "auth.ok" in ids, ids
    assert any(line.text.startswith(f"AUTH {mech}") for line in report.transcript)
    assert VALID in endpoint.seen  # Dovecot asked the endpoint: the server judged the token
    _assert_hidden(VALID, report)


@pytest.mark.parametrize("mech", ["XOAUTH2", "OAUTHBEARER"])
async def test_expired_token_is_named_with_microsoft_fix(oauth_postfix, mech):
    report = await run_diagnosis(_settings(oauth_postfix, EXPIRED, auth_mech=mech, provider="microsoft-365"))
    assert report.verdict.finding == "auth.oauth-token-expired"
    assert report.verdict.category is Category.AUTHENTICATION
    f = report.finding("auth.oauth-token-expired")
    assert f.evidence["oauth_status"] == ("401" if mech == "XOAUTH2" else "invalid_token")
    assert "login.microsoftonline.com" in f.remedy[0] and "SMTP.Send" in f.remedy[0]
    assert "expired at " in f.detail
    _assert_hidden(EXPIRED, report)


async def test_expired_token_is_named_with_gmail_fix(oauth_postfix):
    report = await run_diagnosis(_settings(oauth_postfix, EXPIRED, provider="gmail"))
    f = report.finding("auth.oauth-token-expired")
    assert "oauth2.googleapis.com/token" in f.remedy[0] and "one hour" in f.remedy[0]
    assert "7 days" in f.remedy[1]


async def test_opaque_token_refused_is_not_called_expired(oauth_postfix):
    report = await run_diagnosis(_settings(oauth_postfix, REVOKED, provider="gmail"))
    assert report.verdict.finding == "auth.oauth-token-rejected"
    assert "https://mail.google.com/" in report.finding("auth.oauth-token-rejected").remedy[0]
    _assert_hidden(REVOKED, report)


def test_cli_never_prints_the_token(oauth_postfix, monkeypatch):
    monkeypatch.setenv("SMTPDOCTOR_TEST_TOKEN", EXPIRED)
    for fmt in ("text", "json", "markdown", "html"):
        result = CliRunner().invoke(app, [
            "diagnose", oauth_postfix.host, "--port", str(oauth_postfix.submission_port), "--security", "starttls",
            "--user", ALICE, "--token-env", "SMTPDOCTOR_TEST_TOKEN", "--auth-mech", "OAUTHBEARER",
            "--ca-file", str(oauth_postfix.ca_file), "--ports", "", "--timeout", "5", "--provider", "microsoft-365",
            "--from", ALICE, "--to", OUTSIDE, "--format", fmt, "--verbose"])
        assert result.exit_code not in (0, 2), result.output
        assert "auth.oauth-token-expired" in result.output or "OAuth token had expired" in result.output
        for form in _forms(EXPIRED):
            assert form not in result.output


def test_unknown_provider_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["smtpdoctor", "diagnose", "127.0.0.1", "--provider", "nosuch"])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "unknown --provider 'nosuch'" in err and "Traceback" not in err
