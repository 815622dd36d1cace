"""``smtpdoctor domain DOMAIN... | --file FILE``: audit sending domains' DNS.

Text: one block per domain (findings by topic, remedies, the bulk-sender checklist). JSON: JSON Lines,
one ``smtpdoctor/domain@1`` object per input in input order, streamed as soon as each (and all before it)
is done. Audits run concurrently (``--concurrency``), sharing one resolver and its cache.
"""

from __future__ import annotations

TYPE_CHECKING = False  # for the type checker only: a plain command line loads neither (cli/layer.plain_parameters)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import List, Optional

from ...report.formats import OutputFormat
from ..common import UsageError, check_each
from ..layer import App, Argument, Exit, Option
from ..scale_options import CLUSTER, OUTPUT, PARTITION_SIZE, WORKERS

__all__ = ["register", "MAX_FILE_BYTES", "MAX_EML_BYTES"]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_EML_BYTES = 25 * 1024 * 1024


def register(app: App) -> None:
    @app.command("domain")
    def domain(
        domains: Optional[List[str]] = Argument(None, help="Domains to audit (example.com, bücher.de).",
                                                      show_default=False),
        file: Optional[Path] = Option(None, "--file", help="Read domains from FILE, one a line ('-' = stdin; "
                                                                   "'#' starts a comment), or a CSV with a header "
                                                                   "(the first column, or --column)."),
        column: Optional[str] = Option(None, "--column", help="The CSV column of --file that holds the domains."),
        summary: bool = Option(False, "--summary", help="With --format json: end with one summary object."),
        quiet: bool = Option(False, "--quiet", "-q", help="No progress bar on stderr."),
        ip: Optional[str] = Option(None, "--ip", help="The sending IP: check its PTR / FCrDNS and SPF result."),
        dkim_selector: List[str] = Option([], "--dkim-selector", help="A DKIM selector to check (repeatable)."),
        helo: Optional[str] = Option(None, "--helo", help="The HELO name of the sending server (compared with the PTR)."),
        eml: Optional[Path] = Option(None, "--eml", help="A sample message (.eml) whose DKIM signatures to verify."),
        resolver: List[str] = Option([], "--resolver", help="Ask this DNS server (IP[:PORT], repeatable)."),
        dnsbl: List[str] = Option([], "--dnsbl", help="Also check the domain (and --ip) against this blocklist zone (repeatable; 'default' for the built-in list)."),
        ca_file: Optional[Path] = Option(None, "--ca-file", help="Extra CA certificates (PEM) to trust for the MTA-STS policy fetch (labs, private CAs)."),
        mta_sts_previous: Optional[str] = Option(None, "--mta-sts-previous", help="ID:SHA256 of the MTA-STS id and policy of an earlier run (its JSON mta_sts.id, mta_sts.sha256): finds a changed policy under an unchanged id."),
        timeout: float = Option(3.0, "--timeout", help="Seconds per DNS query attempt."),
        concurrency: int = Option(50, "--concurrency", help="Domains audited at once (each asks ~20 questions; at most 256 questions are in flight)."),
        format: OutputFormat = Option(OutputFormat.text, "--format", "-f",
                                            help="text | json (JSON Lines) | markdown | html"),
        workers: Optional[int] = WORKERS, cluster: Optional[str] = CLUSTER, output: Optional[Path] = OUTPUT,
        partition_size: Optional[int] = PARTITION_SIZE,
    ) -> None:
        """Audit the DNS of sending domains: MX, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI, DNSSEC, DANE."""
        code = run(domains or [], file=file, ip=ip, selectors=dkim_selector, helo=helo, eml=eml,
                   resolvers=resolver, ca_file=ca_file, timeout=timeout, concurrency=concurrency,
                   fmt=format, dnsbl=tuple(dnsbl), sts_previous=mta_sts_previous, column=column, summary=summary,
                   quiet=quiet, scale=(workers, cluster, output, partition_size))
        raise Exit(code)


