"""What the user asked us to test: the SMTP settings of their sending tool, and the run's options.

Passwords and tokens are held in :class:`Secret`, whose ``repr``/``str`` never show the value, so a
secret cannot reach a log, a traceback or a report by accident; code that needs the value calls
``reveal()`` explicitly (only the AUTH encoder does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Security", "Secret", "Settings", "DEFAULT_PORTS", "SWEEP_PORTS", "default_port"]


class Security(StrEnum):
    AUTO = "auto"  # decide from the port: 465 implicit TLS, else STARTTLS when offered
    STARTTLS = "starttls"
    TLS = "tls"  # implicit TLS (SMTPS, "SSL" in many mail clients)
    NONE = "none"


SWEEP_PORTS: tuple[int, ...] = (25, 465, 587, 2525)
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
    timeout: float = 10.0  # connect timeout, and the bound of each SMTP step
    ca_file: str | None = None
    send: bool = False  # send one real test message (DATA) instead of stopping after RCPT
    # Send credentials even over a TLS session whose certificate failed verification (or over a
    # plaintext session where TLS was asked for). Off by default: the secret would go to whoever holds
    # that certificate. The report says so when it was used.
    insecure_auth: bool = False
    sweep_ports: tuple[int, ...] = SWEEP_PORTS
    extra: dict = field(default_factory=dict)

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
