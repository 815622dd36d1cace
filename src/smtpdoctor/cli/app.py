"""The ``smtpdoctor`` console script.

Start-up time matters for a command people type. The top-level help (``smtpdoctor``, ``smtpdoctor --help``)
is printed from :data:`COMMANDS` without importing typer, and ``smtpdoctor NAME …`` builds a typer app
with only the one command NAME registered, so a command pays for its own imports and nobody else's.
``tests/cli/test_app.py`` keeps that table equal to the commands typer registers, and
``tests/cli/test_import_budget.py`` asserts what each command loads.

Why typer, and what it costs (``python -X importtime``, measured on typer 0.29): ``import typer`` is
about 40 ms, and typer builds a pydantic ``TypeAdapter`` per parameter when it parses, so pydantic
(~20 ms) comes with it; both are the price of the typed options every command declares. What was not
necessary is rich: typer's default ``rich_markup_mode="rich"`` imports ``typer.rich_utils`` (rich's
markdown, traceback, syntax, panels: ~150 ms and 160 modules) just to print ``--help`` and usage
errors. The app is built with ``rich_markup_mode=None`` (plain click help), so rich is imported only
by the commands that render with it, when they render.
"""

from __future__ import annotations

import sys

__all__ = ["main", "build_app", "usage_hint", "COMMANDS", "TAGLINE"]

TAGLINE = "Finds out why e-mail won't send or won't land, and says what to do about it."

# name -> one line, in the order of the help. Each name is a module ``commands/<name>.py`` (``-`` spelt ``_``)
# with ``register(app)``.
COMMANDS: dict[str, str] = {
    "diagnose": "Probe an SMTP server like a real client and name the one root cause, with the fix.",
    "domain": "Audit the DNS of sending domains: MX, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI, DNSSEC.",
    "spf": "Evaluate SPF for a domain and an IP (RFC 7208 check_host) and show the trace.",
    "blacklist": "Check IPs, ranges or domains against DNS blocklists, honestly.",
    "explain": "Explain an SMTP error or a bounce message: cause, provider meaning and fix.",
    "headers": "Read a delivered message's headers: hops, DKIM/SPF/DMARC/ARC recomputed, bulk-sender rules.",
    "reports": "Summarise DMARC aggregate and TLS-RPT reports: who sends as your domain, and what fails.",
    "demo": "Run the built-in lab: every fault, diagnosed, offline.",
    "lab": "Keep the lab's broken servers up and print the command to try on each, until Ctrl-C.",
    "serve": "Start the local web page (127.0.0.1) for people who don't live in a terminal.",
    "watch": "Watch servers, domains and IPs on a schedule: history, alerts on change, metrics.",
    "history": "Show a watched target's timeline: verdicts, what changed, and the alerts.",
    "serve-metrics": "Prometheus exporter: /probe?target=…&module=submission|domain|blocklist.",
}

_app = None


def build_app(only: str | None = None):
    """The typer app: with ``only`` (a name in :data:`COMMANDS`) just that command, else all (built once)."""
    global _app
    if only is None and _app is not None:
        return _app
    import importlib

    import typer

    app = typer.Typer(name="smtpdoctor", help=TAGLINE, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=None)

    def _version(value: bool) -> None:
        if value:
            print(version_line())
            raise typer.Exit(0)

    @app.callback()
    def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                           help="Print the version and exit.")) -> None:
        """Finds out why e-mail won't send or won't land, and says what to do about it."""

    for name in ([only] if only in COMMANDS else COMMANDS):
        try:
            module = importlib.import_module(f"smtpdoctor.cli.commands.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name == f"smtpdoctor.cli.commands.{name.replace('-', '_')}":
                continue  # not built yet
            raise
        module.register(app)
    from .examples import epilog

    for info in app.registered_commands:  # every command's --help ends with a worked example
        name = info.name or (info.callback.__name__ if info.callback else "")
        info.epilog = info.epilog or epilog(name)
    if only not in COMMANDS:
        _app = app
    return app


def __getattr__(name: str):  # ``from smtpdoctor.cli.app import app`` builds it on demand (PEP 562)
    if name == "app":
        return build_app()
    raise AttributeError(name)


def version_line() -> str:
    from .. import __version__

    return f"smtpdoctor {__version__}"


def fast_help() -> str:
    width = max(len(n) for n in COMMANDS) + 2
    lines = ["Usage: smtpdoctor COMMAND [ARGS]...", "", f"  {TAGLINE}", "", "Commands:"]
    lines += [f"  {name.ljust(width)}{text}" for name, text in COMMANDS.items()]
    lines += ["", "Run 'smtpdoctor COMMAND --help' for a command's options; 'smtpdoctor --version' for the version."]
    return "\n".join(lines)


def usage_hint(message: str, argv: list[str]) -> str:
    """A usage error with the way to the fix: the command's help, which ends with a worked example."""
    command = next((a for a in argv if a in COMMANDS), None)
    if "--port" in message and ("integer" in message or "number" in message):
        message = message.rstrip(".") + ". A port must be a number, 1–65535 (587: submission with STARTTLS, 465: implicit TLS)."
    where = f"smtpdoctor {command} --help" if command else "smtpdoctor --help"
    return f"{message.rstrip().rstrip('.')}; see '{where}' for an example"


def main() -> None:
    if sys.argv[1:] in ([], ["--help"], ["-h"]):
        print(fast_help())
        sys.exit(0)
    if sys.argv[1:] in (["--version"], ["-V"]):
        print(version_line())
        sys.exit(0)
    from .common import UsageError, fail

    import typer

    try:
        code = build_app(sys.argv[1])(standalone_mode=False)
    except UsageError as exc:
        fail(str(exc))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("smtpdoctor: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        # typer vendors click; its usage errors carry exit_code 2 and format_message(). Matched by shape
        # so that the private module path of the vendored click does not matter.
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            print(exc.ctx.get_help())
            sys.exit(0)
        if getattr(exc, "exit_code", None) == 2 and hasattr(exc, "format_message"):
            fail(usage_hint(exc.format_message(), sys.argv[1:]))
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