def _read_inputs(domains: list[str], file: Path | None, column: str | None = None) -> tuple[list[str], bool]:
    """The inputs in order; the flag says they came from a file (bad lines become findings there)."""

    if domains and file is not None:
        raise UsageError("give domains as arguments or with --file, not both")
    if file is None:
        if not domains:
            raise UsageError("give at least one domain (or --file FILE)")
        # core.names' rules on plain text: its data classes load after the first questions leave (issue 16)
        from ...core.name_text import domain_parts

        check_each(domain_parts, domains)  # BadDomain is a ValueError
        return list(domains), False
    from ..common import read_text_list, values_from_list

    label, text = read_text_list(str(file), max_bytes=MAX_FILE_BYTES, what="a list of domains")
    text = values_from_list(label, text, column)
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    inputs = [line for line in lines if line]
    if not inputs:
        raise UsageError(f"{file}: no domains in it")
    return inputs, True


def run(domains: list[str], *, file: Path | None = None, ip: str | None = None, selectors: list[str] = (),
        helo: str | None = None, eml: Path | None = None, resolvers: list[str] = (), ca_file: Path | None = None,
        timeout: float = 3.0, concurrency: int = 50, fmt: OutputFormat = OutputFormat.text,
        dnsbl: tuple[str, ...] = (), sts_previous: str | None = None, column: str | None = None,
        summary: bool = False, quiet: bool = False, scale: tuple = (None, None, None, None)) -> int:
    if not 1 <= concurrency <= 1000:
        raise UsageError("--concurrency must be between 1 and 1000")
    if not 0 < timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    if ip is not None:
        import ipaddress

        try:
            ip = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            raise UsageError(f"--ip {ip!r} is not an IP address") from None
    if selectors or helo is not None:  # core.validate (and re) load after the first datagram otherwise
        from ...core import validate as checks

        try:
            selectors = [checks.dkim_selector(sel) for sel in selectors]
            if helo is not None:
                helo = checks.helo_name(helo)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    message = None
    if eml is not None:
        from ..common import read_file

        message = read_file(str(eml), max_bytes=MAX_EML_BYTES, what="a message (.eml)")
    previous = _sts_previous(sts_previous)
    from ..scale_options import list_scale_options

    bulk = list_scale_options(scale, fmt, quiet=quiet, file=file, column=column, summary=summary)
    if bulk is not None and bulk.wanted:  # a Dask run, or Parquet: smtpdoctor.scale reads the input in chunks
        from ...scale.bulk import run_domain
        from ...scale.options import ScaleError

        if domains and file is not None:
            raise UsageError("give domains as arguments or with --file, not both")
        try:
            return run_domain(list(domains), str(file) if file else None, bulk, resolvers=resolvers, ip=ip,
                              selectors=selectors, helo=helo, eml=message, eml_source=str(eml) if eml else "",
                              ca_file=ca_file, timeout=timeout, concurrency=concurrency, dnsbl=dnsbl)
        except ScaleError as exc:
            raise UsageError(str(exc)) from None
    inputs, from_file = _read_inputs(list(domains), file, column)
    # The heads of the audit's longest chains leave now, before the event loop and the engines are
    # imported (flows/domain_first.py): the first round trip overlaps those imports.
    from ...flows.domain_first import questions_of
    from ...net.dns_first import prime, servers_for

    servers = servers_for(resolvers)  # --resolver, or the system's resolver when its file is plain enough
    primer = None if from_file else prime(questions_of(inputs, ip=ip, selectors=selectors), servers)
    from ..collector import CollectorPaused

    loading = CollectorPaused()
    try:  # an import that fails, or Ctrl-C, still gives the collector back and closes the primer's socket
        with loading:  # the audit's modules, while the first questions are on the wire
            _load_audit(primer, inputs, ip)
            import asyncio

            from ...net.dns import Resolver
        try:
            res = Resolver(servers or None, timeout=timeout, lifetime=timeout * 2, primer=primer)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        context = _https_context(ca_file)
        return asyncio.run(_audit_all(res, inputs, ip=ip, selectors=list(selectors), helo=helo, eml=message,
                                      eml_source=str(eml) if eml else "", context=context,
                                      concurrency=concurrency, fmt=fmt, timeout=timeout, dnsbl=dnsbl,
                                      sts_previous=previous, summary=summary or (fmt is OutputFormat.text and (from_file or len(inputs) > 1)), quiet=quiet))
    finally:
        loading.release()
        if primer is not None:  # a socket the UDP layer never claimed (claimed, it is the layer's to close)
            primer.close()


