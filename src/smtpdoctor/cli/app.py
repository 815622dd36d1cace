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


@app.callback()
def _root() -> None:
    """Finds out why e-mail won't send or won't land, and says what to do about it."""


_register()


def main() -> None:
    try:
        code = app(standalone_mode=False)
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
            fail(exc.format_message())
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
