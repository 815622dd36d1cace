"""The SASL mechanisms against a real server implementation (aiosmtpd) and against hostile servers,
over loopback, with a minimal client loop (the project's driver is tested on its own).

Every exchange is recorded through the :class:`~smtpdoctor.core.redact.Redactor`, and the transcript is
checked for the secret and its encoded forms."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, MISSING

from smtpdoctor.judge.auth import classify_auth, classify_sasl_error
from smtpdoctor.core.redact import MASK, Redactor, forms_of
from smtpdoctor.core.settings import Secret
from smtpdoctor.protocol.sasl import SaslError, choose_mechanism, create

USER = "bob@lab.test"
PASSWORD = "pässwörd-€-Ünïcode"
TOKEN = "ya29.lab-token-value"
CRAM_CHALLENGE = b"<1896.697170952@lab.test>"
OAUTH_ERROR = {"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"}


class Handler:
    """Server side of CRAM-MD5 and XOAUTH2 (aiosmtpd has PLAIN and LOGIN built in)."""

    async def auth_CRAM__MD5(self, server, args):
        answer = await server.challenge_auth(CRAM_CHALLENGE)
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        user, _, digest = answer.rpartition(b" ")
        expected = hmac.new(PASSWORD.encode(), CRAM_CHALLENGE, hashlib.md5).hexdigest().encode()
        return AuthResult(success=user == USER.encode() and hmac.compare_digest(digest, expected), handled=False)

    async def auth_XOAUTH2(self, server, args):
        blob = await server.challenge_auth("") if len(args) == 1 else base64.b64decode(args[1])
        if blob is MISSING:
            return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if part)
        if fields.get("user") == USER and fields.get("auth") == f"Bearer {TOKEN}":
            return AuthResult(success=True)
        await server.challenge_auth(json.dumps(OAUTH_ERROR))  # the client must answer with an empty line
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself


@pytest.fixture
async def aiosmtpd_port():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Handler(), hostname="lab.test", authenticator=authenticator, auth_require_tls=False),
        "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def read_reply(reader) -> tuple[int, list[str]]:
    lines = []
    for _ in range(100):
        raw = await asyncio.wait_for(reader.readline(), 5)
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(line[4:])
        if len(line) < 4 or line[3] != "-":
            return int(line[:3]), lines
    raise AssertionError("reply too long")


async def authenticate(port, mech, redactor, transcript):
    """EHLO, then the AUTH exchange driven by ``mech``; returns (final code, lines, offered)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    def send(text, after_334=False):
        transcript.append(redactor.redact_line("send", text, after_334))
        writer.write(text.encode("ascii") + b"\r\n")

    try:
        await read_reply(reader)
        send("EHLO client.lab.test")
        _, ehlo = await read_reply(reader)
        offered = next((line.split()[1:] for line in ehlo if line.upper().startswith("AUTH ")), [])
        send(mech.auth_command())
        for _ in range(10):
            code, lines = await read_reply(reader)
            transcript.append(redactor.redact_line("recv", f"{code} {' '.join(lines)}", False))
            if code != 334:
                return code, lines, offered
            send(mech.respond(lines[0]), after_334=True)
        raise AssertionError("unbounded exchange")
    finally:
        writer.close()


def assert_no_leak(transcript, mech, secret):
    text = "\n".join(transcript)
    for form in forms_of(secret) | mech.secret_forms():
        assert form not in text, form[:16]


CASES = [
    ("PLAIN", True), ("PLAIN", False), ("LOGIN", None), ("LOGIN-INITIAL", None), ("CRAM-MD5", None),
]


@pytest.mark.parametrize(("name", "initial"), CASES)
async def test_password_mechanisms_log_in_to_aiosmtpd(aiosmtpd_port, name, initial):
    redactor, transcript = Redactor([Secret(PASSWORD)]), []
    mech = create(name, USER, Secret(PASSWORD), initial=initial)
    redactor.add_mechanism(mech)
    code, lines, offered = await authenticate(aiosmtpd_port, mech, redactor, transcript)
    assert code == 235, (code, lines)
    assert classify_auth(code, None, lines).finding == "auth.ok"
    assert_no_leak(transcript, mech, PASSWORD)
    assert any(line == MASK for line in transcript) or name == "PLAIN"