def _load_audit(primer, inputs: list[str], ip: str | None) -> None:
    """Import the audit while its first questions are on the wire and, once the parsers are in, the primer's
    reader, which asks the chains' second questions from the first answers while the rest loads
    (flows/domain_next.py)."""
    if primer is not None:
        from ...flows.domain_next import NextRound

        primer.follow(NextRound(inputs, ip=ip))
    from ...flows import domain, domain_bulk  # noqa: F401 (the audit's: loaded here)
    from ...net import udp_mux  # noqa: F401 (the facade's UDP layer, which reads the first answers)


def _https_context(ca_file: Path | None):
    """The TLS context trusting ``--ca-file`` for the MTA-STS and BIMI fetches; None: the system's."""
    if ca_file is None:
        return None
    from ...net.tls import client_context
    from ...core.names import ca_file as check_ca_file

    try:
        return client_context(ca_file=check_ca_file(str(ca_file)))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _sts_previous(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    import re

    m = re.fullmatch(r"([A-Za-z0-9]{1,32}):([0-9a-fA-F]{64})", text.strip())
    if not m:
        raise UsageError(f"--mta-sts-previous {text[:80]!r}: expected ID:SHA256 (the id= and the 64-hex-digit "
                         "policy hash from an earlier run's JSON)")
    return m.group(1), m.group(2).lower()


async def _audit_all(res, inputs: list[str], *, ip, selectors, helo, eml, eml_source, context, concurrency,
                     fmt: OutputFormat, timeout: float, dnsbl: tuple[str, ...] = (),
                     sts_previous: tuple[str, str] | None = None, summary: bool = False,
                     quiet: bool = False) -> int:
    import asyncio
    import sys

    from ...flows.domain_bulk import audit_stream
    from ...report.formats import write_json_line
    from ...report.progress import LateBar
    from ...report.summary import DomainTally

    if fmt is OutputFormat.text:
        from ...report.domain import render_text
    tally = DomainTally()
    progress = None if quiet else LateBar.on(sys.stderr, len(inputs), "auditing")
    codes: list[int] = []
    reports = []
    stream = audit_stream(res, inputs, concurrency=concurrency, ip=ip, selectors=selectors, helo=helo, eml=eml,
                          eml_source=eml_source, context=context, timeout=timeout, dnsbl=dnsbl,
                          sts_previous=sts_previous)
    try:
        async for audit in stream:
            if progress:
                progress.advance(1, audit.domain or audit.given)
            tally.add(audit)
            codes.append(audit.exit_code)
            if fmt is OutputFormat.json:
                write_json_line(audit.to_json())
            elif fmt is OutputFormat.text:
                sys.stdout.write(render_text(audit))
                sys.stdout.flush()
            else:
                reports.append(audit.report())
    finally:
        await stream.aclose()
        if progress:
            progress.close()
    if summary and fmt is OutputFormat.json:
        write_json_line(tally.to_json())
    elif summary and fmt is OutputFormat.text:
        sys.stdout.write(tally.text())
    if reports:
        from ...report import render_many

        sys.stdout.write(render_many(reports, fmt.value, title=f"smtpdoctor domain report: {len(reports)} domains"))
        sys.stdout.flush()
    from ...core.model import combine_exit_codes

    return combine_exit_codes(codes)
