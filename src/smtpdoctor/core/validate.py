"""One rule for each value the user gives that is not a name (names and the CA file are :mod:`.names`):
text that goes on the wire, the HELO name, DKIM selectors, blocklist zones, a secret from the
environment. Every command, the web page and the Python API judge the same value the same way; each
check raises ``ValueError`` with one line for the user (the CLI: exit 2), before anything is sent.
"""

from __future__ import annotations

import re

__all__ = ["wire_text", "helo_name", "domain_name", "dkim_selector", "dnsbl_zones", "zone_name",
           "secret_from_env"]

# C0 controls (CR, LF, NUL, ESC ...), DEL and C1 controls: none may go on the wire inside a command.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def wire_text(text: str, *, what: str) -> str:
    """A value that goes into an SMTP command: UTF-8 text without control characters (a CR or LF would
    end the command and start another one of the user's making)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} {_shown(text)} holds bytes that are not UTF-8") from None
    bad = _CONTROL.search(text)
    if bad:
        raise ValueError(f"{what} {_shown(text)} holds a control character ({bad.group()!r}); "
                         "it would be sent to the server as is")
    return text


def helo_name(text: str) -> str:
    """The EHLO/HELO argument: a host name or an address literal ``[192.0.2.1]``, one word on the wire."""
    wire_text(text, what="--helo")
    name = text.strip()
    if not name or any(c.isspace() for c in name) or len(name) > 255:
        raise ValueError(f"--helo {_shown(text)} is not a host name or an address literal")
    return name


def domain_name(text: str, *, option: str = "--domain") -> str:
    """A sending domain, by the domain audit's rule (the one name kernel): its A-label form."""
    from .names import BadName, normalise_domain

    try:
        return normalise_domain(text).name
    except BadName as exc:
        raise ValueError(f"{option}: {exc}") from None


def dkim_selector(text: str) -> str:
    if not text.strip() or any(c in text for c in " /@;") or len(text) > 63 * 3 or _CONTROL.search(text):
        raise ValueError(f"--dkim-selector {_shown(text)} is not a selector name")
    return text.strip()


ZONE_WORDS = ("default", "all")  # what --dnsbl takes besides zone names (core/dnsbl_zones.select_zones)


def dnsbl_zones(names) -> tuple[str, ...]:
    """Blocklist zones as ``blacklist --dnsbl`` takes them (names, ``default``, ``all``). Only the names are
    checked (what :func:`smtpdoctor.core.dnsbl_zones.select_zones` refuses): the catalogue is not loaded
    for that, before the first connection of a diagnosis."""
    for name in names:
        if name.strip().lower() not in ZONE_WORDS:
            zone_name(name)
    return tuple(names)


def zone_name(name: str) -> str:
    """A DNS zone name (``zen.spamhaus.org``), cleaned (lower case, no final dot), or ValueError."""
    clean = name.strip().rstrip(".").lower()
    labels = clean.split(".")
    if (not clean or len(clean) > 200 or len(labels) < 2
            or any(not lab or len(lab) > 63 or not all(c.isalnum() or c in "-_" for c in lab) for lab in labels)):
        raise ValueError(f"{name!r} is not a DNS zone name (expected something like zen.spamhaus.org)")
    return clean


def secret_from_env(variable: str, *, option: str, allow_empty: bool = False):
    """The password or token held in environment variable ``variable``, as a :class:`Secret`."""
    import os

    from .settings import Secret

    value = os.environ.get(variable)
    if value is None or (not value and not allow_empty):
        raise ValueError(f"{option} {variable}: the environment variable is not set"
                         + ("" if value is None else " or empty"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{option} {variable}: the value is not UTF-8 text; set it in UTF-8") from None
    return Secret(value)


def _shown(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown).replace("\\udc", "\\x")
