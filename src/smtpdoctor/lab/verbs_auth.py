"""The lab server's AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5, XOAUTH2 and OAUTHBEARER (RFC 7628; the
"password" of a user is the one access token it accepts), and the AUTH faults (a fixed outcome, 538
before TLS, garbage, an endless 334 loop, and a server that echoes what it was sent)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import re
import time
from typing import TYPE_CHECKING, Callable

from .plan import AUTH_GARBAGE, AuthPlan
from .records import AuthAttempt

if TYPE_CHECKING:
    from .session import Session

__all__ = ["VERBS", "PRECONDITIONS", "echo_reply"]

_ENHANCED = re.compile(r"^\d\.\d{1,3}\.\d{1,3}$")


class _SaslAbort(Exception):
    """The SASL exchange ends with this reply."""


def _b64(text: str) -> bytes:
    text = text.strip()
    if text == "*":
        raise _SaslAbort("501 5.7.0 Authentication aborted")
    if text == "=":
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise _SaslAbort("501 5.5.2 Error: invalid base64 data") from None


def echo_reply(reply: str, sent: list[bytes]) -> str:
    """``reply`` preceded by one line per client line ``sent`` during AUTH, as sent and, when it is
    base64, decoded (NUL shown as ``\\0``): what a careless server's log-in-the-reply looks like."""
    code, _, rest = reply.partition("\n")[0].partition(" ")
    code = code[:3]
    enhanced = rest.split(" ", 1)[0] if _ENHANCED.match(rest.split(" ", 1)[0]) else ""
    prefix = f"{code}-{enhanced} " if enhanced else f"{code}-"
    lines = []
    for raw in sent:
        text = raw.decode("utf-8", "replace")
        lines.append(f"{prefix}you sent: {text}")
        token = text.split(" ")[-1]
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except ValueError:
            continue
        if decoded and token != "=":
            shown = decoded.replace("\0", "\\0")
            lines.append(f"{prefix}decoded: {shown}")
    return "\n".join([*lines, reply])


def auth_offered(s: "Session") -> str | None:
    auth = s.plan.auth
    if auth is None or (auth.tls_only and not s.tls):
        return "503 5.5.1 Error: authentication not enabled"
    return None


async def auth(s: "Session", arg: str) -> None:
    plan = s.plan.auth
    assert plan is not None
    if s.authenticated is not None:
        await s.reply("503 5.5.1 Error: already authenticated")
        return
    if plan.before_tls_reply and not s.tls:
        await s.reply(plan.before_tls_reply)
        return
    if plan.mode == "garbage":
        await s.send(AUTH_GARBAGE)
        return
    if plan.mode == "endless":
        await _endless(s, plan)
        return
    exchange = _Exchange(s, plan)
    await exchange.run(arg)


async def _endless(s: "Session", plan: AuthPlan) -> None:
    for _ in range(plan.max_rounds):
        await s.reply("334 " + base64.b64encode(os.urandom(12)).decode())
        if await s.line() is None:
            break
    await s.reply(plan.failure_reply)


