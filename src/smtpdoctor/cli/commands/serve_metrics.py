"""``smtpdoctor serve-metrics``: the multi-target exporter (``/probe?target=…&module=…``)."""

from __future__ import annotations

from typing import List, Optional

from ..common import UsageError
from ..layer import App, Option

__all__ = ["register"]


def register(app: App) -> None:
    app.command("serve-metrics", help="Prometheus exporter: /probe?target=…&module=submission|domain|blocklist "
                                      "runs one fresh check, like blackbox_exporter.")(serve_metrics)


def serve_metrics(
    listen: str = Option("127.0.0.1:9469", "--listen", help="HOST:PORT to listen on."),
    resolver: List[str] = Option([], "--resolver", help="DNS server IP[:PORT] to ask (repeatable)."),
    dnsbl: List[str] = Option([], "--dnsbl", help="Blocklist zone instead of the built-in list (repeatable)."),
    ca_file: Optional[str] = Option(None, "--ca-file", help="Extra CA certificates (PEM) to trust."),
    timeout: float = Option(10.0, "--timeout", help="Seconds per connection and per SMTP step."),
    user: Optional[str] = Option(None, "--user", help="SMTP user for module=submission."),
    password_env: Optional[str] = Option(None, "--password-env", help="Environment variable holding the password."),
    mail_from: Optional[str] = Option(None, "--from", help="Sender address for module=submission."),
    rcpt_to: Optional[str] = Option(None, "--to", help="Recipient address for module=submission."),
) -> None:
    import os
    import sys

    from ...core import names as validate
    from ...core.settings import Secret
    from ...watch.config import WatchConfig
    from ...watch.probe import ProbeServer
    from .watch import parse_listen

    host, port = parse_listen(listen, "--listen")
    if not 0 < timeout <= 300:
        raise UsageError("--timeout must be between 0 and 300 seconds")
    try:
        from ...net.dns import parse_nameserver

        for r in resolver:
            parse_nameserver(r)
        submission: dict = {"sweep_ports": ()}
        if user:
            submission["user"] = user
        if mail_from:
            submission["mail_from"] = validate.email_address(mail_from)
        if rcpt_to:
            submission["rcpt_to"] = validate.email_address(rcpt_to)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if ca_file and not os.path.isfile(ca_file):
        raise UsageError(f"--ca-file {ca_file}: no such file")
    password = None
    if password_env:
        if password_env not in os.environ:
            raise UsageError(f"--password-env {password_env}: the environment variable is not set")
        password = Secret(os.environ[password_env])
    config = WatchConfig(targets=(), resolvers=tuple(resolver), dnsbl=tuple(dnsbl) or None, ca_file=ca_file,
                         timeout=timeout)
    try:
        server = ProbeServer(config, host, port, submission=submission, password=password)
    except OSError as exc:
        raise UsageError(f"--listen {listen}: {exc.strerror or exc}") from None
    print(f"smtpdoctor serve-metrics: http://{host}:{server.address[1]}/probe?target=…&module=submission|domain|blocklist",
          file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
