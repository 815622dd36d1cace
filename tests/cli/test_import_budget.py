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
    assert "smtpdoctor.core.citation" in modules  # the reply cites Spamhaus: its citation is made


def test_explain_of_bounce_files_builds_no_report_classes_or_catalogue():
    from support.corpus import CORPUS

    modules, _ = loaded("run", "explain", "--format", "json", "-j1", str(CORPUS / "eml"))
    assert "smtpdoctor.judge.explain.message" in modules  # the 405 bounces were read and judged
    # a bounce's explanation names a category; core.model's report classes and the finding catalogue are
    # for findings at a known SMTP phase (diagnose), built only where one is made
    assert _present(modules, ("smtpdoctor.core.model", "smtpdoctor.core.catalogue")) == []
    # no bounce of the corpus cites a block list: the citation's class is not defined (issue 16)
    assert _present(modules, ("smtpdoctor.core.citation", "smtpdoctor.judge.citations")) == []
    # the phase rules are a diagnosis's (a reply at a known SMTP phase): made on first use
    assert "smtpdoctor.judge.phase_rules" not in modules
    # codes are read in text (protocol.status_codes): no SMTP reply value is made, its class is not defined
    assert "smtpdoctor.protocol.status_codes" in modules
    assert "smtpdoctor.protocol.replies" not in modules


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
    # the values of the path are records (core.record), not dataclasses: dataclasses brings inspect (issue 16)
    assert _present(modules, ("dataclasses", "inspect")) == []


def test_the_bounce_readers_and_judges_import_no_typing():
    # their annotations are text (issue 16); not through the probe above, which imports tomllib (and typing)
    code = ("import sys, smtpdoctor.cli.commands.explain, smtpdoctor.flows.explain, smtpdoctor.protocol.mime, "
            "smtpdoctor.judge.explain.message, smtpdoctor.report.explain_summary; "
            "print(sorted(n for n in sys.modules if n == 'typing' or n.startswith('smtpdoctor.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    modules = eval(out.stdout)  # noqa: S307 - a list of names printed by the line above
    assert "smtpdoctor.judge.explain.message" in modules
    assert "typing" not in modules


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


# What a diagnosis whose port refuses and whose resolver refuses never uses, loaded where it is used (issue 16):
# the SMTP state machine and the EHLO reader (no connection opened), the TLS facts (no handshake, no HTTPS
# fetch), the AUTH and envelope observations (no AUTH), a blocklist answer's decoder (no answer), the DKIM key
# parser (no TXT record at a selector), SPF's check_host (no --ip), the sending services' ranges (no SPF fix
# for an IP), the blacklist command's stream, the modules of a secret's escaped forms (no password), the
# provider presets' classes (127.0.0.1 matches no preset).
UNUSED_WHEN_REFUSED = ("smtpdoctor.protocol.smtp", "smtpdoctor.protocol.capabilities",
                       "smtpdoctor.core.tls_observations", "smtpdoctor.observe.submission_facts",
                       "smtpdoctor.core.dnsbl_decode", "smtpdoctor.protocol.dkim", "smtpdoctor.protocol.spf.eval",
                       "smtpdoctor.core.esps", "smtpdoctor.flows.blacklist_stream", "smtpdoctor.core.preset_model",
                       "html", "urllib.parse")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_diagnose_of_a_refused_port_loads_only_what_it_uses(fmt):
    modules, _ = loaded("run", "diagnose", "127.0.0.1", "--port", "1", "--ports", "", "--domain", "example.com",
                        "--resolver", "127.0.0.1:1", "--timeout", "1", "--format", fmt)
    ran = ("smtpdoctor.observe.port", "smtpdoctor.flows.blacklist", "smtpdoctor.judge.dns.dkim",
           "smtpdoctor.judge.dns.mta_sts", "smtpdoctor.judge.tls", "smtpdoctor.judge.auth")
    assert _present(modules, ran) == list(ran)  # the port was probed, the lists asked, every check judged
    assert _present(modules, UNUSED_WHEN_REFUSED) == []


def test_the_blocklist_catalogue_module_imports_no_toml_parser():
    # the packaged catalogue comes parsed from core/toml_cache; tomllib only parses a given text (the probe
    # above imports tomllib itself, to count the parses: a bare interpreter here)
    code = "import sys, smtpdoctor.core.dnsbl_zones; print(sorted(n for n in sys.modules if n.startswith('tomllib')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_names_loaded_where_they_are_used_are_still_named_where_they_were():
    from smtpdoctor.core import dnsbl_decode, dnsbl_zones, preset_model, providers
    from smtpdoctor.flows import blacklist, blacklist_stream
    from smtpdoctor.judge.dns import dkim
    from smtpdoctor.observe import facts, submission_facts
    from smtpdoctor.protocol import dkim as dkim_parser

    assert facts.AuthObservation is submission_facts.AuthObservation
    assert facts.EnvelopeObservation is submission_facts.EnvelopeObservation
    assert dnsbl_zones.decode is dnsbl_decode.decode and dnsbl_zones.Decoded is dnsbl_decode.Decoded
    assert blacklist.stream_blacklist is blacklist_stream.stream_blacklist
    assert blacklist.TargetLine is blacklist_stream.TargetLine and blacklist.ListNotes is blacklist_stream.ListNotes
    assert providers.Preset is preset_model.Preset and providers.SignIn is preset_model.SignIn
    assert providers.match("SMTP.gmail.com.") is providers.get("gmail") is not None  # built when one matches
    assert dkim.parse_key_record("s1", "v=DKIM1; p=") == dkim_parser.parse_key_record("s1", "v=DKIM1; p=")
    with pytest.raises(AttributeError):
        facts.NoSuchName  # noqa: B018 — a name never defined is still an AttributeError
