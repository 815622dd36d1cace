"""net: the only sockets (DNS, SMTP, HTTPS). See docs/architecture.md.

dnspython's ``dns.query`` imports its DNS-over-HTTPS client (httpx2, httpcore2, h2: about 150 modules,
~170 ms of ``python -X importtime`` on this machine) whenever those packages are installed, and probes
their versions through ``importlib.metadata``. smtpdoctor asks over UDP and TCP only, so DoH and DoQ are
switched off by :func:`without_doh` (dnspython's documented ``dns._features.force``), which ``net/dns.py``
calls before each lazy import of dnspython's resolver modules; ``tests/cli/test_import_budget.py`` keeps
httpx out of the DNS commands. It is not done on importing this package: ``dns._features`` imports
``importlib.metadata`` (and the email package with it, ~10 ms), which an SMTP session does not need
before its first connection.
"""


def without_doh() -> None:
    """Switch dnspython's DoH and DoQ off (idempotent); call before importing ``dns.query``."""
    import dns._features

    dns._features.force("doh", False)
    dns._features.force("doq", False)
