"""The system resolver's servers, read from resolv.conf before dnspython is imported, only when sure.

Why by hand: a command's first questions leave before dnspython (~40 ms of imports) is loaded
(net/dns_first.py), so they can go to the system's resolver only if its address is known without it. The
resolver facade (:class:`smtpdoctor.net.dns.Resolver`) otherwise lets dnspython read ``/etc/resolv.conf``
(``dns.resolver.BaseResolver.read_resolv_conf``). :func:`system_servers` reads the same file and returns
its servers only when the facade, given them as its ``nameservers``, asks exactly what dnspython's reading
would have made it ask; the caller then hands that one list to both the primer and the facade. Whenever
the file holds anything this reader is not sure of, it returns None and the command neither primes nor
changes how the facade finds its servers (dnspython reads the file, as before).

What it accepts, and why each is safe:

* blank lines, and comments (a line starting with ``#`` or ``;``, as dnspython tests its first character);
* ``nameserver ADDRESS``: a plain IPv4 or IPv6 address, in order (dnspython keeps only the second token,
  as this does); a scope id (``fe80::1%eth0``) or anything else is not sure;
* ``domain`` and ``search``: they name suffixes for relative names; the facade asks absolute names, with
  dnspython's ``search=False``, so the suffixes are never used;
* ``options`` made only of ``ndots:N`` (the same: it decides when a relative name is tried as is),
  ``timeout:N`` and ``attempts:N`` (the facade sets its own timeout and lifetime; dnspython ignores
  ``attempts``), and ``rotate`` when there is a single server (with several, dnspython would shuffle them on
  each question it asks itself, which a given list does not).

Anything else (``edns0``, which changes dnspython's query when the facade does not set EDNS itself;
``sortlist``, unknown keywords or options, a ``nameserver`` line without an address, no server at all, a
file that cannot be read; Windows, where dnspython reads the registry) returns None.
``udp_mux.system_nameservers`` is the blocklist sweep's lenient reading of the same lines (it skips what
it cannot use); this one must refuse instead.
"""

from __future__ import annotations

import sys

from ..core.name_text import is_ip_address

__all__ = ["system_servers", "RESOLV_CONF"]

RESOLV_CONF = "/etc/resolv.conf"
_HARMLESS_OPTIONS = ("ndots:", "timeout:", "attempts:")


def system_servers(path: str = RESOLV_CONF) -> list[str] | None:
    """The ``nameserver`` addresses of ``path`` as the facade's ``nameservers`` (``"[v6]"`` for IPv6), or
    None when the file has anything that may make dnspython's reading differ (see the module's doc)."""
    if sys.platform == "win32":  # dnspython reads the registry there, not a file
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    servers: list[str] = []
    rotate = False
    for line in lines:
        if not line or line[0] in "#;":
            continue
        tokens = line.split()
        if not tokens:
            continue
        key, args = tokens[0], tokens[1:]
        if key == "nameserver":
            if not args or "%" in args[0]:
                return None
            if not is_ip_address(args[0]):
                return None
            servers.append(f"[{args[0]}]" if ":" in args[0] else args[0])  # IPv6 (an IPv4 address has no colon)
        elif key in ("domain", "search"):
            continue
        elif key == "options":
            for opt in args:
                if opt == "rotate":
                    rotate = True
                elif not (opt.startswith(_HARMLESS_OPTIONS) and opt.split(":", 1)[1].isdigit()):
                    return None
        else:
            return None
    if not servers or (rotate and len(servers) > 1):
        return None
    return servers
