"""The plain command-line reader (``cli/plain_args.py``) against click: wherever the reader answers, its
keyword arguments are exactly those click hands the command; everything else it leaves to click."""

from __future__ import annotations

import enum
import importlib
import subprocess
import sys
from typing import List

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpdoctor.cli.app import COMMANDS
from smtpdoctor.cli.layer import App, Command, _command, _kind, parameters
from smtpdoctor.cli.plain_args import read_plain


def _function(name: str):
    app = App("smtpdoctor", "")
    importlib.import_module(f"smtpdoctor.cli.commands.{name.replace('-', '_')}").register(app)
    return app.commands[name].function


FUNCTIONS = {name: _function(name) for name in COMMANDS}


def by_click(function, args: list[str]):
    """What click hands ``function`` for ``args``: ("ok", kwargs) or ("error", message)."""
    seen: list[dict] = []
    command = _command(click, "x", Command(function, None, None), call=lambda f, kwargs: seen.append(kwargs))
    try:
        command.main(list(args), standalone_mode=False)
    except click.exceptions.ClickException as exc:
        return "error", exc.format_message()
    except click.exceptions.Exit as exc:
        return "exit", exc.exit_code
    return "ok", seen[0]


def typed(kwargs: dict) -> dict:
    """Values with their types (10 and 10.0 differ; an Enum member is not its text)."""
    return {k: (type(v).__name__, [(type(i).__name__, i) for i in v] if isinstance(v, list) else v)
            for k, v in kwargs.items()}


def _tokens(function) -> list[str]:
    out = ["--help", "--", "-", "", "5", "-3", "2.5", "1e3", "abc", "x.example", "192.0.2.1", "5_0", " 7", "-vq",
           "--nosuch", "-Z", "json", "text", "a=b"]
    for name, annotation, spec in parameters(function):
        kind, _ = _kind(annotation)
        for decl in spec.decls or ("--" + name.replace("_", "-"),):
            out += decl.split("/")
            out.append(decl.split("/")[0] + "=5")
            if len(decl) == 2:  # a short option: joined to a value, as people write -p587
                out += [decl + "587", decl + "json", decl + "=5", decl + "-3"]
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            out += [m.value for m in kind] + [m.value.upper() for m in kind]
    return out


