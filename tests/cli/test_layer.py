"""The CLI layer (smtpdoctor/cli/layer.py): signatures in, click commands out, values typed as declared."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import List, Optional

from click.testing import CliRunner

from smtpdoctor.cli.layer import App, Argument, Exit, Option, to_click


class Colour(enum.Enum):
    red = "red"
    blue = "blue"


def _app(seen: dict) -> App:
    app = App("tool", "A test tool.")

    @app.command("paint", epilog="\b\nExample:\n  tool paint a b --size 3")
    def paint(
        things: List[str] = Argument(None, help="What to paint.", show_default=False),
        size: int = Option(1, "--size", "-s", help="How big."),
        ratio: Optional[float] = Option(None, "--ratio", help="A ratio."),
        out: Optional[Path] = Option(None, "--out", help="Where to."),
        colour: Colour = Option(Colour.red, "--colour", "-c", help="Which colour."),
        tag: List[str] = Option([], "--tag", help="Repeatable."),
        summary: bool = Option(None, "--summary/--no-summary", help="Three states."),
        dry: bool = Option(False, "--dry", help="A flag."),
    ) -> None:
        """Paint things."""
        seen.update(things=things, size=size, ratio=ratio, out=out, colour=colour, tag=tag, summary=summary, dry=dry)
        raise Exit(3 if dry else 0)

    @app.command("need")
    def need(host: str = Argument(..., help="A host.")) -> None:
        seen["host"] = host

    return app


def test_values_arrive_typed_as_declared():
    seen: dict = {}
    group = to_click(_app(seen))
    r = CliRunner().invoke(group, ["paint", "a", "b", "-s", "3", "--ratio", "0.5", "--out", "x.txt", "-c", "blue",
                                   "--tag", "t1", "--tag", "t2", "--no-summary"])
    assert r.exit_code == 0, r.output
    assert seen == {"things": ["a", "b"], "size": 3, "ratio": 0.5, "out": Path("x.txt"), "colour": Colour.blue,
                    "tag": ["t1", "t2"], "summary": False, "dry": False}


def test_defaults_and_a_three_state_flag_left_unset():
    seen: dict = {}
    r = CliRunner().invoke(to_click(_app(seen)), ["paint", "--dry"])
    assert r.exit_code == 3  # Exit(code) is the exit status
    assert seen["things"] == [] and seen["tag"] == [] and seen["summary"] is None and seen["colour"] is Colour.red


def test_help_shows_metavars_defaults_arguments_and_the_epilog():
    out = CliRunner().invoke(to_click(_app({})), ["paint", "--help"]).output
    assert "Usage: tool paint [OPTIONS] [things]..." in out
    assert "things... <list[str]>" in out and "What to paint." in out
    assert "-s, --size <int>" in out and "[default: 1]" in out
    assert "-c, --colour <red|blue>" in out and "[default: red]" in out
    assert "--summary / --no-summary" in out and "--tag <list[str]>" in out
    assert out.rstrip().endswith("tool paint a b --size 3")


def test_usage_errors_are_click_usage_errors_with_exit_2():
    runner = CliRunner()
    group = to_click(_app({}))
    missing = runner.invoke(group, ["need"])
    assert missing.exit_code == 2 and "Missing argument 'host'." in missing.output
    bad = runner.invoke(group, ["paint", "--size", "big"])
    assert bad.exit_code == 2 and "'big' is not a valid integer" in bad.output
    choice = runner.invoke(group, ["paint", "-c", "green"])
    assert choice.exit_code == 2 and "'green' is not one of 'red', 'blue'" in choice.output


def test_declaring_a_command_imports_no_click():
    import subprocess
    import sys

    code = ("import sys; import smtpdoctor.cli.commands.explain, smtpdoctor.cli.layer\n"
            "assert 'click' not in sys.modules, sorted(m for m in sys.modules if 'click' in m)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
