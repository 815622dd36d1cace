"""The report categories: the causes named by the guide, plus ``ok`` (``core.model`` re-exports it).

A module of its own so that a command that needs only the category (``explain``: every explanation names
one) does not build ``core.model``'s report classes on start-up (about 7 ms of CPU, issue 16).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Category"]


class Category(StrEnum):
    """The causes named by the guide "Troubleshooting SMTP Issues", plus ``ok``."""

    BLACKLIST = "blacklist"
    AUTHENTICATION = "authentication"
    CONNECTION = "connection"
    PORT = "port"
    FIREWALL = "firewall"
    DNS = "dns"
    CLIENT = "client"
    OK = "ok"
