"""``smtpdoctor diagnose HOST``: the guided walk against an SMTP server."""

from __future__ import annotations

from typing import List, Optional

import typer

from ...report.formats import OutputFormat
from ..common import UsageError


# What mail clients call the same settings: "SSL" and "SSL/TLS" mean implicit TLS (port 465).
_SECURITY_ALIASES = {"ssl": "tls", "ssl/tls": "tls", "smtps": "tls", "implicit": "tls", "implicit-tls": "tls",
                     "plain": "none", "off": "none", "no": "none", "plaintext": "none"}


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
    ports: Optional[str] = typer.Option(None, "--ports", help="Ports to sweep besides the configured one, comma-separated (default 25,465,587,2525; '' for none)."),
    auth_mech: Optional[str] = typer.Option(None, "--auth-mech", help="Force one AUTH mechanism: PLAIN, LOGIN, LOGIN-INITIAL, CRAM-MD5, XOAUTH2."),
    token_env: Optional[str] = typer.Option(None, "--token-env", help="Environment variable holding an OAuth2 access token (XOAUTH2)."),
    send: bool = typer.Option(False, "--send", help="Send one real test message (DATA) instead of stopping after RCPT TO."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the report to this file instead of standard output."),
    timeout: float = typer.Option(10.0, "--timeout", help="Connect timeout and the limit of each SMTP step, in seconds."),
    ca_file: Optional[str] = typer.Option(None, "--ca-file", help="Extra CA certificates (PEM) to trust."),
    insecure_auth: bool = typer.Option(False, "--insecure-auth", help="Send the credentials even when the server's certificate failed verification (the report says so)."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text | json | markdown | html"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every finding and the transcript."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour in the text report (also: NO_COLOR=1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live status on stderr (what the run waits for)."),
) -> None:
    import asyncio
    import os
    import sys

    from ...core import names as validate
    from ...core.settings import Secret, Security, Settings

    try:
        host_v = validate.host_name(host)
        if port is not None and not 1 <= port <= 65535:
            raise UsageError(f"--port {port}: port must be 1–65535 (587: submission with STARTTLS, "
                             "465: implicit TLS, 25: server to server)")
        try:
            sec = Security(_SECURITY_ALIASES.get(security.lower(), security.lower()))
        except ValueError:
            raise UsageError(f"unknown --security {security!r}: use auto, starttls, tls (implicit TLS, "
                             "also called SSL) or none") from None
        if not 0 < timeout <= 300:
            raise UsageError("--timeout must be between 0 and 300 seconds")
        source = validate.ip_address(source_ip) if source_ip else None
        sending_ip = validate.ip_address(ip) if ip else None
        sender = validate.email_address(mail_from) if mail_from else None
        recipient = validate.email_address(rcpt_to) if rcpt_to else None
        for r in resolver:
            from ...net.dns import parse_nameserver

            parse_nameserver(r)
        if ca_file:
            validate.ca_file(ca_file)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        sweep_ports = _ports(ports)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    password = None
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise UsageError(f"--password-env {password_env}: the environment variable is not set")
        password = Secret(value)
    elif user and not token_env and sys.stdin.isatty() and sys.stderr.isatty():
        import getpass

        password = Secret(getpass.getpass(f"Password for {user}: "))
    token = None
    if token_env:
        value = os.environ.get(token_env)
        if not value:
            raise UsageError(f"--token-env {token_env}: the environment variable is not set or empty")
        token = Secret(value)
    if (password or token) and not user:
        raise UsageError("a password or token was given without --user")
    if auth_mech:
        from ...protocol.sasl import SUPPORTED_MECHANISMS

        if auth_mech.upper() not in SUPPORTED_MECHANISMS:
            raise UsageError(f"unknown --auth-mech {auth_mech!r}: use one of {', '.join(SUPPORTED_MECHANISMS)}")
    if send and not (mail_from and rcpt_to):
        raise UsageError("--send needs --from and --to")
    if output:
        _check_writable(output)
    settings = Settings(
        host=host_v, port=port, security=sec, user=user, password=password, mail_from=sender, rcpt_to=recipient,
        helo=helo, source_ip=source, domain=domain, ip=sending_ip, dkim_selectors=tuple(dkim_selector),
        resolvers=tuple(resolver), dnsbl_zones=tuple(dnsbl) or None, timeout=timeout, ca_file=ca_file,
        oauth_token=token, auth_mech=auth_mech.upper() if auth_mech else None, send=send,
        insecure_auth=insecure_auth,
        **({"sweep_ports": sweep_ports} if sweep_ports is not None else {}),
    )
    from ...flows.diagnose import run_diagnosis
    from ..live import live_status

    with live_status(sys.stderr, timeout=timeout, quiet=quiet) as status:
        callbacks = {"on_step": status.on_step, "on_line": status.on_line} if status else {}
        report = asyncio.run(run_diagnosis(settings, **callbacks))
    _emit(report, fmt.value, verbose=verbose, no_color=no_color, output=output)
    if report.extra.get("interrupted"):
        print("smtpdoctor: interrupted; the report shows what was tested until then", file=sys.stderr)
        raise typer.Exit(130)
    raise typer.Exit(report.exit_code)


def _emit(report, fmt: str, *, verbose: bool, no_color: bool, output: str | None) -> None:
    """The report to ``output`` (atomically) or standard output: text as wide as the terminal, in colour
    only there (never in a file, with --no-color or NO_COLOR)."""
    import sys

    from ...report import render
    from ..common import terminal_output

    if fmt == "text":
        from ...report.text import render_text

        width, color = terminal_output(sys.stdout, no_color=no_color or bool(output))
        text = render_text(report, verbose=verbose, width=width, color=color)
    else:
        text = render(report, fmt, verbose=verbose)
    if fmt == "json" and not text.endswith("\n"):
        text += "\n"
    if output:
        _write_atomically(output, text)
        print(f"smtpdoctor: report written to {output} ({report.verdict.category.value})", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _ports(text):
    if text is None:
        return None
    out = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 65535:
            raise ValueError(f"--ports: {part!r} is not a port number (1-65535)")
        out.append(int(part))
    if len(out) > 16:
        raise ValueError("--ports: at most 16 ports")
    return tuple(out)


def _check_writable(path: str) -> None:
    import os

    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise UsageError(f"--output {path}: is a directory")
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise UsageError(f"--output {path}: cannot write in {folder}")


def _write_atomically(path: str, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it: never a half-written report."""
    import os
    import tempfile

    folder = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".smtpdoctor-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
