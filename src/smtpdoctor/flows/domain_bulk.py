"""Many domains at once: audits run concurrently, results come out in input order.

Shared by the ``domain`` command (in-process) and :mod:`smtpdoctor.scale` (one partition per Dask task), so a
domain is audited the same way wherever it runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import AsyncIterator, Iterable

__all__ = ["audit_stream"]


async def audit_stream(res, inputs: Iterable[str], *, concurrency: int, ip=None, selectors=(), helo=None,
                       eml=None, eml_source: str = "", context=None, timeout: float = 3.0,
                       dnsbl: tuple[str, ...] = (), sts_previous: tuple[str, str] | None = None) -> AsyncIterator:
    """Audit each input (``audit_domain``, plus the blocklists of ``dnsbl``), ``concurrency`` at a time.

    Yields the audits in input order. Never more than a window of tasks is alive at once, so a
    million-line input streams in bounded memory.
    """
    from .domain import audit_domain

    sem = asyncio.Semaphore(concurrency)

    async def one(text: str):
        async with sem:
            audit = await audit_domain(res, text, ip=ip, dkim_selectors=list(selectors), helo=helo, eml=eml,
                                       eml_source=eml_source, ssl_context=context,
                                       https_timeout=max(timeout * 3, 5), sts_previous=sts_previous)
            if dnsbl and audit.domain:
                from .blacklist import blacklist_findings

                listed = await blacklist_findings(res, ip=ip, domain=audit.domain, zones=dnsbl)
                audit = dataclasses.replace(audit, findings=audit.findings + tuple(listed))
            return audit

    window = max(concurrency * 4, 8)
    items = iter(inputs)
    pending: list[asyncio.Task] = []
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                text = next(items, None)
                if text is None:
                    exhausted = True
                else:
                    pending.append(asyncio.ensure_future(one(text)))
            if not pending:
                return
            yield await pending.pop(0)
    finally:
        for task in pending:
            task.cancel()
