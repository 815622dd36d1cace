"""``smtpdoctor diagnose HOST``: the guided walk against an SMTP server."""

from __future__ import annotations

from typing import List, Optional

from ...report.formats import OutputFormat, is_terminal
from ..common import UsageError
from ..layer import App, Argument, Exit, Option


# where each field of Settings is given on the command line, for the one-line error
FLAGS = {"host": "HOST", "port": "--port", "security": "--security", "user": "--user", "password": "--password-env",
         "oauth_token": "--token-env", "auth_mech": "--auth-mech", "mail_from": "--from", "rcpt_to": "--to",
         "helo": "--helo", "source_ip": "--source-ip", "domain": "--domain", "ip": "--ip",
         "dkim_selectors": "--dkim-selector", "resolvers": "--resolver", "dnsbl_zones": "--dnsbl",
         "sweep_ports": "--ports", "timeout": "--timeout", "ca_file": "--ca-file", "send": "--send",
         "insecure_auth": "--insecure-auth", "provider": "--provider"}


def register(app: App) -> None:
    app.command(help="Probe an SMTP server like a real client and name the one root cause, with the fix.")(diagnose)


def diagnose(
    host: str = Argument(..., help="SMTP server name or IP address, e.g. smtp.example.com"),
    port: Optional[str] = Option(None, "--port", "-p", help="Port configured in your client (default: 587, or 465 with --security tls)."),
    security: str = Option("auto", "--security", "-s", help="auto | starttls | tls (implicit, 'SSL/TLS') | none"),
    user: Optional[str] = Option(None, "--user", "-u", help="SMTP user name."),
    password_env: Optional[str] = Option(None, "--password-env", help="Name of the environment variable holding the password."),
    mail_from: Optional[str] = Option(None, "--from", help="Sender address (MAIL FROM)."),
    rcpt_to: Optional[str] = Option(None, "--to", help="Recipient address (RCPT TO)."),
    helo: Optional[str] = Option(None, "--helo", help="Name to send in EHLO (default: our address literal)."),
    source_ip: Optional[str] = Option(None, "--source-ip", help="Local address to connect from."),
    domain: Optional[str] = Option(None, "--domain", help="Sending domain to audit (default: the --from domain)."),
    ip: Optional[str] = Option(None, "--ip", help="Sending IP to check (PTR, blocklists)."),
    dkim_selector: List[str] = Option([], "--dkim-selector", help="DKIM selector to check (repeatable)."),
    resolver: List[str] = Option([], "--resolver", help="DNS server IP[:PORT] to use (repeatable)."),
    dnsbl: List[str] = Option([], "--dnsbl", help="Blocklist zone to use instead of the built-in list (repeatable)."),
    ports: Optional[str] = Option(None, "--ports", help="Ports to sweep besides the configured one, comma-separated (default 25,465,587,2525; '' for none)."),
    auth_mech: Optional[str] = Option(None, "--auth-mech", help="Force one AUTH mechanism: PLAIN, LOGIN, LOGIN-INITIAL, CRAM-MD5, XOAUTH2, OAUTHBEARER."),
    token_env: Optional[str] = Option(None, "--token-env", help="Environment variable holding an OAuth2 access token (XOAUTH2 or OAUTHBEARER)."),
    provider: Optional[str] = Option(None, "--provider", help="Read the answers as this provider's (a preset key such as gmail, microsoft-365) when the host is not its usual name, e.g. a local relay in front of it."),
    send: bool = Option(False, "--send", help="Send one real test message (DATA) instead of stopping after RCPT TO."),
    output: Optional[str] = Option(None, "--output", "-o", help="Write the report to this file instead of standard output."),
    timeout: Optional[str] = Option(None, "--timeout", help="Connect timeout and the limit of each SMTP step, in seconds (default 10, at most 300)."),
    ca_file: Optional[str] = Option(None, "--ca-file", help="Extra CA certificates (PEM) to trust."),
    insecure_auth: bool = Option(False, "--insecure-auth", help="Send the credentials even when the server's certificate failed verification (the report says so)."),
    fmt: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json | markdown | html"),
    verbose: bool = Option(False, "--verbose", "-v", help="Show every finding and the transcript."),
    no_color: bool = Option(False, "--no-color", help="No colour in the text report (also: NO_COLOR=1)."),
    quiet: bool = Option(False, "--quiet", "-q", help="No live status on stderr (what the run waits for)."),
) -> None:

    options = dict(host=host, port=port, security=security, user=user, auth_mech=auth_mech, mail_from=mail_from,
                   rcpt_to=rcpt_to, helo=helo, source_ip=source_ip, domain=domain, ip=ip, dkim_selectors=dkim_selector,
                   resolvers=resolver, dnsbl_zones=dnsbl, sweep_ports=ports, timeout=timeout, ca_file=ca_file,
                   send=send, insecure_auth=insecure_auth, provider=provider)
    from ..collector import CollectorPaused

    paused = CollectorPaused()  # no cyclic collection while the command runs (~10 ms of CPU, see there)
    try:
        with paused:
            _diagnose(options, password_env=password_env, token_env=token_env, output=output, fmt=fmt.value,
                      verbose=verbose, no_color=no_color, quiet=quiet)
    finally:
        paused.release()


