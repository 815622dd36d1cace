"""``smtpdoctor headers MESSAGE | -``: read a delivered message's headers — the hops, the authentication
recomputed and compared with the receiver's, the bulk-sender rules — and give one verdict."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from ...report.formats import OutputFormat
from ..common import UsageError
from ..layer import App, Argument, Exit, Option

__all__ = ["register", "run", "read_message"]


def register(app: App) -> None:
    @app.command("headers")
    def headers(
        message: str = Argument(..., help="The message: an .eml file, '-' for standard input, or the "
                                                "headers pasted as text.", show_default=False),
        resolver: List[str] = Option([], "--resolver", help="Ask this DNS server (IP[:PORT], repeatable)."),
        authserv_id: Optional[str] = Option(None, "--authserv-id",
                                                  help="The receiver's authserv-id (default: the one that wrote "
                                                       "Authentication-Results at the receiving hop)."),
        bulk: bool = Option(False, "--bulk", help="Judge as bulk marketing mail: one-click unsubscribe "
                                                        "is required (Gmail/Yahoo 2024)."),
        redact_addresses: bool = Option(False, "--redact-addresses",
                                              help="Hide the recipients' addresses, so the report can go to an ESP."),
        timeout: float = Option(3.0, "--timeout", help="Seconds per DNS query attempt."),
        verbose: bool = Option(False, "--verbose", "-v", help="Show every finding, passes included."),
        format: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json | markdown | html"),
    ) -> None:
        """Read a delivered message's headers: hops, DKIM/SPF/DMARC/ARC recomputed, bulk-sender rules."""
        raise Exit(run(message, resolvers=resolver, authserv_id=authserv_id, bulk=bulk,
                             redact=redact_addresses, timeout=timeout, fmt=format, verbose=verbose))


def read_message(arg: str) -> tuple[str, bytes]:
    """(source name, bytes): a file, '-' (stdin), or pasted text; bounded, never a traceback."""
    import sys

    from ...flows.headers import MAX_MESSAGE_BYTES

    if arg == "-":
        data = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
        source = "-"
    elif "\n" in arg or (":" in arg and not Path(arg).exists()):
        data, source = arg.encode("utf-8", "surrogateescape"), "text"
    else:
        path = Path(arg)
        try:
            if path.is_dir():
                raise UsageError(f"{arg}: is a directory (give one message file)")
            with path.open("rb") as fh:
                data = fh.read(MAX_MESSAGE_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(f"{arg}: no such file") from None
        except OSError as exc:
            raise UsageError(f"{arg}: {exc.strerror or exc}") from None
        source = arg
    if len(data) > MAX_MESSAGE_BYTES:
        raise UsageError(f"{source}: larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB; not a message")
    if not data.strip():
        raise UsageError(f"{source}: empty")
    if b"\0" in data[:65536]:
        raise UsageError(f"{source}: a binary file, not a message")
    return source, data


def run(message: str, *, resolvers: list[str] = (), authserv_id: str | None = None, bulk: bool = False,
        redact: bool = False, timeout: float = 3.0, fmt: OutputFormat = OutputFormat.text,
        verbose: bool = False) -> int:
    import asyncio
    import sys

    from ...net.dns import Resolver
    from ...flows.headers import BadMessage, check_message, recipient_addresses, redact_text
    from ...report.headers import render_headers

    if not 0 < timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    source, data = read_message(message)
    try:
        res = Resolver(list(resolvers) or None, timeout=timeout, lifetime=timeout * 2)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        report, obs = asyncio.run(check_message(data, res, source=source, authserv_id=authserv_id, bulk=bulk))
    except BadMessage as exc:
        raise UsageError(str(exc)) from None
    text = render_headers(report, fmt.value, verbose=verbose)
    if redact:
        text = redact_text(text, recipient_addresses(obs))
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    if report.has_errors:
        return 1
    return 3 if report.verdict.confidence == "inconclusive" else 0