@pytest.mark.parametrize("name", ["PLAIN", "LOGIN", "CRAM-MD5"])
async def test_wrong_password_is_credentials_rejected(aiosmtpd_port, name):
    redactor, transcript = Redactor([Secret("wrong-pässword")]), []
    mech = create(name, USER, Secret("wrong-pässword"))
    redactor.add_mechanism(mech)
    code, lines, _ = await authenticate(aiosmtpd_port, mech, redactor, transcript)
    assert code == 535
    assert classify_auth(code, None, lines).finding == "auth.credentials-rejected"
    assert_no_leak(transcript, mech, "wrong-pässword")


async def test_choice_among_what_aiosmtpd_offers(aiosmtpd_port):
    mech = create("PLAIN", USER, Secret(PASSWORD))
    _, _, offered = await authenticate(aiosmtpd_port, mech, Redactor(), [])
    assert {"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"} <= set(offered)
    assert choose_mechanism(offered, have_token=False) == "PLAIN"
    assert choose_mechanism(offered, have_token=True, have_password=False) == "XOAUTH2"


@pytest.mark.parametrize("initial", [True, False])
async def test_xoauth2_good_token(aiosmtpd_port, initial):
    mech = create("XOAUTH2", USER, Secret(TOKEN), initial=initial)
    code, lines, _ = await authenticate(aiosmtpd_port, mech, Redactor([Secret(TOKEN)]), [])
    assert code == 235 and mech.error is None


async def test_xoauth2_bad_token_error_challenge_then_535(aiosmtpd_port):
    redactor, transcript = Redactor([Secret("ya29.expired")]), []
    mech = create("XOAUTH2", USER, Secret("ya29.expired"))
    redactor.add_mechanism(mech)
    code, lines, _ = await authenticate(aiosmtpd_port, mech, redactor, transcript)
    assert code == 535
    assert mech.error == OAUTH_ERROR
    result = classify_auth(code, None, lines, mechanism="XOAUTH2", oauth_error=mech.error)
    assert result.finding == "auth.oauth-token-rejected"
    assert_no_leak(transcript, mech, "ya29.expired")


# --------------------------------------------------------------------------------- hostile servers
async def hostile_server(answer_auth):
    """A server that greets, answers EHLO with AUTH, then answers every later line with ``answer_auth``."""

    async def handle(reader, writer):
        writer.write(b"220 hostile.lab.test ESMTP\r\n")
        try:
            await reader.readline()
            writer.write(b"250-hostile.lab.test\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n")
            for _ in range(1000):
                if not await reader.readline():
                    break
                writer.write(answer_auth.encode() + b"\r\n")
                await writer.drain()
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(("answer", "reason"), [
    ("334 %%% this is not base64 %%%", "garbage-challenge"),
    ("334 ", "too-many-steps"),
    ("334 VXNlcm5hbWU6", "too-many-steps"),
])
@pytest.mark.parametrize("name", ["LOGIN", "CRAM-MD5", "PLAIN"])
async def test_garbage_and_334_loops_end_in_a_finding(answer, reason, name):
    server = await hostile_server(answer)
    port = server.sockets[0].getsockname()[1]
    mech = create(name, USER, Secret(PASSWORD), initial=False)
    try:
        with pytest.raises(SaslError) as err:
            await asyncio.wait_for(authenticate(port, mech, Redactor([Secret(PASSWORD)]), []), 10)
    finally:
        server.close()
        await server.wait_closed()
    expected = {reason}
    if name == "PLAIN" and answer != "334 ":
        expected |= {"unexpected-challenge", "garbage-challenge"}
    if name == "CRAM-MD5" and answer == "334 ":
        expected = {"garbage-challenge"}  # an empty CRAM-MD5 challenge is garbage at once
    assert err.value.reason in expected
    assert mech.steps <= 3
    finding = classify_sasl_error(err.value)
    assert finding.finding == "auth.garbage-reply"