@pytest.mark.parametrize("name", sorted(COMMANDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_where_the_reader_answers_it_answers_as_click(name, data, monkeypatch):
    for var in ("SMTPDOCTOR_TOKEN",):
        monkeypatch.delenv(var, raising=False)
    function = FUNCTIONS[name]
    args = data.draw(st.lists(st.sampled_from(_tokens(function)), max_size=8))
    plain = read_plain(function, args, environ={})
    if plain is None:
        return
    outcome, value = by_click(function, args)
    assert outcome == "ok", (args, value)
    assert typed(plain) == typed(value), args


@pytest.mark.parametrize("name, args", [
    ("diagnose", ["127.0.0.1", "--port", "587", "--security", "starttls", "--user", "u@x.example", "--password-env",
                  "PW", "--from", "u@x.example", "--to", "a@b.example", "--ports", "25,465,2525", "--ca-file",
                  "/tmp/ca.pem", "--resolver", "127.0.0.1:53", "--dnsbl", "bl.example", "--timeout", "5",
                  "--format", "json"]),
    ("diagnose", ["smtp.example.com", "-p", "465", "-s", "tls", "-v", "--no-color", "--ports="]),
    ("diagnose", ["smtp.example.com", "-p587", "-sstarttls", "-v"]),
    ("explain", ["550 5.7.1 blocked using zen.spamhaus.org", "--format", "json"]),
    ("explain", ["bounces.mbox", "-j1", "-fjson"]),
    ("domain", ["example.com", "bücher.de", "--resolver", "127.0.0.1:53", "--timeout", "1"]),
    ("blacklist", ["192.0.2.1", "example.com", "--dnsbl", "zen.spamhaus.org", "--dnsbl", "bl.spamcop.net"]),
    ("spf", ["example.com", "--ip", "192.0.2.1"]),
])
def test_the_command_lines_people_run_are_read_without_click_as_click_reads_them(name, args):
    plain = read_plain(FUNCTIONS[name], args, environ={})
    assert plain is not None
    assert typed(plain) == typed(by_click(FUNCTIONS[name], args)[1])


@pytest.mark.parametrize("args", [["--help"], ["x.example", "--help"], ["x.example", "--port", "-1"],
                                  ["x.example", "--colour"], ["x.example", "-vq"], ["x.example", "--", "-y"],
                                  [], ["x.example", "--timeout"], ["x.example", "y.example"],
                                  ["x.example", "--format", "JSON"], ["x.example", "--send=yes"]])
def test_help_errors_and_unusual_forms_are_left_to_click(args):
    assert read_plain(FUNCTIONS["diagnose"], args, environ={}) is None


def test_an_option_set_from_the_environment_is_left_to_click():
    assert read_plain(FUNCTIONS["serve"], [], environ={}) is not None
    assert read_plain(FUNCTIONS["serve"], [], environ={"SMTPDOCTOR_TOKEN": "s3cret"}) is None


def test_a_plain_command_line_runs_without_importing_click_and_a_help_with_it():
    code = ("import sys\nfrom smtpdoctor.cli.app import main\nsys.argv = ['smtpdoctor', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    print('exit', exc.code, 'click' in sys.modules, file=sys.stderr)\n")
    plain = subprocess.run([sys.executable, "-c", code, "explain", "550 5.1.1 no such user", "--format", "json"],
                           capture_output=True, text=True, timeout=60)
    assert plain.stderr.strip().splitlines()[-1] == "exit 1 False" and '"5.1.1"' in plain.stdout
    helped = subprocess.run([sys.executable, "-c", code, "explain", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert helped.stderr.strip().splitlines()[-1] == "exit 0 True" and "Usage: smtpdoctor explain" in helped.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_parameters_are_read_from_the_code_as_inspect_reads_them(name):
    import inspect

    function = FUNCTIONS[name]
    expected = [(p.name, p.default) for p in inspect.signature(function).parameters.values()
                if type(p.default).__name__ == "_Param"]
    assert [(n, spec) for n, _, spec in parameters(function)] == expected


def test_a_list_default_and_a_required_list_are_read_as_click_reads_them():
    from smtpdoctor.cli.layer import Argument, Option

    def example(names: List[str] = Argument(..., help="names"),
                ports: List[str] = Option(["25", "587"], "--port", help="ports"),
                tries: int = Option(3, "--tries", help="tries")) -> None:
        """What no command declares today: a required list, a list option with a default."""
    for args in (["a"], ["a", "b", "--port", "465"], ["--tries", "5", "x"]):
        plain = read_plain(example, args, environ={})
        assert plain is not None and typed(plain) == typed(by_click(example, args)[1]), args
    assert read_plain(example, [], environ={}) is None  # a required list with nothing: click says so
    assert by_click(example, [])[0] == "error"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_plain_reader_reads_every_commands_annotations_from_their_text(name, monkeypatch):
    """``plain_parameters`` (no typing, no pathlib) gives what ``parameters`` + ``_kind`` give, a ``Path`` as
    the stand-in the reader hands to click, for every command without falling back to ``get_type_hints``."""
    from pathlib import Path

    from smtpdoctor.cli import layer

    function = FUNCTIONS[name]
    expected = [(n, *_kind(a), spec) for n, a, spec in parameters(function)]
    expected = [(n, layer._Other if kind is Path else kind, many, spec) for n, kind, many, spec in expected]

    def no_typing(function):
        raise AssertionError("plain_parameters fell back to typing.get_type_hints")

    monkeypatch.setattr(layer, "parameters", no_typing)
    assert layer.plain_parameters(function) == expected


def test_an_annotation_the_text_reader_does_not_know_goes_to_typing():
    from smtpdoctor.cli.layer import Option, plain_parameters

    def odd(names: tuple[str, ...] = Option((), "--name", help="n"), size: int = Option(1, "--size", help="s")) -> None:
        """An annotation no command uses."""
    assert [(n, k, m) for n, k, m, _ in plain_parameters(odd)] == [("names", tuple[str, ...], False),
                                                                   ("size", int, False)]
