"""``smtpdoctor domain``: text and JSON Lines output, input order, exit codes, bad usage."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app, main
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer

runner = CliRunner()

ZONE = {
    "good.test": {"MX": ["10 mx1.good.test."], "TXT": ["v=spf1 ip4:192.0.2.25 -all"]},
    "mx1.good.test": {"A": ["192.0.2.25"]},
    "_dmarc.good.test": {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@good.test"]},
    "25.2.0.192.in-addr.arpa": {"PTR": ["mx1.good.test."]},
    "bad.test": {"MX": ["10 mx1.good.test."], "TXT": ["v=spf1 -all"]},
    "slow.test": "TIMEOUT",
    "_dmarc.slow.test": "TIMEOUT",
}


@pytest.fixture(scope="module")
def dns():
    """The lab DNS server on its own thread and loop (the command runs its own asyncio.run)."""
    with in_background(LabDnsServer(ZONE)) as (server,):
        yield server.address


def run(*args):
    return runner.invoke(app, ["domain", *args])


@pytest.fixture
def cli(capsys, monkeypatch):
    """The real console entry point: usage errors become one line on stderr and exit 2."""
    def call(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["smtpdoctor", "domain", *args])
        with pytest.raises(SystemExit) as info:
            main()
        out, err = capsys.readouterr()
        return info.value.code, out, err
    return call


def lines(output):
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_json_lines_in_input_order(dns):
    result = run("bad.test", "Good.Test.", "--resolver", dns, "--format", "json", "--timeout", "1")
    docs = lines(result.stdout)
    assert [d["domain"] for d in docs] == ["bad.test", "good.test"]
    assert all(d["schema"] == "smtpdoctor/domain@1" for d in docs)
    bad = {f["id"] for f in docs[0]["findings"]}
    assert "dmarc.missing" in bad
    assert {r["key"] for r in docs[1]["checklist"]} >= {"spf", "dkim", "dmarc", "ptr"}
    assert result.exit_code == 1  # bad.test has error findings


def test_file_input_keeps_order_and_reports_bad_lines(dns, tmp_path):
    listing = tmp_path / "domains.txt"
    listing.write_text("# senders\ngood.test\n\nnot a domain\nbad.test  # comment\n", encoding="utf-8")
    result = run("--file", str(listing), "--resolver", dns, "--format", "json")
    docs = lines(result.stdout)
    assert [d["input"] for d in docs] == ["good.test", "not a domain", "bad.test"]
    assert docs[1]["findings"][0]["id"] == "domain.invalid-name"


def test_text_output_with_ip(dns):
    result = run("good.test", "--ip", "192.0.2.25", "--resolver", dns)
    assert "== good.test" in result.stdout
    assert "PTR of 192.0.2.25 is mx1.good.test" in result.stdout
    assert "BULK-SENDER CHECKLIST" in result.stdout


def test_timeout_domain_reads_could_not_test(dns):
    result = run("slow.test", "--resolver", dns, "--format", "json", "--timeout", "0.2")
    doc = lines(result.stdout)[0]
    ids = {f["id"] for f in doc["findings"]}
    # the resolver answers other names: the domain's own servers fail, and each topic says so
    assert "mx.lookup-failed" in ids and "dmarc.lookup-failed" in ids
    assert "mx.missing" not in ids and "dmarc.missing" not in ids
    assert "domain.resolver-unusable" not in ids


def test_dead_resolver_is_one_finding_inconclusive_exit_3():
    """Issue 20: a resolver that never answers gives one 'could not test' naming it, not one per topic."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never read: queries time out
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        result = run("good.test", "--resolver", f"127.0.0.1:{port}", "-f", "json", "--timeout", "0.3")
    assert result.exit_code == 3, result.stdout
    doc = lines(result.stdout)[0]
    failed = [f for f in doc["findings"] if f["id"].endswith("lookup-failed") or "resolver" in f["id"]]
    assert [f["id"] for f in failed] == ["domain.resolver-unusable"]
    assert len(failed[0]["remedy"]) == 1 and "--resolver" in failed[0]["remedy"][0]
    assert doc["verdict"]["confidence"] == "inconclusive" and doc["status"] == "inconclusive"
    assert doc["verdict"]["finding"] == "domain.resolver-unusable"


