"""The ``smtpdoctor`` console script.

Start-up time matters for a command people type. The top-level help (``smtpdoctor``, ``smtpdoctor --help``)
is printed from :data:`COMMANDS` without importing the CLI layer, and ``smtpdoctor NAME …`` builds a click
group with only the one command NAME registered, so a command pays for its own imports and nobody else's.
``tests/cli/test_app.py`` keeps that table equal to the commands registered, and
``tests/cli/test_import_budget.py`` asserts what each command loads.

The CLI layer is click, with each command's parameters declared in its signature (:mod:`.layer`, which also
says why not typer: typer 0.29 built a pydantic ``TypeAdapter`` per parameter, ~0.13 s of every command's
start-up, more than a command's whole import budget). rich is imported only by the commands that render
with it, when they render.
"""

from __future__ import annotations

import sys

__all__ = ["main", "run", "build_app", "usage_hint", "COMMANDS", "TAGLINE"]

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
    """The click group: with ``only`` (a name in :data:`COMMANDS`) just that command, else all (built once)."""
    global _app
    if only is None and _app is not None:
        return _app
    from .layer import to_click

    app = _registered([only] if only in COMMANDS else COMMANDS)
    from .examples import epilog

    for name, command in app.commands.items():  # every command's --help ends with a worked example
        command.epilog = command.epilog or epilog(name)
    group = to_click(app)
    if only not in COMMANDS:
        _app = group
    return group


def _registered(names):
    """A :class:`.layer.App` with the commands ``names`` registered, each from its module
    ``commands/<name>.py`` (a command whose module is not there is left out); without click."""
    import importlib

    from .layer import App

    app = App("smtpdoctor", TAGLINE)
    app.version = version_line
    for name in names:
        path = f"smtpdoctor.cli.commands.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name == path:
                continue  # not built yet
            raise
        module.register(app)
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
    from .layer import Exit

    plain = _plain(sys.argv[1], sys.argv[2:])
    if plain is not None:  # a plain command line: run without importing click (cli/plain_args.py)
        function, kwargs = plain
        try:
            code = function(**kwargs)
        except UsageError as exc:
            fail(str(exc))
        except Exit as exc:
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            print("smtpdoctor: interrupted", file=sys.stderr)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)
    import click

    try:
        code = build_app(sys.argv[1]).main(sys.argv[1:], standalone_mode=False)
    except UsageError as exc:
        fail(str(exc))
    except click.exceptions.NoArgsIsHelpError as exc:
        print(exc.ctx.get_help())
        sys.exit(0)
    except click.UsageError as exc:  # click's own usage errors (exit status 2): one line too, with the way on
        fail(usage_hint(exc.format_message(), sys.argv[1:]))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        print("smtpdoctor: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _plain(name: str, args: list[str]):
    """(the command's function, its keyword arguments) when ``args`` is a plain command line of command
    ``name`` (:mod:`.plain_args`), else ``None``: click reads it."""
    if name not in COMMANDS:
        return None
    from .plain_args import read_plain

    command = _registered([name]).commands.get(name)
    kwargs = read_plain(command.function, args) if command is not None else None
    return None if kwargs is None else (command.function, kwargs)


def run() -> None:
    """The program's entry point (the ``smtpdoctor`` script, ``python -m smtpdoctor``): :func:`main`, then the
    process ends without the interpreter's clean-up of its modules.

    That clean-up frees every object of the ~450 modules a diagnosis loads one by one, with full garbage
    collections: 30-45 ms of CPU after the report is written (measured with ``strace -ttt``: the last write
    to standard output, then no system call for that long), a tenth of a diagnosis' whole process. Once the
    command has returned, its output is flushed, the ``atexit`` handlers have run (logging, temporary
    folders) and no other thread is running, there is nothing left for that clean-up to do. ``main`` alone
    (what the tests call in-process) still ends with ``SystemExit``.
    """
    from ..core import dataclass_code

    dataclass_code.install()  # data classes' methods as an earlier run compiled them (issue 16)
    try:
        main()
    except SystemExit as exc:
        _leave(exc)
        raise


def _leave(exc: SystemExit) -> None:
    """End the process now with ``exc``'s status, or return (the usual exit) when anything could still need
    the interpreter: a status that is a message, another thread, output that cannot be flushed."""
    import atexit
    import os

    code = exc.code
    if code is None:
        code = 0
    if not isinstance(code, int) or "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the usual exit reports it as before
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code & 0xFF)  # what the system keeps of any status, as sys.exit


if __name__ == "__main__":
    run()
