"""SASL client mechanisms for SMTP AUTH (RFC 4954), as small sans-I/O state machines.

A mechanism knows nothing of sockets or of SMTP replies: the driver asks it for the initial response
(put on the ``AUTH`` line), hands it the base64 text of every ``334`` challenge and sends back what
:meth:`Mechanism.respond` returns. Everything a mechanism returns is base64 text (``""`` is the empty
response). Garbage from the server, or a server that keeps sending ``334`` (a loop), raises
:class:`SaslError` after a bounded number of steps, never a hang.

Mechanisms: ``PLAIN`` (RFC 4616), ``LOGIN`` (the de-facto draft, with or without an initial response:
``LOGIN-INITIAL`` as swaks calls it), ``CRAM-MD5`` (RFC 2195) and ``XOAUTH2`` (Google/Microsoft bearer
tokens; on a ``334`` error challenge it sends the empty response, as the protocol asks, and keeps the
decoded JSON error in :attr:`Xoauth2.error`).

Secrets: the password or token comes in a :class:`~smtpdoctor.core.settings.Secret`; :meth:`Mechanism.secret_forms`
lists every string that must never reach a transcript (the secret itself and every base64 blob that
carries it), for :class:`smtpdoctor.core.redact.Redactor`. :class:`SaslError` messages never quote a secret
nor the server's challenge.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any, Iterable

from ..core.settings import AUTH_MECHANISMS, Secret

__all__ = [
    "SaslError",
    "Mechanism",
    "Plain",
    "Login",
    "CramMd5",
    "Xoauth2",
    "Oauthbearer",
    "TOKEN_MECHANISMS",
    "SUPPORTED_MECHANISMS",
    "PASSWORD_PREFERENCE",
    "CLEARTEXT_PASSWORD_PREFERENCE",
    "create",
    "choose_mechanism",
    "normalise_offered",
    "AUTH_LINE_LIMIT",
]

#: RFC 5321 command line limit (octets, CRLF included). RFC 4954: when the initial response would make
#: the AUTH line longer, the client MUST NOT send it and waits for the server's empty challenge instead.
AUTH_LINE_LIMIT = 512

#: Mechanisms this module implements, by the name a user may give (``--auth-mech``).
SUPPORTED_MECHANISMS: tuple[str, ...] = AUTH_MECHANISMS  # the one list, read by Settings.parse

#: Mechanisms that carry an OAuth 2.0 bearer token instead of a password, preferred in this order
#: (XOAUTH2 first: Gmail and Microsoft 365 offer only it).
TOKEN_MECHANISMS: tuple[str, ...] = ("XOAUTH2", "OAUTHBEARER")

#: Password mechanisms, best first, when the session is encrypted (TLS): PLAIN is the standard one and
#: what mail clients use; LOGIN is the obsolete twin some servers still offer alone; CRAM-MD5 last,
#: because servers that store hashed passwords advertise it and then fail it, which would read as a
#: wrong password.
PASSWORD_PREFERENCE: tuple[str, ...] = ("PLAIN", "LOGIN", "CRAM-MD5")

#: Without TLS, CRAM-MD5 is the only one that does not put the password on the wire.
CLEARTEXT_PASSWORD_PREFERENCE: tuple[str, ...] = ("CRAM-MD5", "PLAIN", "LOGIN")


class SaslError(Exception):
    """The AUTH exchange cannot go on: bad input, or the server sent garbage or looped.

    ``reason`` is one of ``bad-input``, ``unsupported-mechanism``, ``garbage-challenge``,
    ``unexpected-challenge`` (a challenge where the mechanism expects none) and ``too-many-steps``
    (a ``334`` loop). The message is one plain sentence that never contains a secret.
    """

    def __init__(self, reason: str, message: str, *, mechanism: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.mechanism = mechanism

    def __repr__(self) -> str:
        return f"SaslError(reason={self.reason!r}, mechanism={self.mechanism!r}, message={self.message!r})"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class Mechanism:
    """Base class: one AUTH exchange for one user. Use :func:`create` to make one."""

    #: the SASL name sent after ``AUTH``
    name: str = ""
    #: how many ``334`` challenges this mechanism can answer before the exchange is a loop
    max_challenges: int = 1

    def __init__(self, user: str, secret: Secret, *, initial: bool) -> None:
        if not isinstance(secret, Secret):
            raise SaslError("bad-input", "the password or token must be given as a Secret", mechanism=self.name)
        if not user:
            raise SaslError("bad-input", "a user name is required for AUTH", mechanism=self.name)
        self._user = user
        self._secret = secret
        self._initial = initial
        self._challenges = 0
        self._forms: set[str] = set()
        self._check_input()
        self._remember(secret.reveal())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(user={self._user!r}, secret=Secret('********'))"

    # -- what the driver calls -----------------------------------------------------------------------
    def initial_response(self) -> str | None:
        """Base64 text for the ``AUTH`` line, or ``None`` when this exchange starts without one.

        An empty initial response would be sent as ``=`` (RFC 4954); no mechanism here has one.
        """
        return self._first_message() if self._initial else None

    def auth_command(self) -> str:
        """The ``AUTH`` command line (without CRLF), e.g. ``AUTH PLAIN AGJvYgBwdw==``."""
        ir = self.initial_response()
        return f"AUTH {self.name}" if ir is None else f"AUTH {self.name} {ir or '='}"

    def respond(self, challenge_b64: str) -> str:
        """Answer one ``334`` challenge (its base64 text, ``""`` when empty) with base64 text."""
        self._challenges += 1
        if self._challenges > self.max_challenges:
            raise SaslError(
                "too-many-steps",
                f"the server kept asking (334) after {self.max_challenges} answer(s): an AUTH loop",
                mechanism=self.name,
            )
        raw = self._decode(challenge_b64)
        out = self._step(raw)
        self._remember_b64(out)
        return out

    @property
    def steps(self) -> int:
        """How many challenges were answered so far."""
        return self._challenges

    def secret_forms(self) -> set[str]:
        """Every string that must be redacted: the secret and each base64 blob carrying it."""
        return set(self._forms)

    # -- for subclasses --------------------------------------------------------------------------------
    def _check_input(self) -> None:
        if not self._secret.reveal():
            raise SaslError("bad-input", "the password is empty", mechanism=self.name)

    def _first_message(self) -> str:  # pragma: no cover - every subclass with an initial response overrides
        raise NotImplementedError

    def _step(self, challenge: bytes) -> str:  # pragma: no cover
        raise NotImplementedError

    def _decode(self, challenge_b64: str) -> bytes:
        text = (challenge_b64 or "").strip()
        if len(text) > 16384:
            raise SaslError("garbage-challenge", "the server's 334 challenge is too long", mechanism=self.name)
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise SaslError(
                "garbage-challenge", "the server's 334 challenge is not valid base64", mechanism=self.name
            ) from None

    def _remember(self, *values: str) -> None:
        self._forms.update(v for v in values if v)

    def _remember_b64(self, value: str) -> None:
        self._remember(value)


class Plain(Mechanism):
    """RFC 4616: ``base64(authzid NUL user NUL password)`` with an empty authzid, in one message."""

    name = "PLAIN"
    max_challenges = 1

    def _check_input(self) -> None:
        super()._check_input()
        if "\0" in self._user or "\0" in self._secret.reveal():
            raise SaslError("bad-input", "a user name or password for PLAIN cannot contain NUL", mechanism=self.name)
        self._blob = _b64(b"\0" + _utf8(self._user) + b"\0" + _utf8(self._secret.reveal()))
        self._remember(self._blob)

    def _first_message(self) -> str:
        return self._blob

    def _step(self, challenge: bytes) -> str:
        if self._initial or challenge:
            raise SaslError(
                "unexpected-challenge",
                "the server sent a 334 challenge PLAIN does not expect",
                mechanism=self.name,
            )
        return self._blob


class Login(Mechanism):
    """``LOGIN``: the server prompts ``Username:`` then ``Password:`` (base64); each answer is base64.

    With ``initial=True`` (``LOGIN-INITIAL``) the user name goes on the ``AUTH`` line and only the
    password is prompted. Prompts are read leniently: a prompt naming "pass" gets the password, one
    naming "user" the user name, any other gets the next answer in order; each answer is given once.
    """

    name = "LOGIN"
    max_challenges = 2

    def _check_input(self) -> None:
        super()._check_input()
        self._user_b64 = _b64(_utf8(self._user))
        self._password_b64 = _b64(_utf8(self._secret.reveal()))
        self._remember(self._user_b64, self._password_b64)
        self._sent_user = False
        self._sent_password = False
        if self._initial:
            self.max_challenges = 1

    def _first_message(self) -> str:
        self._sent_user = True
        return self._user_b64

    def _step(self, challenge: bytes) -> str:
        prompt = challenge.decode("utf-8", "replace").lower()
        if self._initial:
            self._sent_user = True
        wants_password = "pass" in prompt or ("user" not in prompt and self._sent_user)
        if wants_password:
            if self._sent_password:
                raise SaslError("too-many-steps", "the server asked for the password twice", mechanism=self.name)
            self._sent_password = True
            return self._password_b64
        if self._sent_user:
            raise SaslError("too-many-steps", "the server asked for the user name twice", mechanism=self.name)
        self._sent_user = True
        return self._user_b64


class CramMd5(Mechanism):
    """RFC 2195: answer the server's challenge with ``user SP hex(HMAC-MD5(password, challenge))``."""

    name = "CRAM-MD5"
    max_challenges = 1

    def __init__(self, user: str, secret: Secret, *, initial: bool) -> None:
        super().__init__(user, secret, initial=False)  # CRAM-MD5 has no initial response

    def _step(self, challenge: bytes) -> str:
        if not challenge:
            raise SaslError("garbage-challenge", "the server's CRAM-MD5 challenge is empty", mechanism=self.name)
        digest = hmac.new(_utf8(self._secret.reveal()), challenge, hashlib.md5).hexdigest()
        return _b64(_utf8(self._user) + b" " + digest.encode("ascii"))


