"""Each command pays only for what it uses: asserted by the modules a fresh interpreter has loaded.

Not by time (timings on a shared machine are noise; ``bench/startup.py`` measures them). Each case runs in
its own interpreter, counts every knowledge file read (parsed, or from its cache) and reports ``sys.modules``.
``127.0.0.1:1`` is a resolver that refuses at once (nothing listens on port 1), so the runs do their whole
flow offline.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from smtpdoctor.cli.app import COMMANDS

# What no command's start-up may load: the TLS stack, the web page, X.509, DKIM signing, rich's renderer,
# typer and the pydantic it coerces with (the CLI layer is click: smtpdoctor/cli/layer.py says why).
NEVER_AT_START = ("ssl", "starlette", "jinja2", "uvicorn", "cryptography.x509", "dkim", "rich", "dns.resolver",
                  "asyncio", "typer", "pydantic")
WEB_STACK = ("starlette", "jinja2", "uvicorn", "multipart", "httpx", "httpx2", "httpcore2", "h2")

_PROBE = r"""
import io, json, sys, contextlib, tomllib
parses = []
_loads = tomllib.loads
tomllib.loads = lambda *a, **k: (parses.append(1), _loads(*a, **k))[1]
import smtpdoctor.core.toml_cache as toml_cache  # a knowledge file read from its parsed cache counts too
_read = toml_cache.load_toml
toml_cache.load_toml = lambda *a, **k: (parses.append(1), _read(*a, **k))[1]
mode, args = sys.argv[1], sys.argv[2:]
if mode == "import":
    import importlib
    importlib.import_module(args[0])
else:
    sys.argv = ["smtpdoctor", *args]
    from smtpdoctor.cli.app import main
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit:
            pass