def _diagnose(options: dict, *, password_env: str | None, token_env: str | None, output: str | None, fmt: str,
              verbose: bool, no_color: bool, quiet: bool) -> None:
    import sys

    settings = read_settings(options, password_env=password_env, token_env=token_env, check_ca=False)
    if output:
        _check_writable(output)
    from ...flows.diagnose_early import connect_early

    early = connect_early(settings)  # the SYNs first: asyncio and the probes load while the network answers
    try:
        _check_ca_file(settings)  # OpenSSL reads it (ssl loads, ~8 ms) while the SYNs are out; before any TLS
    except UsageError:
        if early is not None:
            early.close()
        raise
    import asyncio

    from ...flows.diagnose import run_diagnosis
    from ..common import terminal_output
    from ..live import live_status

    width, color = terminal_output(sys.stdout, no_color=no_color or bool(output))
    with live_status(sys.stderr, timeout=settings.timeout, quiet=quiet) as status:
        callbacks = {"on_step": status.on_step, "on_line": status.on_line} if status else {}
        # the text writer loads while the session waits: rich only for colour (report/text.py)
        prepare = (_text_writer_colour if color else _text_writer) if fmt == "text" else None
        report = asyncio.run(run_diagnosis(settings, early=early, prepare=prepare, **callbacks))
    _emit(report, fmt, verbose=verbose, width=width, color=color, output=output)
    if report.interrupted:
        print("smtpdoctor: interrupted; the report shows what was tested until then", file=sys.stderr)
        raise Exit(130)
    raise Exit(report.exit_code)


def _text_writer() -> None:
    import smtpdoctor.report.text
    import smtpdoctor.report.text_plain  # noqa: F401


def _text_writer_colour() -> None:
    _text_writer()
    import smtpdoctor.report.text_rich  # noqa: F401


def _emit(report, fmt: str, *, verbose: bool, width: int, color: bool, output: str | None) -> None:
    """The report to ``output`` (atomically) or standard output: text ``width`` wide (the terminal's), in
    colour only on a terminal (never in a file, with --no-color or NO_COLOR)."""
    import sys

    from ...report import render

    if fmt == "text":
        from ...report.text import render_text

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


def read_settings(options: dict, *, password_env: str | None = None, token_env: str | None = None,
                  check_ca: bool = True):
    """The command line's options through :meth:`Settings.parse`; the secrets are read from the environment
    (or a prompt on a terminal) first. The first bad field is one line (UsageError, exit 2). With
    ``check_ca=False`` the caller checks ``--ca-file`` itself (:func:`_check_ca_file`)."""
    import os
    import sys

    from ...core.settings import FieldErrors, Settings

    raw = {name: value for name, value in options.items() if value is not None}
    from ...core.validate import secret_from_env

    try:  # set, and UTF-8 text (a secret that is not is one line, never a crash in the redactor)
        if password_env:
            raw["password"] = secret_from_env(password_env, option="--password-env", allow_empty=True).reveal()
        if token_env:
            raw["oauth_token"] = secret_from_env(token_env, option="--token-env").reveal()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if raw.get("user") and not (password_env or token_env) and is_terminal(sys.stdin) and is_terminal(sys.stderr):
        import getpass

        raw["password"] = getpass.getpass(f"Password for {raw['user']}: ")
    settings = Settings.parse(raw)
    if isinstance(settings, FieldErrors):
        name, message = settings.first()
        flag = FLAGS.get(name, name)
        raise UsageError(message if message.startswith(flag + " ") else f"{flag}: {message}")
    if check_ca:
        _check_ca_file(settings)
    return settings


def _check_ca_file(settings) -> None:
    if settings.ca_file:
        from ...core.names import ca_file

        try:
            ca_file(settings.ca_file)  # read up front: a typo is one line, not a TLS failure blamed on the server
        except ValueError as exc:
            raise UsageError(str(exc)) from None


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
