"""``smtpdoctor serve``: the local web page (Diagnose, Check a domain, Am I blacklisted?, Explain an error)."""

from __future__ import annotations

from typing import List, Optional

from ..common import UsageError, check_each
from ..layer import App, Option


def register(app: App) -> None:
    app.command(help="Open the local web page: the same checks as the command line, in a browser.")(serve)


def serve(
    host: str = Option("127.0.0.1", "--host", help="Address to listen on. Anything but loopback needs a token."),
    port: int = Option(8025, "--port", "-p", help="Port to listen on (0: a free one)."),
    token: Optional[str] = Option(None, "--token", envvar="SMTPDOCTOR_TOKEN", show_envvar=True,
                                        help="Access token (at least 16 characters). Generated when listening "
                                             "on a non-loopback address without one."),
    resolver: List[str] = Option([], "--resolver", help="DNS server IP[:PORT] for every check (repeatable)."),
    dnsbl: List[str] = Option([], "--dnsbl", help="Blocklist zone to use instead of the built-in list (repeatable)."),
    ca_file: Optional[str] = Option(None, "--ca-file", help="Extra CA certificates (PEM) to trust."),
    timeout: float = Option(10.0, "--timeout", help="Default limit of each SMTP step, in seconds (at most 300)."),
    max_runs: int = Option(2, "--max-runs", help="Checks that may run at the same time."),
    lab: bool = Option(False, "--lab", help="Also offer the built-in lab's broken servers on the Diagnose "
                                                  "page (to try smtpdoctor, or to teach)."),
    watch_db: Optional[str] = Option(None, "--watch-db", help="The database of 'smtpdoctor watch' to show on "
                                                                    "the Watch history page (default: its default file)."),
) -> None:
    import secrets
    import socket
    import sys

    from ...web.config import ServeConfig, is_loopback

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is out of range (0-65535)")
    from ...core.settings import MAX_TIMEOUT

    if not 0 < timeout <= MAX_TIMEOUT:  # the same bound as a diagnosis' own --timeout (Settings.parse)
        raise UsageError(f"--timeout: between 0 and {MAX_TIMEOUT:g} seconds (more than 0)")
    if not 1 <= max_runs <= 32:
        raise UsageError("--max-runs must be between 1 and 32")
    try:
        from ...core import names, validate
        from ...core.names import parse_nameserver

        if ca_file:
            names.ca_file(ca_file)
        for r in resolver:
            parse_nameserver(r)
        validate.dnsbl_zones(dnsbl)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if token is not None and len(token) < 16:
        raise UsageError("--token must be at least 16 characters")
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
    try:
        config = ServeConfig(host=host, port=port, token=token, max_active=max_runs, resolvers=tuple(resolver),
                             ca_file=ca_file, dnsbl_zones=tuple(dnsbl) or None, timeout=timeout, lab=lab,
                             watch_db=watch_db)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    import uvicorn

    from ...web import create_app

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)  # listening before the address is printed: a client may connect at once
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound_port}/" + (f"?token={token}" if token else "")
    print(f"smtpdoctor is serving on {url}", file=sys.stderr)
    if token:
        print("Anyone with this address (token included) can run checks from this machine: share it with care.",
              file=sys.stderr)
    print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", access_log=False,
                                           server_header=False, date_header=False, timeout_graceful_shutdown=3))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
