"""How ``smtpdoctor serve`` was started: where it listens, its access token, its limits, and the run
options that apply to every check made from the page (resolver, CA file, blocklist zones)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = ["ServeConfig", "is_loopback", "MIB"]

MIB = 1024 * 1024


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback literals (127.0.0.0/8, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8025
    token: str | None = None  # required when ``host`` is not loopback
    max_body: int = MIB  # bytes of one request body
    max_active: int = 2  # checks running at the same time
    keep_results: int = 50  # finished results kept in memory (oldest dropped first)
    resolvers: tuple[str, ...] = ()
    ca_file: str | None = None
    dnsbl_zones: tuple[str, ...] | None = None
    timeout: float = 10.0  # default per-step timeout of a diagnosis
    lab: bool = False  # offer the lab's broken servers on the Diagnose page
    watch_db: str | None = None  # the watch database the history page reads (None: the watch's default file)

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise ValueError(f"listening on {self.host} (not loopback) needs an access token")
        if self.token is not None and len(self.token) < 16:
            raise ValueError("the access token must be at least 16 characters")
        if self.max_active < 1 or self.keep_results < 1 or self.max_body < 1024:
            raise ValueError("max_active and keep_results must be at least 1, max_body at least 1024")
