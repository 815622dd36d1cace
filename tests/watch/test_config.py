"""The watch configuration: defaults, intervals, and one clear error per bad line (exit 2 from the CLI)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import build_app
from smtpdoctor.watch.config import ConfigError, parse_config, parse_interval


def test_defaults_and_intervals(monkeypatch):
    monkeypatch.setenv("PW", "s3cret")
    cfg = parse_config("""
[[submission]]
host = "smtp.example.com"
port = 587
user = "me@example.com"
password_env = "PW"
[[domain]]
name = "Bücher.example"
every = "2h"
[[blocklist]]
target = "192.0.2.0/30"
""")
    sub, dom, bl = cfg.targets
    assert (sub.key, sub.interval, sub.password.reveal()) == ("submission:smtp.example.com:587", 300.0, "s3cret")
    assert "s3cret" not in repr(sub)
    assert (dom.key, dom.interval) == ("domain:xn--bcher-kva.example", 7200.0)
    assert bl.interval == 900.0 and bl.options["values"] == ("192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3")
    assert cfg.alerts.channels == ("log",)


@pytest.mark.parametrize("text,seconds", [(30, 30.0), ("30s", 30.0), ("5m", 300.0), ("1.5h", 5400.0), ("1d", 86400.0)])
def test_interval(text, seconds):
    assert parse_interval(text) == seconds


def test_every_bad_line_is_named_once(monkeypatch):
    monkeypatch.delenv("NOPE", raising=False)
    text = """[watch]
timeout = "fast"

[alerts]
webhook = "ftp://x"

[[submission]]
host = "smtp.example.com"
port = 70000
password_env = "NOPE"
colour = "blue"

[[domain]]
name = "not a domain"

[[blocklist]]
target = "999.1.1.1"
every = "soon"
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="w.toml")
    errors = info.value.errors
    assert [e.split(":", 2)[1] for e in errors] == ["2", "5", "9", "10", "11", "14", "17", "18"]
    assert any("submission[1].port" in e for e in errors)
    assert any("NOPE is not set" in e for e in errors)
    assert any("unknown key" in e and "colour" in e for e in errors)


def test_toml_syntax_error_names_its_line():
    with pytest.raises(ConfigError) as info:
        parse_config("[[domain]]\nname = \n", source="w.toml")
    assert info.value.errors[0].startswith("w.toml:2:")


def test_password_in_the_file_is_refused():
    with pytest.raises(ConfigError, match="password_env"):
        parse_config('[[submission]]\nhost = "smtp.example.com"\nuser = "u"\npassword = "x"\n')


def test_cli_bad_config_one_line_per_error_exit_2(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text('[[domain]]\nname = "bad name"\n[[blocklist]]\ntarget = "nope!"\n')
    result = CliRunner().invoke(build_app(), ["watch", str(path), "--once", "--db", str(tmp_path / "db")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"smtpdoctor: error: {path}:") for line in lines)
    assert "Traceback" not in result.output


def test_cli_missing_config_exit_2(tmp_path):
    result = CliRunner().invoke(build_app(), ["watch", str(tmp_path / "none.toml")])
    assert result.exit_code == 2 and "no such file" in result.stderr
