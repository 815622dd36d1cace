"""``smtpdoctor diagnose HOST``: the guided walk against an SMTP server."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..common import OutputFormat, UsageError


def register(app: typer.Typer) -> None:
    app.command(help="Probe an SMTP server like a real client and name the one root cause, with the fix.")(diagnose)


def diagnose(
    host: str = typer.Argument(..., help="SMTP server name or IP address, e.g. smtp.example.com"),
    port: Optional[int] = typer.Option(None, "--port", "-p", help="Port configured in your client (default: 587, or 465 with --security tls)."),
    security: str = typer.Option("auto", "--security", "-s", help="auto | starttls | tls (implicit, 'SSL/TLS') | none"),
    user: Optional[str] = typer.Option(None, "--user", "-u", help="SMTP user name."),
    password_env: Optional[str] = typer.Option(None, "--password-env", help="Name of the environment variable holding the password."),
    mail_from: Optional[str] = typer.Option(None, "--from", help="Sender address (MAIL FROM)."),
    rcpt_to: Optional[str] = typer.Option(None, "--to", help="Recipient address (RCPT TO)."),
    helo: Optional[str] = typer.Option(None, "--helo", help="Name to send in EHLO (default: our address literal)."),
    source_ip: Optional[str] = typer.Option(None, "--source-ip", help="Local address to connect from."),
    domain: Optional[str] = typer.Option(None, "--domain", help="Sending domain to audit (default: the --from domain)."),
    ip: Optional[str] = typer.Option(None, "--ip", help="Sending IP to check (PTR, blocklists)."),
    dkim_selector: List[str] = typer.Option([], "--dkim-selector", help="DKIM selector to check (repeatable)."),
    resolver: List[str] = typer.Option([], "--resolver", help="DNS server IP[:PORT] to use (repeatable)."),
    dnsbl: List[str] = typer.Option([], "--dnsbl", help="Blocklist zone to use instead of the built-in list (repeatable)."),
    timeout: float = typer.Option(10.0, "--timeout", help="Connect timeout and the limit of each SMTP step, in seconds."),
    ca_file: Optional[str] = typer.Option(None, "--ca-file", help="Extra CA certificates (PEM) to trust."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text | json | markdown | html"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every finding and the transcript."),
) -> None:
    import asyncio
    import os
    import sys

    from ... import validate
    from ...settings import Secret, Security, Settings

    try:
        host_v = validate.host_name(host)
        if port is not None:
            validate.port_number(port)
        try:
            sec = Security(security.lower())
        except ValueError:
            raise UsageError(f"unknown --security {security!r}: use auto, starttls, tls or none") from None
        if not 0 < timeout <= 300:
            raise UsageError("--timeout must be between 0 and 300 seconds")
        source = validate.ip_address(source_ip) if source_ip else None
        sending_ip = validate.ip_address(ip) if ip else None
        sender = validate.email_address(mail_from) if mail_from else None
        recipient = validate.email_address(rcpt_to) if rcpt_to else None
        for r in resolver:
            from ...dns import parse_nameserver

            parse_nameserver(r)
        if ca_file and not os.path.isfile(ca_file):
            raise UsageError(f"--ca-file {ca_file}: no such file")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    password = None
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise UsageError(f"--password-env {password_env}: the environment variable is not set")
        password = Secret(value)
    settings = Settings(
        host=host_v, port=port, security=sec, user=user, password=password, mail_from=sender, rcpt_to=recipient,
        helo=helo, source_ip=source, domain=domain, ip=sending_ip, dkim_selectors=tuple(dkim_selector),
        resolvers=tuple(resolver), dnsbl_zones=tuple(dnsbl) or None, timeout=timeout, ca_file=ca_file,
    )
    from ...diagnose import run_diagnosis
    from ...report import render

    report = asyncio.run(run_diagnosis(settings))
    sys.stdout.write(render(report, fmt.value, verbose=verbose))
    sys.stdout.write("\n" if fmt.value == "json" else "")
    raise typer.Exit(report.exit_code)
