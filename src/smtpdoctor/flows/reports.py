"""``reports``: files, directories, mbox files and Maildirs -> report documents -> parsed reports -> tallies
(one report at a time) -> the PTR of each source through the run's resolver -> findings -> verdict ->
a :class:`~smtpdoctor.model.Report` with the per-source table, the timeline and the TLS summary.

Every input that cannot be read is kept as an :class:`Unreadable` (named, with its reason), never lost
from the totals; ``rows`` hands each parsed record to an analyst's writer as it is read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .. import __version__
from ..core.model import Category, Finding, Report, Target, Verdict
from ..judge.reports import DmarcTally, TlsTally, classify_source, dmarc_findings, service_for, tls_findings
from ..net.dns import Resolver
from ..protocol.dmarc_report import AggregateReport, BadReport, parse_aggregate
from ..protocol.report_files import Document, Unreadable, documents
from ..protocol.tlsrpt import TlsReport, parse_tlsrpt
from ..verdict import decide, order_findings, step_results

__all__ = ["ReadResult", "read_inputs", "iter_documents", "lookup_ptrs", "build_report", "record_rows",
           "MAX_FILE_BYTES", "ROW_FIELDS"]

MAX_FILE_BYTES = 64 * 1024 * 1024
ROW_FIELDS = ("file", "org_name", "report_id", "begin", "end", "domain", "policy", "source_ip", "count",
              "disposition", "dkim", "spf", "dmarc", "header_from", "envelope_from", "dkim_domains", "spf_domains",
              "reasons")


@dataclass(slots=True)
class ReadResult:
    dmarc: DmarcTally = field(default_factory=DmarcTally)
    tls: TlsTally = field(default_factory=TlsTally)
    unreadable: list[Unreadable] = field(default_factory=list)
    inputs: int = 0

    @property
    def hostile(self) -> bool:
        return any(u.hostile for u in self.unreadable)


def _files(args: Iterable[str]) -> Iterator[tuple[str, Path | None]]:
    from .explain import _walk  # the one walker: Maildir cur/new, hidden files and tmp/ skipped

    for arg in args:
        path = Path(arg)
        if path.is_dir():
            for file in _walk(path):
                yield str(file), file
        else:
            yield arg, path if path.exists() else None


def iter_documents(args: Iterable[str]) -> Iterator[Document | Unreadable]:
    from .explain import iter_mbox

    for name, path in _files(args):
        if path is None:
            yield Unreadable(name, "no such file or directory")
            continue
        try:
            with path.open("rb") as fh:
                head = fh.read(5)
                if head == b"From ":
                    for item in iter_mbox(fh, name, head):
                        yield from documents(item.message or b"", item.source)
                    continue
                data = head + fh.read(MAX_FILE_BYTES)
        except OSError as exc:
            yield Unreadable(name, f"cannot read: {exc.strerror or exc}")
            continue
        if len(data) > MAX_FILE_BYTES:
            yield Unreadable(name, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not read", hostile=True)
            continue
        yield from documents(data, name)


def record_rows(name: str, report: AggregateReport) -> Iterator[dict]:
    for rec in report.records:
        yield {"file": name, "org_name": report.org_name, "report_id": report.report_id,
               "begin": dt.datetime.fromtimestamp(report.begin, dt.timezone.utc).isoformat(),
               "end": dt.datetime.fromtimestamp(report.end, dt.timezone.utc).isoformat(),
               "domain": report.domain, "policy": report.p, "source_ip": rec.source_ip, "count": rec.count,
               "disposition": rec.disposition, "dkim": rec.dkim, "spf": rec.spf,
               "dmarc": "pass" if rec.dmarc_pass else "fail", "header_from": rec.header_from,
               "envelope_from": rec.envelope_from,
               "dkim_domains": " ".join(f"{d}:{r}" for d, _, r in rec.dkim_results),
               "spf_domains": " ".join(f"{d}:{r}" for d, _, r in rec.spf_results),
               "reasons": " ".join(f"{t}:{c}" for t, c in rec.reasons)}


def _from_messages(messages: Iterable[tuple[str, bytes | None, str | None]]) -> Iterator[Document | Unreadable]:
    """(name, bytes, None) or (name, None, why not read), as ``net.imap.fetch_messages`` yields them."""
    for name, data, reason in messages:
        if data is None:
            yield Unreadable(name, reason or "not read", hostile=True)
        else:
            yield from documents(data, name)


def read_inputs(args: Iterable[str], *, rows: Callable[[dict], None] | None = None,
                messages: Iterable[tuple[str, bytes | None, str | None]] = ()) -> ReadResult:
    import itertools

    out = ReadResult()
    for doc in itertools.chain(iter_documents(args), _from_messages(messages)):
        out.inputs += 1
        if isinstance(doc, Unreadable):
            out.unreadable.append(doc)
            continue
        try:
            if doc.kind == "dmarc":
                parsed: AggregateReport | TlsReport = parse_aggregate(doc.data)
                out.dmarc.add(parsed)
                if rows is not None:
                    for row in record_rows(doc.name, parsed):
                        rows(row)
            else:
                out.tls.add(parse_tlsrpt(doc.data))
        except BadReport as exc:
            out.unreadable.append(Unreadable(doc.name, str(exc)))
    return out


async def lookup_ptrs(resolver: Resolver, ips: Iterable[str], *, concurrency: int = 50) -> dict[str, str | None]:
    from ..judge.dns.ptr import ptr_names

    sem = asyncio.Semaphore(concurrency)

    async def one(ip: str) -> tuple[str, str | None]:
        async with sem:
            names = ptr_names(await resolver.ptr(ip))
            return ip, (names[0] if names else None)

    return dict(await asyncio.gather(*(one(ip) for ip in ips)))


def _sources_json(result: ReadResult, ptrs: dict[str, str | None]) -> list[dict]:
    out = []
    for s in sorted(result.dmarc.sources.values(), key=lambda s: (-s.messages, s.ip)):
        s.ptr = ptrs.get(s.ip, s.ptr)
        svc = service_for(s.ptr)
        out.append(s.to_json(classify_source(s, svc), svc))
    return out


def build_report(result: ReadResult, ptrs: dict[str, str | None], *, elapsed: float = 0.0) -> Report:
    from ..core import catalogue

    findings: list[Finding] = dmarc_findings(result.dmarc, ptrs) + tls_findings(result.tls)
    if result.unreadable:
        names = ", ".join(u.name for u in result.unreadable[:5]) + (" …" if len(result.unreadable) > 5 else "")
        findings.append(catalogue.make("dmarc-report.skipped", count=len(result.unreadable), names=names,
                                       evidence={"skipped": [{"name": u.name, "reason": u.reason}
                                                             for u in result.unreadable[:1000]]}))
    verdict = decide(findings)
    if not result.dmarc.reports and not result.tls.reports:
        verdict = Verdict(category=Category.CLIENT, finding=None, confidence="inconclusive",
                          summary="No DMARC or TLS report could be read from the inputs.")
    t = result.dmarc
    timeline = [{"day": day, "messages": m, "dmarc_pass": p} for day, (m, p) in sorted(t.days.items())]
    tls = result.tls
    return Report(
        target=Target(domain=", ".join(d for d, _ in t.domains.most_common(3)) or None),
        verdict=verdict, findings=order_findings(findings, verdict),
        steps=tuple(s for s in step_results(findings) if s.findings),  # only the steps a message or report shows
        timings={"total_s": elapsed}, version=__version__,
        extra={"kind": "reports",
               "totals": {"inputs": result.inputs, "dmarc_reports": t.reports, "records": t.records,
                          "messages": t.messages, "dmarc_pass": t.dmarc_pass, "tls_reports": tls.reports,
                          "skipped": len(result.unreadable)},
               "sources": _sources_json(result, ptrs), "timeline": timeline,
               "tls": {"successful": tls.successful, "failed": tls.failed, "by_type": dict(tls.by_type),
                       "by_mx": [{"mx": m, "type": ty, "sessions": n} for (m, ty), n in tls.by_mx.most_common()]},
               "skipped": [{"name": u.name, "reason": u.reason} for u in result.unreadable],
               "settings": {"inputs": str(result.inputs)},
               "sections": [("DMARC aggregate reports", ("dmarc-report",)), ("TLS reports", ("tls-report",))]})


async def summarise(args: list[str], resolver: Resolver | None, *, rows: Callable[[dict], None] | None = None,
                    messages: Iterable[tuple[str, bytes | None, str | None]] = ()) -> tuple[Report, ReadResult]:
    start = time.perf_counter()
    result = await asyncio.to_thread(read_inputs, args, rows=rows, messages=messages)
    ptrs = await lookup_ptrs(resolver, list(result.dmarc.sources)) if resolver is not None else {}
    return build_report(result, ptrs, elapsed=time.perf_counter() - start), result
