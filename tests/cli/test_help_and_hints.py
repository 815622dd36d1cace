"""Every command's --help ends with a worked example; usage errors say how to fix them."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import COMMANDS, build_app, main
from smtpdoctor.cli.examples import EXAMPLES

runner = CliRunner()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_ends_with_a_worked_example(name):
    result = runner.invoke(build_app(), [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    tail = result.output[result.output.index("Example:"):]
    assert f"smtpdoctor {name}" in tail
    assert EXAMPLES[name][0] in tail  # printed as written, not re-wrapped


@pytest.mark.parametrize("argv, words", [
    (["diagnose", "smtp.example.com", "--port", "70000"], "port must be 1–65535"),
    (["diagnose", "smtp.example.com", "--port", "abc"], "1–65535"),
    (["diagnose"], "see 'smtpdoctor diagnose --help' for an example"),
    (["blacklist", "192.0.2.1", "--colum", "ip"], "see 'smtpdoctor blacklist --help' for an example"),
    (["domain", "example.com", "--column", "domain"], "--column goes with --file"),
])
def test_usage_errors_suggest_the_fix(argv, words, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["smtpdoctor", *argv])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err
    assert info.value.code == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
