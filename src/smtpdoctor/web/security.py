"""The page's locks: the access token (for any bind that is not loopback), a Host check against DNS
rebinding, CSRF tokens on every form, the request-body limit and the response headers.

CSRF: a random per-browser cookie (HttpOnly, SameSite=Strict) and, in each form, ``nonce.mac`` where
``mac = HMAC(process key, cookie | nonce)``. A POST is accepted only when the mac matches the cookie it
came with and the Origin (when sent) is this server. The nonce doubles as the form's identity, so a
form submitted twice starts one run, not two.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Awaitable, Callable

from .config import ServeConfig, is_loopback

__all__ = ["CSRF_COOKIE", "TOKEN_COOKIE", "CsrfError", "BodyTooLarge", "Csrf", "token_ok", "host_allowed",
           "SECURITY_HEADERS", "LimitBody"]

CSRF_COOKIE = "smtpdoctor_csrf"
TOKEN_COOKIE = "smtpdoctor_token"

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
)


class CsrfError(Exception):
    """A form without a valid CSRF token, or from another origin."""


class BodyTooLarge(Exception):
    """The request body is larger than the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request is larger than {limit} bytes")
        self.limit = limit


class Csrf:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def _mac(self, cookie: str, nonce: str) -> str:
        return hmac.new(self._key, f"{cookie}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]

    def token(self, cookie: str) -> str:
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(cookie, nonce)}"

    def verify(self, cookie: str | None, token: str | None, *, origin: str | None, host: str | None) -> str:
        """The form's nonce when the token is good; else :class:`CsrfError`."""
        if origin and origin != "null" and host and origin.split("://", 1)[-1].lower() != host.lower():
            raise CsrfError("the form was sent from another site")
        if not cookie or not token or token.count(".") != 1:
            raise CsrfError("the form has no valid security token")
        nonce, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(cookie, nonce)):
            raise CsrfError("the form's security token does not match this browser")
        return nonce


def token_ok(config: ServeConfig, *, cookie: str | None, bearer: str | None, query: str | None) -> bool:
    if not config.token:
        return True
    expected = config.token.encode()
    return any(v is not None and hmac.compare_digest(v.encode(), expected) for v in (cookie, bearer, query))


# RFC 9110 §7.2 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ], uri-host an IP-literal "[...]" or a
# name / IPv4 address. Anything else (a name after "]", two ports, userinfo, spaces) is not a Host header.
_HOST_HEADER = re.compile(r"^(?:\[(?P<literal>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>[0-9]{0,5}))?$")


def parse_host_header(value: str) -> str | None:
    """The host of a ``Host`` header (brackets removed from an IPv6 literal), or None if it is malformed."""
    m = _HOST_HEADER.match(value.strip())
    if m is None:
        return None
    return m.group("literal") or m.group("name")


def host_allowed(config: ServeConfig, host_header: str | None) -> bool:
    """Against DNS rebinding: without a token only loopback names may be in the Host header."""
    if config.token:
        return True
    if not host_header:
        return False
    name = parse_host_header(host_header)
    return name is not None and is_loopback(name)


Receive = Callable[[], Awaitable[dict]]


class LimitBody:
    """Wraps ASGI ``receive``: raises :class:`BodyTooLarge` once more than ``limit`` bytes arrived."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self._seen = 0

    async def __call__(self) -> dict:
        message = await self._receive()
        if message.get("type") == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit:
                raise BodyTooLarge(self._limit)
        return message