def test_refusing_resolver_is_the_same_finding_and_its_lookups_say_refused():
    """Nothing listens at the resolver's port: the same one finding and exit 3 as a silent resolver, its
    lookups refused (ICMP port unreachable) rather than timed out."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends
    result = run("good.test", "--resolver", f"127.0.0.1:{port}", "-f", "json", "--timeout", "10")
    assert result.exit_code == 3, result.stdout
    doc = lines(result.stdout)[0]
    assert doc["verdict"]["finding"] == "domain.resolver-unusable" and doc["status"] == "inconclusive"
    (unusable,) = [f for f in doc["findings"] if f["id"] == "domain.resolver-unusable"]
    assert unusable["evidence"]["root"]["outcome"] == "refused"
    assert unusable["evidence"]["root"]["failure"]["kind"] == "refused"
    assert all("refused" in lookup["error"] for lookup in unusable["evidence"]["lookups"])


def test_every_object_carries_a_verdict_in_the_guides_order(dns):
    docs = lines(run("bad.test", "good.test", "--resolver", dns, "-f", "json", "--timeout", "1").stdout)
    bad, good = (d["verdict"] for d in docs)
    assert set(bad) == {"category", "finding", "summary", "confidence"}
    assert bad["category"] == "dns" and bad["confidence"] in ("high", "medium")
    assert bad["finding"] in {f["id"] for f in docs[0]["findings"] if f["severity"] == "error"}
    assert good["category"] in ("ok", "dns")


def test_text_leads_with_the_verdict(dns):
    out = run("bad.test", "--resolver", dns, "--timeout", "1").stdout.splitlines()
    assert out[0] == "== bad.test" and out[1].startswith("  VERDICT: dns")


@pytest.mark.parametrize("fmt, first, marker", [("html", "<!DOCTYPE html>", "<h2>Verdict</h2>"),
                                                ("markdown", "# smtpdoctor report: bad.test", "## Verdict")])
def test_markdown_and_html(dns, fmt, first, marker):
    result = run("bad.test", "--resolver", dns, "--format", fmt, "--timeout", "1")
    assert result.exit_code == 1
    assert result.stdout.startswith(first) and marker in result.stdout and "Cause: dns" in result.stdout
    two = run("bad.test", "good.test", "--resolver", dns, "--format", fmt, "--timeout", "1").stdout
    assert two.count(marker) == 2
    if fmt == "html":
        assert two.count("<html") == 1


@pytest.mark.parametrize("args, words", [
    (["x" * 300 + ".com"], "the limit is 253"),
    (["user@example.com"], "e-mail address"),
    ([], "at least one domain"),
    (["a.test", "--ip", "999.1.1.1"], "is not an IP address"),
    (["a.test", "--resolver", "dns.example"], "bad resolver address"),
    (["a.test", "--format", "pdf"], "pdf"),
    (["--file", "/nonexistent/list.txt"], "no such file"),
    (["a.test", "--dkim-selector", "a b"], "not a selector"),
    (["a.test", "--eml", "/nonexistent/m.eml"], "m.eml"),
    (["a.test", "--mta-sts-previous", "nothex"], "expected ID:SHA256"),
])
def test_bad_usage_is_one_line_exit_2(cli, args, words):
    code, out, err = cli(*args)
    assert code == 2
    assert words in err
    assert "Traceback" not in out + err
    assert err.strip().splitlines() == [err.strip()] and err.startswith("smtpdoctor: error: ")


def test_binary_file_is_refused(cli, tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02good.test\n")
    code, _, err = cli("--file", str(blob))
    assert code == 2 and "binary file" in err


def test_eml_is_verified_for_each_domain(dns, tmp_path):
    message = tmp_path / "m.eml"
    message.write_bytes(b"From: a@good.test\r\nSubject: hi\r\n\r\nbody\r\n")
    result = run("good.test", "--eml", str(message), "--resolver", dns, "--format", "json")
    doc = lines(result.stdout)[0]
    unsigned = next(f for f in doc["findings"] if f["id"] == "dkim.no-signature")
    assert unsigned["evidence"]["file"] == str(message)


async def test_dnsbl_adds_the_blocklist_findings_of_the_domain_and_the_ip():
    import json
    import subprocess
    import sys

    from smtpdoctor.lab.world import BLOCKLIST_ZONE, LabWorld

    async with LabWorld(listed=("192.0.2.99",)) as world:
        out = await asyncio.to_thread(subprocess.run, [
            sys.executable, "-m", "smtpdoctor.cli.app", "domain", "lab.test", "--ip", "192.0.2.99",
            "--resolver", world.resolver, "--dnsbl", BLOCKLIST_ZONE, "--format", "json"],
            capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stderr  # the IP is listed: an error finding
    found = [f for f in json.loads(out.stdout)["findings"] if f["id"].startswith("dnsbl.")]
    assert [f["id"] for f in found] == ["dnsbl.listed", "dnsbl.not-listed"]
    assert "192.0.2.99" in json.dumps(found[0]["evidence"])


def test_a_resolver_that_denies_the_root_is_not_believed_about_ptr_either():
    with in_background(LabDnsServer({})) as (server,):
        result = run("example.com", "--ip", "203.0.113.9", "--resolver", server.address, "-f", "json")
    doc = lines(result.stdout)[0]
    assert [f["id"] for f in doc["findings"]] == ["domain.resolver-broken"]
    assert result.exit_code == 3 and doc["verdict"]["confidence"] == "inconclusive"


@pytest.mark.parametrize("paused", [False, True])
def test_the_garbage_collector_is_as_the_caller_left_it(dns, paused):
    """The command loads the audit's modules with the collector paused and their objects frozen; afterwards
    the collector runs (or stays paused, if the caller had paused it) and nothing stays frozen."""
    import gc

    assert gc.get_freeze_count() == 0
    if paused:
        gc.disable()
    try:
        result = run("good.test", "--resolver", dns, "--format", "json", "--timeout", "1")
        assert gc.isenabled() is not paused
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()
    assert lines(result.stdout)[0]["domain"] == "good.test"


def test_an_import_that_fails_while_loading_gives_the_collector_back(dns, monkeypatch):
    """The audit's modules load with the collector paused: when one cannot be imported (or Ctrl-C lands
    there), the collector is given back as the caller had it and nothing stays frozen."""
    import gc
    import sys

    import smtpdoctor.net.dns  # noqa: F401 - so that monkeypatch puts it back afterwards

    monkeypatch.setitem(sys.modules, "smtpdoctor.net.dns", None)  # importing it now fails
    assert gc.isenabled() and gc.get_freeze_count() == 0
    result = run("good.test", "--resolver", dns, "--format", "json", "--timeout", "1")
    assert isinstance(result.exception, ImportError)
    assert gc.isenabled() and gc.get_freeze_count() == 0
