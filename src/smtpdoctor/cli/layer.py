"""The command-line layer: each command declares its parameters in its signature, click parses them.

A command module writes ``def explain(inputs: List[str] = Argument(None, help=…), jobs: int = Option(0,
"--jobs", "-j", help=…)) -> None`` and registers it with ``app.command(help=…)(explain)``, the way typer
reads them; :func:`to_click` turns the recorded commands into a ``click.Group`` when one is run. Importing a
command module imports nothing but this file (no click), so a command's import cost is its own.

Why click and not typer (measured 2026-12-06, ``python bench/startup.py``; CPU of a fresh process, best of 9,
``python -c pass`` = 11 ms): ``import argparse`` 20 ms, ``import click`` 43 ms, ``import typer`` 65 ms, and
typer 0.29 coerces every parameter through a pydantic ``TypeAdapter`` built when the command runs
(``typer._adapters``: 138 ms with pydantic). That was about 0.13 s of every command's 0.17 s of ``--help``,
more than the whole import budget of a command (0.12 s, issue 16), and no typer setting avoids it: the
adapters are its only coercion path. click is what typer itself is built on (typer vendors it): the same
parser, help layout, usage errors (exit 2) and ``Exit``/``Abort`` semantics, so the user-visible CLI stays
what it was; what typer added on top (reading a signature, mapping ``int``/``float``/``str``/``Path``/an
``Enum``/``List[…]``/``Optional[…]``/``bool`` to click types) is the ~100 lines below. argparse would save
another ~20 ms but formats help and errors differently and has no ``--x/--no-x`` flags or env-var options:
every command module and its tests would change, for a cost that is no longer the one that matters.
"""

from __future__ import annotations

import enum

TYPE_CHECKING = False  # typing and pathlib load when click reads a command line, not for a plain one
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["App", "Argument", "Command", "Option", "Exit", "to_click"]