print(json.dumps({"modules": sorted(sys.modules), "toml_parses": len(parses)}))
"""


def loaded(mode: str, *args: str) -> tuple[set[str], int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return set(data["modules"]), data["toml_parses"]


def _present(modules: set[str], names) -> list[str]:
    return [n for n in names if n in modules]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_importing_a_command_loads_nothing_heavy_and_parses_no_knowledge(name):
    modules, parses = loaded("import", f"smtpdoctor.cli.commands.{name.replace('-', '_')}")
    assert _present(modules, NEVER_AT_START + ("click",)) == []  # click comes when a command is built
    assert parses == 0, "a knowledge file was parsed at import time"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_help_loads_only_the_cli_layer(name):
    modules, parses = loaded("run", name, "--help")
    assert _present(modules, NEVER_AT_START) == []
    assert parses == 0
    others = {f"smtpdoctor.cli.commands.{n.replace('-', '_')}" for n in COMMANDS if n != name}
    assert sorted(others & modules) == [], "other commands were imported for one command's help"


def test_explain_of_a_reply_loads_no_tls_web_x509_or_dkim():
    modules, parses = loaded("run", "explain", "550 5.7.1 Service unavailable; client host blocked using Spamhaus")
    assert _present(modules, ("ssl", "starlette", "jinja2", "cryptography.x509", "dkim", "asyncio")) == []
    # reply text needs no message reader: the email package and the bounce formats come with a file
    assert _present(modules, ("email.feedparser", "smtpdoctor.judge.explain.message")) == []
    assert parses > 0  # the reply rules and the catalogue are read on first use, not at import


def test_explain_of_bounce_files_builds_no_report_classes_or_catalogue():
    from support.corpus import CORPUS

    modules, _ = loaded("run", "explain", "--format", "json", "-j1", str(CORPUS / "eml"))
    assert "smtpdoctor.judge.explain.message" in modules  # the 405 bounces were read and judged
    # a bounce's explanation names a category; core.model's report classes and the finding catalogue are
    # for findings at a known SMTP phase (diagnose), built only where one is made
    assert _present(modules, ("smtpdoctor.core.model", "smtpdoctor.core.catalogue")) == []


def test_explain_of_named_bounce_files_loads_no_email_parser_pathlib_or_bulk_options():
    from support.corpus import CORPUS

    files = sorted(str(p) for p in (CORPUS / "eml").glob("*.eml"))
    modules, _ = loaded("run", "explain", "--format", "json", "--no-progress", *files)
    assert "smtpdoctor.judge.explain.message" in modules
    # the hand MIME reader reads every corpus message (a bare CR in a body, an 8-bit To included); a name is
    # read as pathlib reads it without pathlib; no bulk option given, none is checked
    assert _present(modules, ("email.feedparser", "email.parser", "pathlib", "urllib.parse",
                              "smtpdoctor.scale.options")) == []


@pytest.mark.parametrize("args", [
    ("domain", "example.com", "--resolver", "127.0.0.1:1", "--timeout", "0.3"),
    ("blacklist", "192.0.2.1", "--resolver", "127.0.0.1:1", "--timeout", "0.3"),
    ("spf", "example.com", "--ip", "192.0.2.1", "--resolver", "127.0.0.1:1", "--timeout", "0.3"),
])
def test_dns_commands_load_no_web_stack(args):
    modules, _ = loaded("run", *args)
    assert "smtpdoctor.net.udp_mux" in modules  # the command really ran its DNS flow (the facade's UDP layer)
    assert _present(modules, WEB_STACK) == []


def test_explain_of_named_bounce_files_loads_no_email_parser_pathlib_or_bulk_options():
    from support.corpus import CORPUS

    files = sorted(str(p) for p in (CORPUS / "eml").glob("*.eml"))
    modules, _ = loaded("run", "explain", "--format", "json", "--no-progress", *files)
    assert "smtpdoctor.judge.explain.message" in modules
    # the hand MIME reader reads every corpus message (a bare CR in a body, an 8-bit To included); a name is
    # read as pathlib reads it without pathlib; no bulk option given, none is checked
    assert _present(modules, ("email.feedparser", "email.parser", "pathlib", "urllib.parse",
                              "smtpdoctor.scale.options")) == []


@pytest.mark.parametrize("args", [
    ("domain", "example.com", "--resolver", "127.0.0.1:1", "--timeout", "0.3"),
    ("domain", "example.com", "--resolver", "127.0.0.1:1", "--timeout", "0.3", "--ip", "192.0.2.1"),
    ("spf", "example.com", "--ip", "192.0.2.1", "--resolver", "127.0.0.1:1", "--timeout", "0.3"),
])
def test_domain_and_spf_load_what_their_answers_need(args):
    # no DNSSEC signature to check: no dnspython (the answers are read by net/dns_wire); no DKIM key: no
    # cryptography; no BIMI record: no XML reader; text without rich (issue 16)
    modules, _ = loaded("run", *args)
    assert "smtpdoctor.net.udp_mux" in modules
    assert sorted(n for n in modules if n == "dns" or n.startswith("dns.")) == []
    assert _present(modules, ("cryptography", "defusedxml", "rich", "importlib.metadata",
                              "importlib.resources")) == []


def test_diagnose_writes_its_text_report_without_rich_into_a_pipe():
    # the text report is laid out by hand (report/text_plain.py); rich is for colour on a terminal
    modules, _ = loaded("run", "diagnose", "127.0.0.1", "--port", "1", "--ports", "", "--domain", "example.com",
                        "--resolver", "127.0.0.1:1", "--timeout", "1")
    assert _present(modules, ("smtpdoctor.report.text_plain", "smtpdoctor.flows.domain")) == [
        "smtpdoctor.report.text_plain", "smtpdoctor.flows.domain"]  # the report was written, the domain audited
    assert _present(modules, ("rich", "smtpdoctor.report.text_rich", "smtpdoctor.report.ticket")) == []
    assert _present(modules, ("defusedxml", "xml.etree.ElementTree")) == []  # no BIMI record: no files to read
