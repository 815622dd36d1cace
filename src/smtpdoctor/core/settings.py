"""What the user asked us to test: the SMTP settings of their sending tool, and the run's options.

Passwords and tokens are held in :class:`Secret`, whose ``repr``/``str`` never show the value, so a
secret cannot reach a log, a traceback or a report by accident; code that needs the value calls
``reveal()`` explicitly (only the AUTH encoder does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping

__all__ = ["Security", "Secret", "Settings", "DEFAULT_PORTS", "SWEEP_PORTS", "default_port", "FieldErrors",
           "InvalidSettings", "AUTH_MECHANISMS", "DEFAULT_TIMEOUT", "MAX_TIMEOUT", "MAX_FIELD", "MAX_SECRET",
           "MAX_SELECTORS", "MAX_SWEEP_PORTS", "FIELD_ORDER"]


class Security(StrEnum):
    AUTO = "auto"  # decide from the port: 465 implicit TLS, else STARTTLS when offered
    STARTTLS = "starttls"
    TLS = "tls"  # implicit TLS (SMTPS, "SSL" in many mail clients)
    NONE = "none"


SWEEP_PORTS: tuple[int, ...] = (25, 465, 587, 2525)
# The one set of limits, for the command line, the web page and the Python API alike.
DEFAULT_TIMEOUT = 10.0
# RFC 5321 4.5.3.2: a client should wait up to 5 minutes for the greeting and for the replies to MAIL and
# RCPT; a server slower than that fails real clients too, so no diagnosis waits longer for one step.
MAX_TIMEOUT = 300.0
MAX_FIELD = 320  # characters of one text field (the longest e-mail address, RFC 3696 erratum 1690)
MAX_SECRET = 1024  # characters of a password or token (never stripped)
MAX_SELECTORS = 10  # DKIM selectors to look up
MAX_SWEEP_PORTS = 16  # ports probed besides the configured one
AUTH_MECHANISMS: tuple[str, ...] = ("PLAIN", "LOGIN", "LOGIN-INITIAL", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER")
# What mail clients call the same settings: "SSL" and "SSL/TLS" mean implicit TLS (port 465).
SECURITY_ALIASES = {"ssl": "tls", "ssl/tls": "tls", "smtps": "tls", "implicit": "tls", "implicit-tls": "tls",
                    "plain": "none", "off": "none", "no": "none", "plaintext": "none"}
DEFAULT_PORTS = {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25, Security.AUTO: 587}


def default_port(security: Security) -> int:
    return DEFAULT_PORTS[security]


class Secret:
    """A password or token. Never printed; compare and encode through ``reveal()`` only."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # pickling would write the value out
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    host: str
    port: int | None = None  # None: the usual port for ``security``
    security: Security = Security.AUTO
    user: str | None = None
    password: Secret | None = None
    oauth_token: Secret | None = None  # OAuth 2.0 bearer token (XOAUTH2, OAUTHBEARER)
    auth_mech: str | None = None  # force one SASL mechanism (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)
    provider: str | None = None  # a preset key (knowledge/providers.toml) for a host no preset names
    mail_from: str | None = None
    rcpt_to: str | None = None
    helo: str | None = None
    source_ip: str | None = None
    domain: str | None = None  # the sending domain to audit (default: the domain of mail_from)
    ip: str | None = None  # the sending IP to check (PTR, blocklists)
    dkim_selectors: tuple[str, ...] = ()
    resolvers: tuple[str, ...] = ()
    dnsbl_zones: tuple[str, ...] | None = None  # None: the built-in catalogue
    timeout: float = 10.0  # connect timeout, and the deadline of each step (a whole reply, a handshake)
    run_timeout: float | None = None  # the whole run's deadline; None: RUN_STEPS step deadlines
    ca_file: str | None = None
    send: bool = False  # send one real test message (DATA) instead of stopping after RCPT
    # Send credentials even over a TLS session whose certificate failed verification (or over a
    # plaintext session where TLS was asked for). Off by default: the secret would go to whoever holds
    # that certificate. The report says so when it was used.
    insecure_auth: bool = False
    sweep_ports: tuple[int, ...] = SWEEP_PORTS
    extra: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> "Settings | FieldErrors":
        """What a user typed (text, or typed values from the Python API) -> Settings, or one message per bad
        field. Keys are the field names above, plus ``preset`` (a provider id whose host, port and security
        fill what was left blank). Pure: no file, environment or network is read."""
        from .settings_parse import parse

        return parse(raw)

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else default_port(self.security)

    @property
    def sending_domain(self) -> str | None:
        if self.domain:
            return self.domain
        if self.mail_from and "@" in self.mail_from:
            return self.mail_from.rsplit("@", 1)[1].strip(">").lower() or None
        return None


# field order: the first error a one-line front door (the CLI) shows is the first field in this order
FIELD_ORDER = ("preset", "host", "port", "security", "user", "password", "oauth_token", "auth_mech", "mail_from",
               "rcpt_to", "helo", "source_ip", "domain", "ip", "dkim_selectors", "resolvers", "dnsbl_zones",
               "sweep_ports", "timeout", "ca_file", "send", "insecure_auth", "provider")


class FieldErrors(dict[str, str]):
    """Field name -> one plain message for the user, in :data:`FIELD_ORDER`."""

    def first(self) -> tuple[str, str]:
        return next(iter(self.items()))


class InvalidSettings(ValueError):
    """Raised by the Python API for settings :meth:`Settings.parse` refused; ``errors`` holds them all."""

    def __init__(self, errors: FieldErrors) -> None:
        self.errors = errors
        name, message = errors.first()
        super().__init__(f"{name}: {message}")
