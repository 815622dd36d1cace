"""Checks of what the user typed, with one clear message each (the CLI turns ValueError into exit 2)."""

from __future__ import annotations

import ipaddress
import re

__all__ = ["host_name", "port_number", "ip_address", "email_address"]

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def host_name(text: str) -> str:
    """A host name (IDN allowed, returned as A-labels) or an IP literal (``[...]`` brackets allowed)."""
    raw = text.strip()
    if not raw:
        raise ValueError("the host name is empty")
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        pass
    if "://" in raw or "/" in raw or " " in raw or ":" in raw:
        raise ValueError(f"{text!r} is not a host name (give only the name, e.g. smtp.example.com, "
                         "and the port with --port)")
    name = raw.rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{text!r} is not a valid host name") from None
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        raise ValueError(f"{text!r} is not a valid host name")
    if re.fullmatch(r"[0-9.]+", name):
        raise ValueError(f"{text!r} is neither an IP address nor a host name")
    return name


def port_number(value: int) -> int:
    if not 1 <= value <= 65535:
        raise ValueError(f"port {value} is out of range (1-65535)")
    return value


def ip_address(text: str) -> str:
    raw = text.strip()
    if "%" in raw:
        raise ValueError(f"{text!r}: an IPv6 zone index (%...) is not allowed here")
    try:
        return str(ipaddress.ip_address(raw.strip("[]")))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address") from None


def email_address(text: str) -> str:
    """A mailbox ``local@domain``; the domain is validated (IDN → A-labels kept as given for SMTPUTF8)."""
    raw = text.strip().strip("<>")
    if raw.count("@") < 1:
        raise ValueError(f"{text!r} is not an e-mail address (no @)")
    local, _, domain = raw.rpartition("@")
    if not local or not domain or len(raw) > 320 or any(c in raw for c in " \r\n\t<>"):
        raise ValueError(f"{text!r} is not an e-mail address")
    if domain.startswith("[") and domain.endswith("]"):
        return raw
    host_name(domain)
    return raw
