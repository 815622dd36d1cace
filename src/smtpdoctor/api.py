"""The Python API: the same engine as the command line, returning report objects.

::

    import smtpdoctor
    report = smtpdoctor.diagnose("smtp.example.com", port=587, user="me@example.com", password="…")
    print(report.verdict.category, report.verdict.summary)
    audit = smtpdoctor.audit_domain("example.com", ip="203.0.113.9")
    explained = smtpdoctor.explain("550 5.7.26 Unauthenticated email from example.com is not accepted")
    print(explained.results[0].explanation.reason)

Each function has an ``async`` twin (``diagnose_async`` ...) for code that already runs an event loop.
Passwords and tokens are wrapped in :class:`~smtpdoctor.core.settings.Secret` at once and never printed.
Settings the command line would refuse raise :class:`~smtpdoctor.core.settings.InvalidSettings`.
"""

from __future__ import annotations

import asyncio
from typing import Iterable, Sequence

from .core.settings import FieldErrors, InvalidSettings, Settings

__all__ = ["diagnose", "diagnose_async", "audit_domain", "audit_domain_async", "check_blacklist_async",
           "check_blacklist", "check_spf", "check_spf_async", "explain"]


def settings_for(host: str, **kwargs) -> Settings:
    """Keyword arguments through :meth:`Settings.parse`, the reader of the command line and the web form:
    the same limits, the same messages; :class:`~smtpdoctor.core.settings.InvalidSettings` (a ValueError)
    names every refused field."""
    parsed = Settings.parse({"host": host, **kwargs})
    if isinstance(parsed, FieldErrors):
        raise InvalidSettings(parsed)
    return parsed


async def diagnose_async(host: str, **settings):
    """Diagnose an SMTP server; keyword arguments are :class:`~smtpdoctor.core.settings.Settings` fields
    (``port``, ``security``, ``user``, ``password``, ``mail_from``, ``rcpt_to``, ``domain``, ``ip``,
    ``resolvers``, ``timeout`` ...). Returns a :class:`~smtpdoctor.core.model.Report`."""
    from .core import names as validate
    from .core import validate as checks
    from .flows.diagnose import run_diagnosis

    # the same rules as the command line: raises ValueError (one line) before anything is sent
    if settings.get("ca_file"):
        validate.ca_file(str(settings["ca_file"]))
    if settings.get("helo") is not None:
        settings["helo"] = checks.helo_name(settings["helo"])
    if settings.get("user") is not None:
        checks.wire_text(settings["user"], what="user")
    return await run_diagnosis(settings_for(host, **settings))


def diagnose(host: str, **settings):
    """Synchronous :func:`diagnose_async`."""
    return asyncio.run(diagnose_async(host, **settings))


def _resolver(resolvers: Sequence[str] = (), timeout: float = 3.0):
    from .net.dns import Resolver

    return Resolver(list(resolvers) or None, timeout=timeout, lifetime=max(timeout * 2, 6.0))


async def audit_domain_async(domain: str, *, ip: str | None = None, dkim_selectors: Iterable[str] = (),
                             resolvers: Sequence[str] = (), timeout: float = 3.0):
    """Audit a sending domain's DNS. Returns a :class:`~smtpdoctor.flows.domain.DomainAudit`."""
    from .flows.domain import audit_domain as _audit

    return await _audit(_resolver(resolvers, timeout), domain, ip=ip, dkim_selectors=tuple(dkim_selectors))


def audit_domain(domain: str, **kwargs):
    """Synchronous :func:`audit_domain_async`."""
    return asyncio.run(audit_domain_async(domain, **kwargs))


async def check_blacklist_async(*, ip: str | None = None, domain: str | None = None,
                                zones: Sequence[str] | None = None, resolvers: Sequence[str] = (),
                                timeout: float = 3.0):
    """Blocklist findings for an IP and/or a domain (``zones`` replaces the built-in catalogue)."""
    from .flows.blacklist import blacklist_findings

    return await blacklist_findings(_resolver(resolvers, timeout), ip=ip, domain=domain,
                                    zones=tuple(zones) if zones else None)


def check_blacklist(**kwargs):
    """Synchronous :func:`check_blacklist_async`."""
    return asyncio.run(check_blacklist_async(**kwargs))


async def check_spf_async(domain: str, ip: str, *, sender: str | None = None, helo: str | None = None,
                          resolvers: Sequence[str] = (), timeout: float = 3.0):
    """RFC 7208 check_host() for ``ip`` and ``domain``. Returns a ``CheckHostResult``."""
    from .protocol.spf.eval import check_host

    kwargs = {}
    if sender is not None:
        kwargs["sender"] = sender
    if helo is not None:
        kwargs["helo"] = helo
    return await check_host(_resolver(resolvers, timeout), ip, domain, **kwargs)


def check_spf(domain: str, ip: str, **kwargs):
    """Synchronous :func:`check_spf_async`."""
    return asyncio.run(check_spf_async(domain, ip, **kwargs))


def explain(text_or_message: str | bytes):
    """Explain a pasted reply (``str``) or a whole message such as a bounce (``bytes``). Returns one
    ``Explained`` with ``kind`` (reply, bounce, feedback, autoreply, not-bounce, unparsed) and one result
    per failed recipient (reason, category, status, reply code, provider, summary, remedy)."""
    from .flows.explain import explain_message
    from .judge.explain.reply import explain_text

    if isinstance(text_or_message, (bytes, bytearray)):
        return explain_message(bytes(text_or_message))
    return explain_text(text_or_message)
