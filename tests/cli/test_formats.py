"""Every command's output options: ``-f`` everywhere, the formats a command lists are the ones that
work, ``--version`` (issue 20)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from smtpdoctor import __version__
from smtpdoctor.cli.app import build_app

runner = CliRunner()


def _commands() -> dict:
    group = build_app()
    return dict(group.commands)


def test_version():
    out = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "--version"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"smtpdoctor {__version__}"
    r = runner.invoke(build_app(), ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"smtpdoctor {__version__}"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_format_option_has_a_short_form_and_lists_only_what_works(name):
    params = [p for p in _commands()[name].params if "--format" in getattr(p, "opts", ())]
    if not params:
        pytest.skip(f"{name} has no --format")
    (param,) = params
    assert "-f" in param.opts, f"{name}: --format without -f"
    listed = set(param.type.choices)  # the choices the help lists
    assert "text" in listed and "json" in listed
    assert listed == {"text", "json", "markdown", "html"}, name  # spf too (tests/cli/test_spf_cli.py)


@pytest.mark.parametrize("fmt, marker", [("html", "<h2>Verdict</h2>"), ("markdown", "## Verdict")])
def test_demo_renders_markdown_and_html(fmt, marker):
    r = runner.invoke(build_app(), ["demo", "--scenario", "auth-wrong-password", "-f", fmt])
    assert r.exit_code == 0, r.output
    assert marker in r.output and "Cause: authentication" in r.output
    if fmt == "html":
        assert r.output.startswith("<!DOCTYPE html>") and r.output.count("<html") == 1


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_explain_renders_what_it_lists(fmt):
    r = runner.invoke(build_app(), ["explain", "550 5.1.1 <a@example.com>: User unknown", "-f", fmt])
    assert r.exit_code in (0, 1) and r.output.strip(), r.output
    if fmt == "html":
        assert "<html" in r.output.lower()