class Exit(Exception):
    """End the command with this exit status (what ``typer.Exit`` / ``click.exceptions.Exit`` were)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.exit_code = code


class _Param:
    __slots__ = ("default", "decls", "help", "show_default", "envvar", "show_envvar", "is_argument")

    def __init__(self, default, decls, help, show_default, envvar, show_envvar, is_argument):
        self.default, self.decls, self.help = default, decls, help
        self.show_default, self.envvar, self.show_envvar = show_default, envvar, show_envvar
        self.is_argument = is_argument


def Option(default: Any = None, *decls: str, help: str | None = None, show_default: bool = True,  # noqa: N802
           envvar: str | None = None, show_envvar: bool = False) -> Any:
    """An option: ``default`` (``...``: required), its flags (``"--x"``, ``"-x"``, ``"--x/--no-x"``)."""
    return _Param(default, decls, help, show_default, envvar, show_envvar, False)


def Argument(default: Any = None, *, help: str | None = None, show_default: bool = True) -> Any:  # noqa: N802
    """A positional argument: ``...`` makes it required; a ``List[…]`` annotation takes any number."""
    return _Param(default, (), help, show_default, None, False, True)


class Command:
    """One registered command: its function, help (default: the docstring) and an epilog after the options."""

    __slots__ = ("function", "help", "epilog")

    def __init__(self, function: Callable, help: str | None, epilog: str | None) -> None:
        self.function, self.help, self.epilog = function, help, epilog


class App:
    """The registry the command modules fill: ``app.command(name, help=…)(function)``."""

    def __init__(self, name: str, help: str) -> None:
        self.name, self.help = name, help
        self.commands: dict[str, Command] = {}
        self.version: Callable[[], str] | None = None

    def command(self, name: str | None = None, *, help: str | None = None,
                epilog: str | None = None) -> Callable[[Callable], Callable]:
        def add(function: Callable) -> Callable:
            self.commands[name or function.__name__.replace("_", "-")] = Command(function, help, epilog)
            return function
        return add


def _kind(annotation) -> tuple[Any, bool]:
    """(the element type, whether many values are taken) of ``X``, ``Optional[X]``, ``List[X]``."""
    from typing import Union, get_args, get_origin

    if get_origin(annotation) is Union:
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is list:
        return get_args(annotation)[0], True
    return annotation, False


def _label(kind, many: bool) -> str:
    """The metavar typer showed: ``<int>``, ``<path>``, ``<list[str]>``, ``<text|json>``."""
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "<" + "|".join(str(m.value) for m in kind) + ">"
    from pathlib import Path

    name = "path" if kind is Path else getattr(kind, "__name__", str(kind))
    return f"<list[{name}]>" if many else f"<{name}>"


def _click_type(click, kind):
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return click.Choice([m.value for m in kind])
    from pathlib import Path

    return {int: click.INT, float: click.FLOAT, Path: click.Path(path_type=Path)}.get(kind, click.STRING)


def _convert(kind, many: bool):
    """A click callback turning a Choice's text back into the command's Enum member."""
    if not (isinstance(kind, type) and issubclass(kind, enum.Enum)):
        return None

    def back(ctx, param, value):
        if value is None:
            return None
        return [kind(v) for v in value] if many else kind(value)
    return back


def _parameter(click, name: str, annotation, spec: _Param):
    kind, many = _kind(annotation)
    default = spec.default
    required = default is ...
    shown = default.value if isinstance(default, enum.Enum) else default
    common = dict(type=_click_type(click, kind), callback=_convert(kind, many), required=required)
    if not required:  # click tells "not given" from a None default: a required parameter has none
        common["default"] = None if many and not default else shown
    if spec.is_argument:
        arg = _click_classes(click)[1]([name], nargs=-1 if many else 1, help=spec.help, **common)
        arg.label = _label(kind, many)
        return arg
    flags = flags_of(name, spec)
    if kind is bool:
        common.pop("type")
        return click.Option(flags + [name], is_flag=True, default=default, help=spec.help, show_default=False,
                            envvar=spec.envvar, show_envvar=spec.show_envvar)
    show = spec.show_default and not many and default is not None and not required
    return click.Option(flags + [name], multiple=many, metavar=_label(kind, many), help=spec.help,
                        show_default=show, envvar=spec.envvar, show_envvar=spec.show_envvar, **common)


def _classes(click):
    """click's Command and Argument, showing arguments the way typer did: ``{host}``, ``[inputs]...``, an
    "Arguments" section with ``host <str>`` and ``[required]``, and ``Missing argument 'host'.``"""

    class TypedArgument(click.Argument):
        label = ""

        def make_metavar(self, ctx) -> str:
            text = f"{{{self.name}}}" if self.required else f"[{self.name}]"
            return text + ("..." if self.nargs != 1 else "")

        def get_error_hint(self, ctx) -> str:
            return f"'{self.name}'"

        def get_help_record(self, ctx):
            extra = "  [required]" if self.required else ""
            return f"{self.name}{'...' if self.nargs != 1 else ''} {self.label}", (self.help or "") + extra

    class TypedCommand(click.Command):
        def format_arguments(self, ctx, formatter) -> None:
            args = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]
            if args:
                with formatter.section("Arguments"):
                    formatter.write_dl([a.get_help_record(ctx) for a in args])

    return TypedCommand, TypedArgument


def parameters(function: Callable) -> list[tuple[str, Any, _Param]]:
    """(name, type, declaration) of each parameter ``function`` declares with Option/Argument, in order.
    Read from the function's code and defaults (what ``inspect.signature`` reads; inspect itself costs
    ~5 ms to import, before a diagnosis' first SYN)."""
    import typing

    hints = typing.get_type_hints(function, localns=_annotation_names())
    return [(name, hints.get(name, str), spec) for name, spec in _declared(function)]


def _declared(function: Callable) -> list[tuple[str, _Param]]:
    """(name, declaration) of each parameter ``function`` declares with Option/Argument, in order, read from
    its code object and defaults."""
    code = function.__code__
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    positional = function.__defaults__ or ()
    defaults = dict(zip(names[code.co_argcount - len(positional):code.co_argcount], positional))
    defaults.update(function.__kwdefaults__ or {})
    return [(name, defaults[name]) for name in names if isinstance(defaults.get(name), _Param)]


def flags_of(name: str, spec: _Param) -> list[str]:
    """The spellings of option ``name``: its declared ones, or ``--name-with-hyphens``."""
    return list(spec.decls) or ["--" + name.replace("_", "-")]