class _Exchange:
    """One AUTH command and its SASL exchange; ``sent`` keeps every line the client sent in it."""

    def __init__(self, s: "Session", plan: AuthPlan) -> None:
        self.s = s
        self.plan = plan
        self.sent: list[bytes] = []

    async def run(self, arg: str) -> None:
        self.sent.append(f"AUTH {arg}".rstrip().encode("utf-8", "surrogateescape"))
        mechanism, _, initial = arg.partition(" ")
        mechanism, initial = mechanism.upper(), initial.strip()
        if not mechanism:
            await self.finish("501 5.5.4 Syntax: AUTH mechanism")
            return
        if mechanism not in self.plan.mechanisms:
            await self.finish("535 5.7.8 Error: authentication failed: Invalid authentication mechanism")
            return
        try:
            username, password, proof = await self.sasl(mechanism, initial)
        except _SaslAbort as abort:
            await self.finish(str(abort))
            return
        if self.plan.outcome is not None:
            reply, ok = self.plan.outcome, False
        else:
            ok = username in self.plan.users and proof(self.plan.users[username])
            reply = "235 2.7.0 Authentication successful" if ok else self.plan.failure_reply
        if not ok and mechanism in _TOKEN_ERRORS and self.plan.outcome is None:
            # a refused token: the error challenge first (as Gmail and Dovecot send it), then the failure
            try:
                await self.challenge(_TOKEN_ERRORS[mechanism])
            except _SaslAbort as abort:
                reply = str(abort)
        if ok:
            self.s.authenticated = username
            self.s.record.authenticated_as = username
        self.s.record.auth_attempts.append(
            AuthAttempt(mechanism=mechanism, username=username, password=password, success=ok, reply=reply))
        await self.finish(reply)

    async def finish(self, reply: str) -> None:
        await self.s.reply(echo_reply(reply, self.sent) if self.plan.echo else reply)

    async def challenge(self, text: bytes) -> str:
        await self.s.reply("334 " + base64.b64encode(text).decode())
        line = await self.s.line()
        if line is None:
            raise _SaslAbort("500 5.5.2 Error: line too long")
        self.sent.append(line)
        return line.decode("ascii", "replace")

    async def sasl(self, mechanism: str, initial: str) -> tuple[str, str | None, Callable[[str], bool]]:
        """Run one SASL exchange; return (username, password or None, proof(password) -> bool)."""
        if mechanism == "PLAIN":
            parts = _b64(initial if initial else await self.challenge(b"")).split(b"\0")
            if len(parts) != 3:
                raise _SaslAbort("501 5.5.2 Error: invalid PLAIN response")
            return _plain_proof(parts[1], parts[2])
        if mechanism == "LOGIN":
            user_raw = _b64(initial if initial else await self.challenge(b"Username:"))
            return _plain_proof(user_raw, _b64(await self.challenge(b"Password:")))
        if mechanism == "CRAM-MD5":
            nonce = f"<{random.getrandbits(64)}.{int(time.time())}@{self.s.server.hostname}>".encode()
            answer = _b64(await self.challenge(nonce)).decode("utf-8", "replace")
            user, _, digest = answer.rpartition(" ")

            def proof(secret: str) -> bool:
                expected = hmac.new(secret.encode(), nonce, hashlib.md5).hexdigest()
                return hmac.compare_digest(expected, digest.lower())

            return user, None, proof
        if mechanism in _TOKEN_ERRORS:
            blob = _b64(initial if initial else await self.challenge(b"")).decode("utf-8", "replace")
            fields = dict(p.partition("=")[::2] for p in blob.split("\x01") if "=" in p)
            user = fields.get("user", "")
            if mechanism == "OAUTHBEARER":  # the GS2 header "n,a=user," holds the user
                user = next((p[2:] for p in blob.split("\x01")[0].split(",") if p.startswith("a=")), "")
                user = user.replace("=2C", ",").replace("=3D", "=")
            token = fields.get("auth", "").removeprefix("Bearer ")
            return _plain_proof(user.encode(), token.encode())
        raise _SaslAbort("535 5.7.8 Error: authentication failed: Invalid authentication mechanism")


_TOKEN_ERRORS = {"XOAUTH2": b'{"status":"401","schemes":"bearer","scope":"mail"}',
                 "OAUTHBEARER": b'{"status":"invalid_token"}'}


def _plain_proof(user_raw: bytes, password_raw: bytes) -> tuple[str, str, Callable[[str], bool]]:
    user, password = user_raw.decode("utf-8", "replace"), password_raw.decode("utf-8", "replace")
    return user, password, lambda secret: hmac.compare_digest(secret.encode(), password.encode())


VERBS = {"AUTH": auth}
PRECONDITIONS = {"AUTH": auth_offered}
