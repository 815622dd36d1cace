"""The drivers of the bulk commands on :mod:`smtpdoctor.scale`: read the input in chunks, run the
partitions (:mod:`.runner`), write the results in input order (:mod:`.sink`), report each bad line once
on stderr with its line number, and return the exit status of the whole run.

Called by ``domain``, ``blacklist`` and ``explain`` when ``--workers``, ``--cluster`` or ``--output`` is given.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..report.progress import LateBar
from .options import BadScaleOption, ScaleError, ScaleOptions
from .partition import Line, Partition, cut, read_lines
from .runner import open_executor, share

__all__ = ["run_domain", "run_blacklist", "run_explain", "run_partitions", "DOMAIN_PARTITION", "BLACKLIST_PARTITION"]

DOMAIN_PARTITION = 100  # domains per partition (each asks ~20 questions)
BLACKLIST_PARTITION = 256  # addresses per partition (a /24 is one)


def _inputs(args: Iterable[str], file: str | None) -> Iterator[Line]:
    for arg in args:
        yield Line(f"argument {arg!r}", arg)
    if file is not None:
        yield from read_lines(file)


def _first(partitions: Iterator[Partition], what: str) -> Iterator[Partition]:
    """Read the first partition now, so an unreadable or empty input fails before a cluster starts."""
    first = next(partitions, None)
    if first is None:
        raise ScaleError(f"nothing to look at: no {what} in the input")
    return itertools.chain([first], partitions)


def run_partitions(command: str, job: Callable, partitions: Iterator[Partition], settings: Callable,
                   options: ScaleOptions, *, on_extra: Callable | None = None, fix: Callable | None = None,
                   err=None) -> int:
    """Run ``job`` on every partition with ``settings(workers)``; write, report, and return the worst code."""
    from .sink import open_sink

    err = err or sys.stderr
    with open_executor(options) as executor:
        sink = open_sink(command, options.output)
        progress = LateBar.on(err, None, command) if options.progress else None
        codes: list[int] = []
        try:
            for result in executor.map_ordered(job, partitions, settings(executor.workers)):
                for message in result.errors:
                    err.write(f"smtpdoctor: bad input: {message}\n")
                lines = fix(result) if fix is not None else result.lines
                sink.write(lines)
                codes.append(result.code)
                if on_extra is not None:
                    on_extra(result.extra)
                if progress is not None:
                    progress.advance(len(lines))
        finally:
            if progress is not None:
                progress.close()
            sink.close()
    from .jobs import run_code

    return run_code(codes)


def run_domain(domains: list[str], file: str | None, options: ScaleOptions, *, resolvers=(), ip=None,
               selectors=(), helo=None, eml: bytes | None = None, eml_source: str = "", ca_file=None,
               timeout: float = 3.0, concurrency: int = 10, dnsbl: tuple[str, ...] = ()) -> int:
    from .jobs import DomainSettings, audit_domains

    _check_resolvers(resolvers)
    parts = _first(cut(_inputs(domains, file), options.partition_size or DOMAIN_PARTITION), "domains")

    def settings(workers: int) -> DomainSettings:
        return DomainSettings(resolvers=tuple(resolvers), ip=ip, selectors=tuple(selectors), helo=helo, eml=eml,
                              eml_source=eml_source, ca_file=str(ca_file) if ca_file else None, timeout=timeout,
                              concurrency=share(concurrency, workers), dnsbl=tuple(dnsbl))

    return run_partitions("domain", audit_domains, parts, settings, options)


def run_blacklist(inputs: list[str], file: str | None, options: ScaleOptions, *, zones, dead, resolvers=(),
                  concurrency: int = 512, rate: float = 8000.0) -> int:
    """``concurrency`` and ``rate`` are the run's global budget per resolver, shared among the workers."""
    from .jobs import BlacklistSettings, check_blocklists

    parts = _first(cut(_inputs(inputs, file), options.partition_size or BLACKLIST_PARTITION),
                   "addresses, ranges or domains")
    per_query = max(z.timeout for z in zones)

    def settings(workers: int) -> BlacklistSettings:
        return BlacklistSettings(resolvers=tuple(resolvers), zones=tuple(zones), dead=tuple(dead),
                                 concurrency=share(concurrency, workers), rate=rate / max(1, workers),
                                 per_query=per_query)

    return run_partitions("blacklist", check_blocklists, parts, settings, options)


def _check_resolvers(resolvers) -> None:
    from ..net.dns import parse_nameserver

    for r in resolvers:
        try:
            parse_nameserver(r)
        except ValueError as exc:
            raise BadScaleOption(str(exc)) from None



EXPLAIN_PARTITION = 200  # files (or inputs) per partition; a large mbox or log goes by byte range


def run_explain(args: list[str], stdin, options: ScaleOptions, *, summary: bool = False,
                suppression: Path | None = None, err=None) -> int:
    """``explain``: partitions of files / ranges, the JSON lines in order, the summary combined.

    The summary (``summary``) is printed on stderr; the hard-bounced addresses go to ``suppression``.
    """
    from ..report.explain import TextRenderer
    from .explain_parts import RANGE_BYTES, explain_partitions, explain_units
    from .jobs import explain_partition
    from .summary import Combined, unreadable

    err = err or sys.stderr
    size = options.partition_size or EXPLAIN_PARTITION
    range_bytes = options.partition_size * 1024 if options.partition_size else RANGE_BYTES
    parts = _first(explain_partitions(explain_units(args, stdin, range_bytes=range_bytes), size), "inputs")
    keep_hard = summary or suppression is not None  # the summary counts them, the suppression list lists them
    combined = Combined(keep_hard=keep_hard)
    run_partitions("explain", explain_partition, parts, lambda workers: keep_hard, options,
                   on_extra=combined.add, err=err)
    tally = combined.tally
    if summary:
        TextRenderer(err, False).finish(tally, True)
        err.write(f"\nHard bounces (addresses to suppress): {len(combined.hard)}\n")
    if suppression is not None:
        combined.hard.write(suppression)
    if unreadable(tally):
        raise ScaleError(unreadable(tally))
    return 1 if combined.problems else 0
