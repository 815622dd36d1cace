"""Checks of what the user typed, with one clear message each (the CLI turns ValueError into exit 2)."""

from __future__ import annotations

import ipaddress
import re

__all__ = ["host_name", "port_number", "ip_address", "email_address", "ca_file", "MAX_CA_FILE_BYTES"]

MAX_CA_FILE_BYTES = 10_000_000  # the Mozilla bundle is ~220 kB; anything past this is not a CA file

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


def ca_file(path: str) -> str:
    """``--ca-file``: a readable regular file of PEM certificates that OpenSSL accepts, checked once, up
    front, so a typo is one line at the start instead of a TLS failure blamed on the server."""
    import os
    import ssl
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ValueError(f"--ca-file {path}: no such file") from None
    except OSError as exc:
        raise ValueError(f"--ca-file {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ValueError(f"--ca-file {path}: is a directory (give a PEM file of CA certificates)")
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"--ca-file {path}: not a regular file (a device, pipe or socket)")
    if st.st_size > MAX_CA_FILE_BYTES:
        raise ValueError(f"--ca-file {path}: larger than {MAX_CA_FILE_BYTES // 1_000_000} MB, not a CA file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CA_FILE_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"--ca-file {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ValueError(f"--ca-file {path}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)")
    try:
        ssl.create_default_context().load_verify_locations(cadata=data.decode("ascii", "replace"))
    except (ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        raise ValueError(f"--ca-file {path}: not a valid PEM certificate file ({reason})") from None
    return path