class Xoauth2(Mechanism):
    """``XOAUTH2``: ``base64("user=" user ^A "auth=Bearer " token ^A ^A)``.

    When the token is refused the server sends a ``334`` whose text is base64 JSON
    (``{"status":"401","schemes":"Bearer","scope":"..."}``); the client must answer with the empty
    response and the server then sends the final failure (``535``). The decoded JSON is kept in
    :attr:`error` (a dict; ``{"raw": text}`` when it is not JSON) for the diagnosis.
    """

    name = "XOAUTH2"
    max_challenges = 1

    def _check_input(self) -> None:
        token = self._secret.reveal()
        if not token:
            raise SaslError("bad-input", "the OAuth token is empty", mechanism=self.name)
        if "\x01" in self._user or "\x01" in token:
            raise SaslError("bad-input", "a user name or token for XOAUTH2 cannot contain ^A", mechanism=self.name)
        self._blob = _b64(b"user=" + _utf8(self._user) + b"\x01auth=Bearer " + _utf8(token) + b"\x01\x01")
        self._remember(self._blob)
        self._sent_blob = self._initial
        self.error: dict[str, Any] | None = None
        if not self._initial:
            self.max_challenges = 2  # the empty prompt for the blob, then at most one error challenge

    def _first_message(self) -> str:
        return self._blob

    def _step(self, challenge: bytes) -> str:
        if not self._sent_blob:
            if challenge:
                raise SaslError(
                    "unexpected-challenge", "the server sent a challenge before the XOAUTH2 token", mechanism=self.name
                )
            self._sent_blob = True
            return self._blob
        if self.error is not None:
            raise SaslError("too-many-steps", "the server sent a second XOAUTH2 error challenge", mechanism=self.name)
        text = challenge.decode("utf-8", "replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        self.error = parsed if isinstance(parsed, dict) else {"raw": text[:512]}
        return ""


class Oauthbearer(Xoauth2):
    """``OAUTHBEARER`` (RFC 7628): ``base64("n,a=" user "," ^A "auth=Bearer " token ^A ^A)``.

    The GS2 header names the user (``,`` and ``=`` escaped as ``=2C`` / ``=3D``, RFC 5801). A refused
    token brings a ``334`` with base64 JSON (``{"status":"invalid_token",...}``, RFC 7628 §3.2.2),
    kept in :attr:`error`; the client answers it with a single ^A (§3.2.3), never with the token again.
    """

    name = "OAUTHBEARER"

    def _check_input(self) -> None:
        super()._check_input()
        user = self._user.replace("=", "=3D").replace(",", "=2C")
        self._blob = _b64(b"n,a=" + _utf8(user) + b",\x01auth=Bearer " + _utf8(self._secret.reveal()) + b"\x01\x01")
        self._remember(self._blob)

    def _step(self, challenge: bytes) -> str:
        answer = super()._step(challenge)
        return _ERROR_ACK if answer == "" else answer

    def _remember_b64(self, value: str) -> None:
        if value != _ERROR_ACK:  # the fixed ^A carries no secret: masking "AQ==" would garble transcripts
            super()._remember_b64(value)


_ERROR_ACK = _b64(b"\x01")


_CLASSES: dict[str, tuple[type[Mechanism], bool]] = {
    "PLAIN": (Plain, True),
    "LOGIN": (Login, False),
    "LOGIN-INITIAL": (Login, True),
    "CRAM-MD5": (CramMd5, False),
    "XOAUTH2": (Xoauth2, True),
    "OAUTHBEARER": (Oauthbearer, True),
}


def create(
    name: str,
    user: str,
    secret: Secret,
    *,
    initial: bool | None = None,
    max_line: int | None = AUTH_LINE_LIMIT,
) -> Mechanism:
    """A fresh mechanism for one exchange. ``name`` is case-insensitive (``LOGIN-INITIAL`` allowed).

    ``initial`` overrides whether an initial response goes on the ``AUTH`` line (default: PLAIN and
    XOAUTH2 yes, LOGIN no, LOGIN-INITIAL yes; CRAM-MD5 never). When the ``AUTH`` line with it would be
    longer than ``max_line`` octets (CRLF included; ``None``: no limit), the exchange starts without it,
    as RFC 4954 requires (a 2 KB user name, a long OAuth token). Raises :class:`SaslError` for an
    unknown mechanism (``unsupported-mechanism``) or unusable input (``bad-input``: no user, an empty
    password or token, a NUL in PLAIN, ^A in XOAUTH2).
    """
    key = (name or "").strip().upper()
    try:
        cls, default_initial = _CLASSES[key]
    except KeyError:
        raise SaslError("unsupported-mechanism", f"unsupported AUTH mechanism {name!r}"[:120]) from None
    use_initial = default_initial if initial is None else initial
    mech = cls(user, secret, initial=use_initial)
    if use_initial and max_line is not None and len(mech.auth_command().encode("ascii")) + 2 > max_line:
        mech = cls(user, secret, initial=False)
    return mech


def normalise_offered(offered: Iterable[str]) -> tuple[str, ...]:
    """Mechanism names from EHLO ``AUTH`` parameters, upper-case, deduplicated, in offered order.

    Accepts single names, whole parameter strings (``"LOGIN PLAIN"``) and the old ``AUTH=LOGIN PLAIN``
    form that some servers still advertise for old Outlook versions.
    """
    out: list[str] = []
    for item in offered:
        for token in str(item).replace("=", " ").split():
            name = token.upper()
            if name == "AUTH":
                continue
            if name not in out:
                out.append(name)
    return tuple(out)


def choose_mechanism(
    offered: Iterable[str],
    *,
    have_token: bool,
    forced: str | None = None,
    have_password: bool = True,
    encrypted: bool = True,
) -> str | None:
    """The mechanism to use, or ``None`` when there is no common one.

    * ``forced`` (``--auth-mech``): that one if the server offers it (``LOGIN-INITIAL`` needs ``LOGIN``),
      else ``None``; an unknown name raises :class:`SaslError` (``unsupported-mechanism``).
    * with a token: ``XOAUTH2``, else ``OAUTHBEARER``; with a password: PLAIN, then LOGIN, then CRAM-MD5 (CRAM-MD5 first on an
      unencrypted session). The server's advertised order never matters.
    """
    names = normalise_offered(offered)
    if forced:
        key = forced.strip().upper()
        if key not in _CLASSES:
            raise SaslError("unsupported-mechanism", f"unsupported AUTH mechanism {forced!r}"[:120])
        wire = "LOGIN" if key == "LOGIN-INITIAL" else key
        if key in TOKEN_MECHANISMS and not have_token:
            return None
        if key not in TOKEN_MECHANISMS and not have_password:
            return None
        return key if wire in names else None
    candidates: list[str] = []
    if have_token:
        candidates.extend(TOKEN_MECHANISMS)
    if have_password:
        candidates.extend(PASSWORD_PREFERENCE if encrypted else CLEARTEXT_PASSWORD_PREFERENCE)
    return next((c for c in candidates if c in names), None)
