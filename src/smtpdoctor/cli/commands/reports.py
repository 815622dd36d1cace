"""``smtpdoctor reports FILE|DIR…``: summarise DMARC aggregate and TLS-RPT reports — who sends as your
domain and whether it passes, the rejections receivers wrote down, TLS failures by type and MX."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from ...report.formats import OutputFormat
from ..common import UsageError
from ..layer import App, Argument, Exit, Option

__all__ = ["register", "run", "RowWriter"]


def register(app: App) -> None:
    @app.command("reports")
    def reports(
        inputs: List[str] = Argument(None, help="Report files (.xml, .json, .gz, .zip, .eml), mbox files, "
                                                      "Maildirs or directories.", show_default=False),
        imap: Optional[str] = Option(None, "--imap", help="Also read the reports in an IMAP folder: "
                                                               "imaps://user@host[:port]/FOLDER ('@' in the user as %40)."),
        password_env: str = Option("SMTPDOCTOR_IMAP_PASSWORD", "--password-env",
                                         help="The environment variable holding the IMAP password."),
        ca_file: Optional[Path] = Option(None, "--ca-file", help="Extra CA certificates for the IMAP server."),
        resolver: List[str] = Option([], "--resolver", help="Ask this DNS server for the PTR of each source."),
        no_dns: bool = Option(False, "--no-dns", help="Do not look up the PTR of sources (offline)."),
        output: Optional[Path] = Option(None, "--output", "-o",
                                              help="Also write one row per report record to FILE (.jsonl, .csv "
                                                   "or .parquet) for analysts."),
        timeout: float = Option(3.0, "--timeout", help="Seconds per DNS query attempt."),
        verbose: bool = Option(False, "--verbose", "-v", help="Show every finding, passes included."),
        format: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json | markdown | html"),
    ) -> None:
        """Summarise DMARC aggregate and TLS-RPT reports: who sends as your domain, and what fails."""
        raise Exit(run(inputs or [], resolvers=resolver, no_dns=no_dns, output=output, timeout=timeout,
                             fmt=format, verbose=verbose, imap=imap, password_env=password_env, ca_file=ca_file))


class RowWriter:
    """Rows to JSON Lines, CSV or Parquet (pyarrow, written in batches so memory stays flat)."""

    BATCH = 50_000

    def __init__(self, path: Path) -> None:
        from ...flows.reports import ROW_FIELDS

        self.path, self.fields = path, ROW_FIELDS
        suffix = path.suffix.lower()
        if suffix not in (".jsonl", ".csv", ".parquet"):
            raise UsageError(f"--output {path}: give a .jsonl, .csv or .parquet file")
        self.kind = suffix[1:]
        self._batch: list[dict] = []
        self._pq = None
        try:
            self._fh = None if self.kind == "parquet" else path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UsageError(f"--output {path}: {exc.strerror or exc}") from None
        if self.kind == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise UsageError("--output .parquet needs pyarrow (pip install 'smtpdoctor[parquet]')") from None
        if self.kind == "csv":
            import csv

            self._csv = csv.DictWriter(self._fh, fieldnames=list(self.fields))
            self._csv.writeheader()

    def __call__(self, row: dict) -> None:
        if self.kind == "jsonl":
            import json

            self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif self.kind == "csv":
            self._csv.writerow(row)
        else:
            self._batch.append(row)
            if len(self._batch) >= self.BATCH:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(f, pa.int64() if f == "count" else pa.string()) for f in self.fields])
        table = pa.Table.from_pylist(self._batch, schema=schema)
        if self._pq is None:
            self._pq = pq.ParquetWriter(str(self.path), schema)
        self._pq.write_table(table)
        self._batch = []

    def close(self) -> None:
        if self.kind == "parquet":
            if self._batch or self._pq is None:
                self._flush()
            self._pq.close()
        else:
            self._fh.close()


def _imap_messages(url_text: str, password_env: str, ca_file: Path | None, timeout: float):
    """The messages of the --imap folder, fetched one at a time as the reader asks (memory stays flat)."""
    import os
    import ssl

    from ...net.imap import ImapError, fetch_messages, parse_imap_url

    try:
        url = parse_imap_url(url_text)
    except ImapError as exc:
        raise UsageError(str(exc)) from None
    password = os.environ.get(password_env)
    if not password:
        raise UsageError(f"--imap: set the password in the environment variable {password_env}")
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"--ca-file {ca_file}: {exc}") from None
    return fetch_messages(url, password, context=context, timeout=max(timeout * 5, 10))


def run(inputs: list[str], *, resolvers: list[str] = (), no_dns: bool = False, output: Path | None = None,
        timeout: float = 3.0, fmt: OutputFormat = OutputFormat.text, verbose: bool = False,
        imap: str | None = None, password_env: str = "SMTPDOCTOR_IMAP_PASSWORD", ca_file: Path | None = None) -> int:
    import asyncio
    import sys

    from ...net.dns import Resolver
    from ...flows.reports import summarise
    from ...report.reports import render_reports

    if not inputs and not imap:
        raise UsageError("give report files, directories, mbox files or Maildirs, or --imap URL")
    if not 0 < timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    try:
        res = None if no_dns else Resolver(list(resolvers) or None, timeout=timeout, lifetime=timeout * 2)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    messages = _imap_messages(imap, password_env, ca_file, timeout) if imap else ()
    writer = RowWriter(output) if output is not None else None
    from ...net.imap import ImapError

    try:
        report, result = asyncio.run(summarise(list(inputs), res, rows=writer, messages=messages))
    except ImapError as exc:  # a mailbox that cannot be read: one line, exit 2
        raise UsageError(str(exc)) from None
    finally:
        if writer is not None:
            writer.close()
    for u in result.unreadable:
        print(f"smtpdoctor: skipped {u.name}: {' '.join(u.reason.split())}", file=sys.stderr)
    if not result.dmarc.reports and not result.tls.reports:
        raise UsageError("no DMARC or TLS report could be read from the inputs")
    text = render_reports(report, fmt.value, verbose=verbose)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    if result.hostile:
        return 2
    return 1 if report.has_errors else 0