def _annotation_names() -> dict[str, Any]:
    """The names a command's annotations may use without importing them (a command module imports ``Path``,
    ``List`` and ``Optional`` only for its type checker, so that a plain command line loads neither pathlib nor
    typing: :func:`plain_parameters`)."""
    import typing
    from pathlib import Path

    return {"Path": Path, "List": typing.List, "Optional": typing.Optional}


class _Other:
    """The type of an annotation :func:`plain_parameters` does not resolve (``Path``, a class it cannot see):
    like ``Path`` for :mod:`.plain_args`, a value click must judge, a default only when it is None."""


_BASES = {"str": str, "int": int, "float": float, "bool": bool}


def _plain_kind(text: str, names: dict) -> tuple[Any, bool] | None:
    """``_kind`` of an annotation written ``X``, ``Optional[X]``, ``X | None``, ``List[X]``, ``list[X]`` (and
    their combinations), read from its text; None for anything else."""
    text = text.replace(" ", "")
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[9:-1]
    elif text.endswith("|None"):
        text = text[:-5]
    elif text.startswith("None|"):
        text = text[5:]
    many = False
    for head in ("List[", "list["):
        if text.startswith(head) and text.endswith("]"):
            text, many = text[len(head):-1], True
            break
    if not text.isidentifier() or text in ("None", "Optional", "List", "list", "Union"):
        return None
    if text in _BASES:
        return _BASES[text], many
    found = names.get(text)
    if isinstance(found, type) and issubclass(found, enum.Enum):
        return found, many
    if found is None or isinstance(found, type) and found not in _BASES.values():
        return _Other, many  # Path, or a class the plain reader treats as Path (it hands it to click)
    return None


def plain_parameters(function: Callable) -> list[tuple[str, Any, bool, _Param]]:
    """(name, element type, many values, declaration) of each parameter, as :func:`parameters` and
    :func:`_kind` give them for the plain reader (:mod:`.plain_args`), but read from the annotations' text
    without ``typing.get_type_hints`` (typing and pathlib are ~6 ms of imports before ``domain``'s first
    question; ``tests/cli/test_layer.py`` compares the two for every command). Any annotation it does not
    read sends it to :func:`parameters`."""
    annotations = function.__annotations__
    out = []
    for name, spec in _declared(function):
        text = annotations.get(name, "str")
        kind = _plain_kind(text, function.__globals__) if isinstance(text, str) else None
        if kind is None:
            return [(n, *_kind(a), p) for n, a, p in parameters(function)]
        out.append((name, kind[0], kind[1], spec))
    return out


def _call(function: Callable, kwargs: dict) -> Any:
    return function(**kwargs)


def _command(click, name: str, command: Command, call: Callable[[Callable, dict], Any] = _call):
    import inspect

    function = command.function
    params = [_parameter(click, pname, kind, spec) for pname, kind, spec in parameters(function)]

    def run(**kwargs):
        for key, value in kwargs.items():  # click hands over tuples for many values; the commands take lists
            if isinstance(value, tuple):
                kwargs[key] = list(value)
        try:
            return call(function, kwargs)
        except Exit as exc:
            raise click.exceptions.Exit(exc.exit_code) from None

    return _click_classes(click)[0](name, callback=run, params=params, epilog=command.epilog,
                                    help=command.help or inspect.getdoc(function))


_BUILT: list = []  # (command class, argument class), made once per process


def _click_classes(click):
    if not _BUILT:
        _BUILT.append(_classes(click))
    return _BUILT[0]


def to_click(app: App):
    """The click group of ``app``'s commands, with ``--version`` (eager) and help when run bare."""
    import click

    def version(ctx, param, value) -> None:
        if value and not ctx.resilient_parsing:
            click.echo(app.version() if app.version else app.name)
            ctx.exit(0)

    group = click.Group(app.name, help=app.help, no_args_is_help=True, params=[
        click.Option(["--version"], is_flag=True, expose_value=False, is_eager=True, callback=version,
                     help="Print the version and exit.")])
    for name, command in app.commands.items():
        group.add_command(_command(click, name, command))
    return group
