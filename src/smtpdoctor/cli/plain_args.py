"""A plain command line read without click; anything else goes to click, which reads it as it always did.

click stays the CLI layer (:mod:`.layer`): every ``--help``, every usage error and every form of option it
knows. What this reader answers is only the plain forms that make up the command lines people type and
scripts run: ``--name value``, ``--name=value``, ``-n value``, ``-n587`` (a short option joined to its value),
flags (``--x``, ``--no-x``), positionals in any order. It gives up (returns ``None``, and click reads the
line) on everything else: ``--help``, an unknown or misspelt option, ``--``, joined short flags (``-vq``), a
separate value that starts with ``-``, a
number click would have to judge, a path click checks, a missing required parameter, an option whose
environment variable is set. The keyword arguments it returns are those click would hand the command
(``tests/cli/test_plain_args.py`` compares the two over generated command lines of every command).

Why: importing click and building the command's click object costs ~12 ms of CPU before a command can
start (``import click`` ~9 ms after what every command imports anyway, the command ~2 ms, its parse ~1 ms;
measured with ``time.perf_counter`` around each step, best of 3): for ``diagnose``, time before its first
SYN; for every command, import cost (issue 16).
"""

from __future__ import annotations

import enum
import os

from .layer import _Param, flags_of, plain_parameters

TYPE_CHECKING = False  # typing loads after domain's first questions leave (issue 16)
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["read_plain"]



def _digits(text: str) -> bool:
    """One or more of 0-9 (``str.isdigit`` alone also takes other scripts' digits)."""
    return text.isascii() and text.isdigit()


def _is_int(text: str) -> bool:
    """``[+-]?[0-9]+``: what int() and click agree on (no "_", no spaces). Written without ``re``, which
    loads after a command's first datagram (issue 16)."""
    return _digits(text[1:] if text[:1] in ("+", "-") else text)


def _is_float(text: str) -> bool:
    """``[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?``: what float() and click agree on."""
    body = text[1:] if text[:1] in ("+", "-") else text
    mantissa, exponent = body, None
    for mark in "eE":
        if mark in body:
            mantissa, _, exponent = body.partition(mark)
            break
    if exponent is not None and not _is_int(exponent):
        return False
    whole, dot, fraction = mantissa.partition(".")
    if not dot:
        return _digits(whole)
    return (_digits(whole) and (not fraction or _digits(fraction))) or (not whole and _digits(fraction))


def _value(kind, text: str):
    """``text`` as click would convert it to ``kind``, or raise LookupError where click must judge it."""
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        if text not in {m.value for m in kind}:
            raise LookupError(text)
        return kind(text)
    if kind is int and _is_int(text):
        return int(text)
    if kind is float and _is_float(text):
        return float(text)
    if kind is str:
        return text
    raise LookupError(text)  # Path (click checks an existing path), or a value click would refuse


def _flags(name: str, spec: _Param) -> dict[str, tuple[str, bool | None]]:
    """Each spelling of an option -> (parameter, the value a flag sets, or None: takes a value)."""
    out: dict[str, tuple[str, bool | None]] = {}
    for decl in flags_of(name, spec):
        on, _, off = decl.partition("/")
        out[on] = (name, True)
        if off:
            out[off] = (name, False)
    return out


def read_plain(function: Callable, args: list[str], environ=os.environ) -> dict[str, Any] | None:
    """The keyword arguments click would call ``function`` with for ``args``, or ``None``: click must read it."""
    options: dict[str, tuple[str, bool | None]] = {}
    kinds: dict[str, tuple[Any, bool, _Param]] = {}
    positional: list[str] = []
    for name, kind, many, spec in plain_parameters(function):
        kinds[name] = (kind, many, spec)
        if spec.is_argument:
            positional.append(name)
            continue
        if spec.envvar and environ.get(spec.envvar):
            return None
        for flag, (pname, sets) in _flags(name, spec).items():
            options[flag] = (pname, sets if kind is bool else None)
    given: dict[str, Any] = {}
    values: list[str] = []
    rest = list(args)
    while rest:
        token = rest.pop(0)
        if not token.startswith("-") or token == "-":
            values.append(token)
            continue
        flag, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        if flag not in options and not token.startswith("--") and options.get(token[:2], (0, True))[1] is None:
            flag, eq, inline = token[:2], "joined", token[2:]  # -p587: a short option and its value, as click
        if flag not in options:
            return None
        name, sets = options[flag]
        kind, many, _ = kinds[name]
        if sets is not None:
            if eq:
                return None
            given[name] = sets
            continue
        if not eq:
            if not rest or (rest[0].startswith("-") and rest[0] != "-"):
                return None
            inline = rest.pop(0)
        try:
            value = _value(kind, inline)
        except LookupError:
            return None
        if many:
            given.setdefault(name, []).append(value)
        else:
            given[name] = value
    return _with_positionals(kinds, positional, values, given)


def _with_positionals(kinds, positional: list[str], values: list[str], given: dict) -> dict[str, Any] | None:
    for name in positional:
        kind, many, spec = kinds[name]
        if many:
            if not values and spec.default is ...:  # click wants at least one
                return None
            try:
                given[name] = [_value(kind, v) for v in values]
            except LookupError:
                return None
            values = []
        elif values:
            try:
                given[name] = _value(kind, values.pop(0))
            except LookupError:
                return None
        elif spec.default is ...:
            return None
    if values:
        return None
    out: dict[str, Any] = {}
    for name, (kind, many, spec) in kinds.items():
        if name in given:
            out[name] = given[name]
        elif many:  # click hands over its default's values (an empty tuple for none)
            try:
                out[name] = [_value(kind, v) if isinstance(v, str) else _raise(v) for v in spec.default or ()]
            except LookupError:
                return None
        else:
            try:
                out[name] = _default(kind, spec.default)
            except LookupError:
                return None
    return out


def _raise(value):
    raise LookupError(value)


def _default(kind, default):
    """What click hands over for a parameter not given: its default, through the parameter's type."""
    if default is ...:
        raise LookupError("required")
    if kind is bool:  # a --x/--no-x flag may default to None ("decide later"): click hands None over
        if default is not None and not isinstance(default, bool):
            raise LookupError(default)
        return default
    if default is None:
        return None
    if isinstance(default, enum.Enum) and isinstance(kind, type) and isinstance(default, kind):
        return default
    if kind is float and type(default) in (int, float):
        return float(default)
    if type(default) is kind and kind in (int, str):
        return default
    raise LookupError(default)
