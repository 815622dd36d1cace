"""The ``smtpdoctor`` console script."""

from __future__ import annotations

import importlib
import sys

import typer

from .common import UsageError, fail

app = typer.Typer(
    name="smtpdoctor",
    help="Finds out why e-mail won't send or won't land, and says what to do about it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its command(s) on ``app``. Order is the order of ``--help``.
_COMMANDS = ("diagnose", "domain", "spf", "blacklist", "explain", "demo", "serve")


def _register() -> None:
    for name in _COMMANDS:
        try:
            module = importlib.import_module(f"smtpdoctor.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"smtpdoctor.cli.commands.{name}":
                continue  # not built yet
            raise
        module.register(app)


_register()


def main() -> None:
    try:
        app()
    except UsageError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        print("smtpdoctor: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
