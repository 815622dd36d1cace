"""``smtpdoctor blacklist IP|CIDR|DOMAIN... | --file FILE``: is this address or domain on a block list?"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from ...report.formats import OutputFormat
from ..common import UsageError, check_each
from ..layer import App, Argument, Exit, Option
from ..scale_options import CLUSTER, OUTPUT, PARTITION_SIZE, WORKERS

_MAX_FILE_BYTES = 5_000_000


def register(app: App) -> None:
    app.command(help="Check IP addresses, CIDR ranges (up to /24, /120) and domains against DNS block lists, "
                     "with health guards that tell 'listed' from a refused query or a broken list.")(blacklist)


def blacklist(
    inputs: List[str] = Argument(None, help="IPv4 or IPv6 addresses, CIDR ranges, or domains.",
                                       show_default=False),
    file: Optional[str] = Option(None, "--file", help="Read inputs from FILE, one per line ('-' for stdin); "
                                                             "'#' starts a comment. A CSV with a header works too: "
                                                             "the first column, or --column."),
    column: Optional[str] = Option(None, "--column", help="The CSV column of --file that holds the inputs "
                                                                "(by its header name)."),
    quiet: bool = Option(False, "--quiet", "-q", help="No progress bar on stderr."),
    summary: bool = Option(False, "--summary", help="With --format json: end with one summary object "
                                                          "({\"summary\": ...}) after the per-input lines."),
    dnsbl: List[str] = Option([], "--dnsbl", help="Zone to use instead of the built-in list (repeatable); "
                                                        "'default' adds the built-in default set, 'all' every "
                                                        "catalogue zone including those off by default."),
    resolver: List[str] = Option([], "--resolver", help="DNS server IP[:PORT] to ask (repeatable; "
                                                              "default: the system's). Use your own resolver."),
    fmt: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json (JSON Lines) | markdown | html"),
    concurrency: int = Option(512, "--concurrency", help="Queries in flight at once."),
    rate: float = Option(8000.0, "--rate", help="Queries per second, at most."),
    timeout: Optional[float] = Option(None, "--timeout", help="Seconds to wait for each zone's answer "
                                                                    "(default: the catalogue's, 4 s)."),
    workers: Optional[int] = WORKERS, cluster: Optional[str] = CLUSTER, output: Optional[Path] = OUTPUT,
    partition_size: Optional[int] = PARTITION_SIZE,
) -> None:
    import asyncio

    from ...net.dns import parse_nameserver
    from ...core.dnsbl_targets import BadInput, parse_inputs
    from ...core.dnsbl_zones import UnknownZoneName, select_zones

    if not 1 <= concurrency <= 10_000:
        raise UsageError("--concurrency must be between 1 and 10000")
    if not 0 < rate <= 1_000_000:
        raise UsageError("--rate must be a positive number of queries per second")
    if timeout is not None and not 0 < timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    check_each(parse_nameserver, resolver)
    from ..scale_options import list_scale_options

    bulk = list_scale_options((workers, cluster, output, partition_size), fmt, quiet=quiet, file=file,
                              column=column, summary=summary)
    try:
        zones, dead = select_zones(dnsbl or None)
    except UnknownZoneName as exc:
        raise UsageError(str(exc)) from None
    if timeout is not None:
        import dataclasses

        zones = tuple(dataclasses.replace(z, timeout=timeout) for z in zones)
    if not zones:
        names = ", ".join(n for n, _ in dead)
        raise UsageError(f"no zone left to ask: {names} {'is' if len(dead) == 1 else 'are'} known dead")
    if bulk is not None and bulk.wanted:  # a Dask run, or Parquet: smtpdoctor.scale reads the input in chunks
        from ...scale.bulk import run_blacklist
        from ...scale.options import ScaleError

        try:
            code = run_blacklist(list(inputs or []), file, bulk, zones=zones, dead=dead, resolvers=resolver,
                                 concurrency=concurrency, rate=rate)
        except ScaleError as exc:
            raise UsageError(str(exc)) from None
        raise Exit(code)
    files = [_read_file(file, column)] if file else []
    try:
        targets = parse_inputs(inputs or [], files)
    except BadInput as exc:
        raise UsageError(str(exc)) from None
    per_query = max(z.timeout for z in zones)
    code = asyncio.run(_main(list(resolver), per_query, targets, zones, dead, fmt, concurrency, rate, summary, quiet))
    raise Exit(code)


async def _main(nameservers, per_query, targets, zones, dead, fmt, concurrency, rate, summary=False,
                quiet=False) -> int:
    import sys

    from ...flows.blacklist import open_lookup, stream_blacklist
    from ...report.blacklist import write_results

    async with open_lookup(nameservers, per_query, concurrency=concurrency, rate=rate) as lookup:
        lines = stream_blacklist(lookup, targets, zones, dead, concurrency=concurrency, rate=rate)
        return await write_results(lines, len(targets), fmt, sys.stdout, None if quiet else sys.stderr,
                                   summary=summary)


def _read_file(name: str, column: str | None = None) -> tuple[str, str]:
    from ..common import read_text_list, values_from_list

    label, text = read_text_list(name, max_bytes=_MAX_FILE_BYTES, what="a list of addresses and domains")
    return label, values_from_list(label, text, column)
