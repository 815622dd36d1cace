"""The one name kernel: what the user typed -> a domain, a host, an IP address, an e-mail address.

Every command, the web page and the Python API read names here, so the same input is the same query
name everywhere. Internationalised names go through IDNA 2008 with the UTS #46 mapping (the ``idna``
package: what browsers and current MTAs do; Python's built-in ``"idna"`` codec is IDNA 2003, which turns
``faß.de`` into ``fass.de``, a different domain). What is not a name raises :class:`BadName` (a
``ValueError``) with one line for the user. Pure.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

# the rules on plain text, importable without the data classes below (a command's first questions)
from .name_text import (BadDomain, BadName, dns_name, domain_parts, ldh_label, parent_names, parse_nameserver,
                        reverse_name, to_alabels)

__all__ = ["BadName", "BadDomain", "to_alabels", "dns_name", "NormalisedDomain", "normalise_domain",
           "parent_names", "host_name", "port_number", "ip_address", "email_address", "AddressCheck",
           "check_address", "envelope_path", "is_host_name", "ca_file", "MAX_CA_FILE_BYTES", "parse_nameserver",
           "reverse_name"]

MAX_CA_FILE_BYTES = 10_000_000  # the Mozilla bundle is ~220 kB; anything past this is not a CA file



@dataclass(frozen=True, slots=True, kw_only=True)
class NormalisedDomain:
    given: str  # what the user typed
    name: str  # lower-case A-labels, no final dot: what we query
    unicode: str | None = None  # the U-label form when the name is internationalised
    changes: tuple[str, ...] = ()  # what normalisation did ("removed the trailing dot", ...)


def normalise_domain(text: str) -> NormalisedDomain:
    name, unicode_form, changes = domain_parts(text)
    return NormalisedDomain(given=text, name=name, unicode=unicode_form, changes=changes)


def host_name(text: str) -> str:
    """A host name (IDN allowed, returned as A-labels) or an IP literal (``[...]`` brackets allowed)."""
    raw = text.strip()
    if not raw:
        raise BadName("the host name is empty")
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        pass
    if "://" in raw or "/" in raw or " " in raw or ":" in raw:
        raise BadName(f"{text!r} is not a host name (give only the name, e.g. smtp.example.com, "
                         "and the port separately)")
    name = raw.rstrip(".").lower()
    try:
        name = to_alabels(name)
    except BadName:
        raise BadName(f"{text!r} is not a valid host name") from None
    if len(name) > 253 or not all(ldh_label(label, underscore=True) for label in name.split(".")):
        raise BadName(f"{text!r} is not a valid host name")
    if re.fullmatch(r"[0-9.]+", name):
        raise BadName(f"{text!r} is neither an IP address nor a host name")
    return name


def port_number(value: int) -> int:
    if not 1 <= value <= 65535:
        raise BadName(f"port {value} is out of range (1-65535)")
    return value


def ip_address(text: str) -> str:
    raw = text.strip()
    if "%" in raw:
        raise BadName(f"{text!r}: an IPv6 zone index (%...) is not allowed here")
    try:
        return str(ipaddress.ip_address(raw.strip("[]")))
    except ValueError:
        raise BadName(f"{text!r} is not an IP address") from None


def email_address(text: str) -> str:
    """A mailbox ``local@domain``; the domain is validated (IDN → A-labels kept as given for SMTPUTF8)."""
    raw = text.strip().strip("<>")
    if raw.count("@") < 1:
        raise BadName(f"{text!r} is not an e-mail address (no @)")
    if any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or 0xd800 <= ord(c) <= 0xdfff for c in raw):
        raise BadName(f"{text!r} holds a control character or bytes that are not UTF-8; it would be sent "
                      "to the server as is")
    local, _, domain = raw.rpartition("@")
    if not local or not domain or len(raw) > 320 or any(c in raw for c in " \r\n\t<>"):
        raise BadName(f"{text!r} is not an e-mail address")
    if domain.startswith("[") and domain.endswith("]"):
        return raw
    host_name(domain)
    return raw


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressCheck:
    """The verdict on one address: ``problem`` (why it is not an address) or ``None``."""

    address: str
    problem: str | None = None
    needs_smtputf8: bool = False  # non-ASCII local part (RFC 6531)
    domain: str | None = None  # lower-case, IDNA (punycode) form

    @property
    def ok(self) -> bool:
        return self.problem is None


def _idna(domain: str) -> str | None:
    try:
        return to_alabels(domain)
    except ValueError:
        return None


def is_host_name(name: str) -> bool:
    if not name or len(name) > 253:
        return False
    labels = name.rstrip(".").split(".")
    return name.isascii() and all(ldh_label(label.lower()) for label in labels)  # RFC 1123 host names


def check_address(address: str) -> AddressCheck:
    """Is ``address`` (``local@domain``, angle brackets allowed) usable in MAIL FROM / RCPT TO?"""
    text = (address or "").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text:
        return AddressCheck(address=address, problem="it is empty")
    if len(text) > 254:
        return AddressCheck(address=address, problem=f"it is {len(text)} characters long; an address has at most 254")
    if "@" not in text:
        return AddressCheck(address=address, problem="it has no @ between the local part and the domain")
    local, _, domain = text.rpartition("@")
    if not local:
        return AddressCheck(address=address, problem="the part before the @ is empty")
    if not domain:
        return AddressCheck(address=address, problem="the domain after the @ is empty")
    if any(c.isspace() for c in text) and not (local.startswith('"') and local.endswith('"')):
        return AddressCheck(address=address, problem="it contains spaces")
    if "@" in local and not (local.startswith('"') and local.endswith('"')):
        return AddressCheck(address=address, problem="it has more than one @")
    if len(local.encode("utf-8")) > 64:
        return AddressCheck(address=address, problem="the part before the @ is longer than 64 octets")
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        literal = literal[5:] if literal.lower().startswith("ipv6:") else literal
        try:
            ipaddress.ip_address(literal)
        except ValueError:
            return AddressCheck(address=address, problem=f"the address literal {domain} is not an IP address")
        return AddressCheck(address=address, needs_smtputf8=not local.isascii(), domain=domain.lower())
    ascii_domain = _idna(domain)
    if ascii_domain is None or not is_host_name(ascii_domain):
        return AddressCheck(address=address, problem=f"the domain {domain!r} is not a valid domain name")
    if "." not in ascii_domain.rstrip("."):
        return AddressCheck(address=address, problem=f"the domain {domain!r} has no dot (not a fully qualified domain)")
    return AddressCheck(address=address, needs_smtputf8=not local.isascii(), domain=ascii_domain.rstrip("."))


def envelope_path(address: str, *, smtputf8_offered: bool) -> tuple[str, bool]:
    """The MAIL FROM / RCPT TO path for ``address`` and whether the command needs the SMTPUTF8 parameter.

    The domain always goes as A-labels (punycode), which every server takes; a non-ASCII local part
    needs SMTPUTF8 (RFC 6531). Raises :class:`ValueError` with one clear sentence for an address that
    is not one, or a non-ASCII local part when the server does not offer SMTPUTF8.
    """
    result = check_address(address)
    if not result.ok:
        raise BadName(f"{address!r} is not an e-mail address: {result.problem}")
    local = (address or "").strip().strip("<>").strip().rpartition("@")[0]
    if result.needs_smtputf8 and not smtputf8_offered:
        raise BadName(f"{address!r} has non-ASCII characters before the @ and the server does not offer SMTPUTF8")
    return f"<{local}@{result.domain}>", result.needs_smtputf8


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
        # parsed into a bare context: the system's trust store (~65 ms to load) has nothing to do with it
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=data.decode("ascii", "replace"))
    except (ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        raise ValueError(f"--ca-file {path}: not a valid PEM certificate file ({reason})") from None
    return path
