"""``smtpdoctor blacklist`` as a user runs it, against lab zones."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app, main

from smtpdoctor.lab.blocklists import dnsbl_records
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, ["blacklist", *args], input=input)


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the real console entry point (``main``): usage errors become one line on stderr and exit 2."""
    def call(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["smtpdoctor", "blacklist", *args])
        with pytest.raises(SystemExit) as info:
            main()
        out, err = capsys.readouterr()
        return info.value.code, out, err
    return call


@pytest.fixture(scope="module")
def lab():
    recs = dnsbl_records("zen.spamhaus.org", {"192.0.2.1": "127.0.0.2", "192.0.2.2": "127.0.0.10",
                                              "192.0.2.3": "127.255.255.254"},
                         txt={"192.0.2.1": "SBL: https://check.spamhaus.org/sbl/query/SBL1"})
    recs.update(dnsbl_records("bl.spamcop.net", {"192.0.2.1": "127.0.0.2"}))
    recs.update(dnsbl_records("dbl.spamhaus.org", {"dbltest.com": "127.0.1.2", "spam.example": "127.0.1.4"},
                              kinds=[]))
    recs.update(dnsbl_records("dead.lab.test", unlisted_answer="127.0.0.2"))
    recs.update(dnsbl_records("dead2.lab.test", unlisted_answer="127.0.0.2"))
    with in_background(LabDnsServer(recs)) as (server,):
        yield server


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_listed_ip_text_output_and_exit_1(lab):
    r = run("192.0.2.1", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--dnsbl", "bl.spamcop.net")
    assert r.exit_code == 1, r.output
    assert "192.0.2.1: LISTED on 2 of 2 lists" in r.output
    assert "SBL: a spam source" in r.output
    assert "https://check.spamhaus.org/sbl/query/SBL1" in r.output


def test_clean_ip_exit_0(lab):
    r = run("192.0.2.9", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--dnsbl", "bl.spamcop.net")
    assert r.exit_code == 0, r.output
    assert "192.0.2.9: not listed (2 of 2 lists answered)" in r.output


def test_json_lines_one_object_per_input_in_order(lab):
    r = run("192.0.2.1", "192.0.2.9", "spam.example", "--resolver", lab.address, "--format", "json",
            "--dnsbl", "zen.spamhaus.org", "--dnsbl", "dbl.spamhaus.org")
    assert r.exit_code == 1
    objs = lines(r.output)
    assert [o["value"] for o in objs] == ["192.0.2.1", "192.0.2.9", "spam.example"]
    assert [o["listed"] for o in objs] == [True, False, True]
    first = objs[0]["results"][0]
    assert first == {"zone": "zen.spamhaus.org", "list": "Spamhaus ZEN", "status": "listed",
                     "codes": ["127.0.0.2"], "meaning": first["meaning"], "weight": "high",
                     "reason": "SBL: https://check.spamhaus.org/sbl/query/SBL1",
                     "delist": "https://check.spamhaus.org/"}
    assert objs[2]["results"][0]["meaning"] == "phishing domain"
    assert objs[1]["findings"][0]["id"] == "dnsbl.not-listed"


def test_pbl_only_is_a_warning_exit_0(lab):
    r = run("192.0.2.2", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--format", "json")
    assert r.exit_code == 0
    (obj,) = lines(r.output)
    (f,) = [f for f in obj["findings"] if f["id"] == "dnsbl.listed"]
    assert f["severity"] == "warning"


def test_error_code_is_refused_not_listed_and_inconclusive(lab):
    r = run("192.0.2.3", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--format", "json")
    assert r.exit_code == 3  # the only list refused: not tested, not "not listed"
    (obj,) = lines(r.output)
    assert obj["listed"] is False
    assert obj["results"][0]["status"] == "refused"
    assert [f["id"] for f in obj["findings"]] == ["dnsbl.query-refused", "dnsbl.untested"]
    assert obj["verdict"]["confidence"] == "inconclusive" and obj["verdict"]["finding"] == "dnsbl.untested"


def test_broken_zone_is_reported_once_in_text(lab):
    r = run("192.0.2.9", "192.0.2.8", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org",
            "--dnsbl", "dead.lab.test")
    assert r.exit_code == 0
    assert r.output.count("The list dead.lab.test is broken") == 1
    assert "Notes on the lists:" in r.output


def test_everything_listed_says_could_not_be_checked(lab):
    r = run("192.0.2.9", "--resolver", lab.address, "--dnsbl", "dead.lab.test", "--dnsbl", "dead2.lab.test")
    assert r.exit_code == 3
    assert "192.0.2.9: INCONCLUSIVE" in r.output
    assert "Every list says 'listed'" in r.output


def test_cidr_expands_to_one_object_per_address(lab):
    r = run("192.0.2.0/30", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--format", "json")
    objs = lines(r.output)
    assert [o["value"] for o in objs] == ["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert {o["input"] for o in objs} == {"192.0.2.0/30"}
    assert r.exit_code == 1


def test_file_input_and_stdin(lab, tmp_path):
    f = tmp_path / "hosts.txt"
    f.write_text("# servers\n192.0.2.9\n\nspam.example\n")
    r = run("--file", str(f), "--resolver", lab.address, "--dnsbl", "all", "--dnsbl", "zen.spamhaus.org",
            "--format", "json", "--timeout", "1")
    assert [o["value"] for o in lines(r.output)] == ["192.0.2.9", "spam.example"]
    r = run("--file", "-", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--format", "json",
            input="192.0.2.1\n")
    assert lines(r.output)[0]["listed"] is True


def test_dead_zone_only_is_usage_error(lab, cli):
    code, out, err = cli("192.0.2.9", "--resolver", lab.address, "--dnsbl", "dnsbl.sorbs.net")
    assert code == 2 and out == ""
    assert "known dead" in err


@pytest.mark.parametrize("args, words", [
    (["999.1.1.1"], "0 to 255"),
    (["1.2.3"], "3 parts"),
    (["fe80::1%eth0"], "zone index"),
    (["10.0.0.0/8"], "/24"),
    (["2001:db8::/64"], "/120"),
    (["exa mple.com"], "spaces"),
    ([], "nothing to look up"),
    (["192.0.2.1", "--dnsbl", "not a zone"], "not a DNS zone name"),
    (["192.0.2.1", "--resolver", "nonsense"], "bad resolver address"),
    (["192.0.2.1", "--format", "pdf"], "pdf"),
    (["192.0.2.1", "--concurrency", "0"], "--concurrency"),
])
def test_bad_input_is_one_line_and_exit_2(cli, args, words):
    code, out, err = cli(*args)
    assert code == 2, err
    assert words in err and err.startswith("smtpdoctor: error: ")
    assert "Traceback" not in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_empty_binary_and_missing_files(cli, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "bin.dat"
    binary.write_bytes(b"\x00\x01\x02")
    for path, words in ((empty, "holds no addresses"), (binary, "binary"), (tmp_path / "nope", "no such file")):
        code, out, err = cli("--file", str(path))
        assert code == 2 and words in err, err


def test_no_progress_bar_when_not_a_terminal(lab):
    r = run("192.0.2.0/29", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "--format", "json")
    assert all(line.startswith("{") for line in r.output.splitlines())


@pytest.fixture(scope="module")
def denying_resolver():
    """A resolver that answers NXDOMAIN for every name, as an offline machine's or a captive portal's does."""
    with in_background(LabDnsServer({})) as (server,):
        yield server


def test_offline_blacklist_is_inconclusive_exit_3_with_one_finding(denying_resolver):
    """Issue 20: offline, every list fails its test points; that is 'could not test', not 'not listed'."""
    r = run("203.0.113.9", "--resolver", denying_resolver.address, "--format", "json")
    assert r.exit_code == 3, r.output
    (obj,) = lines(r.output)
    assert obj["verdict"] == {"category": "blacklist", "finding": "dnsbl.untested", "confidence": "inconclusive",
                              "summary": obj["findings"][0]["title"]}
    # one finding naming the common cause (the resolver) with one remedy, not one note per list
    (finding,) = obj["findings"]
    assert "resolver" in finding["title"] and len(finding["remedy"]) == 1 and "--resolver" in finding["remedy"][0]
    text = run("203.0.113.9", "--resolver", denying_resolver.address)
    assert text.exit_code == 3
    first = text.output.splitlines()[0]
    assert first.startswith("203.0.113.9: INCONCLUSIVE") and "resolver" in first
    assert "not listed" not in first and "Notes on the lists" not in text.output


def test_refusing_resolver_is_the_same_verdict_and_every_list_says_refused():
    """Nothing listens at the resolver's port: the same 'could not test' (exit 3), each list's reason a
    refusal (the kernel's ICMP port unreachable), not a timeout waited out."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends
    r = run("192.0.2.1", "--resolver", f"127.0.0.1:{port}", "--format", "json", "--timeout", "10")
    assert r.exit_code == 3, r.output
    (obj,) = lines(r.output)
    assert obj["verdict"]["finding"] == "dnsbl.untested" and obj["verdict"]["confidence"] == "inconclusive"
    assert [f["id"] for f in obj["findings"]] == ["dnsbl.untested"]
    assert obj["results"] and all(res["status"] == "failed" and f"127.0.0.1:{port} refused" in res["why"]
                                  for res in obj["results"])


def test_every_object_carries_a_verdict_and_text_leads_with_it(lab):
    r = run("192.0.2.1", "192.0.2.9", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "-f", "json")
    listed, clean = lines(r.output)
    assert listed["verdict"]["category"] == "blacklist" and listed["verdict"]["finding"] == "dnsbl.listed"
    assert listed["verdict"]["confidence"] == "high"
    assert clean["verdict"] == {"category": "ok", "finding": None, "confidence": "high",
                                "summary": clean["verdict"]["summary"]}
    assert r.exit_code == 1


@pytest.mark.parametrize("fmt, marker", [("markdown", "## Verdict"), ("html", "<h2>Verdict</h2>")])
def test_markdown_and_html_lead_with_the_verdict(lab, fmt, marker):
    r = run("192.0.2.1", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "-f", fmt)
    assert r.exit_code == 1, r.output
    assert marker in r.output and "Cause: blacklist" in r.output
    assert r.output.index(marker) < r.output.index("Findings")
    if fmt == "html":
        assert r.output.startswith("<!DOCTYPE html>") and r.output.count("<html") == 1
        two = run("192.0.2.1", "192.0.2.9", "--resolver", lab.address, "--dnsbl", "zen.spamhaus.org", "-f", fmt)
        assert two.output.count("<html") == 1 and two.output.count("<h2>Verdict</h2>") == 2


_MODULES_PROBE = r"""
import contextlib, io, json, sys
sys.argv = ["smtpdoctor", *sys.argv[1:]]
from smtpdoctor.cli.app import main
out, code = io.StringIO(), None
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_a_blacklist_run_reads_its_answers_without_dnspythons_message_parser(lab):
    # The import cost of `blacklist` (bench/startup.py measures it) is asserted here by the modules a whole
    # run loads in a fresh interpreter: the sweep reads its A/TXT answers by hand (net/dns_wire), so neither
    # dnspython's message and rdata parsers nor its resolver are imported, nor the report's rich renderer.
    import subprocess

    out = subprocess.run([sys.executable, "-c", _MODULES_PROBE, "blacklist", "192.0.2.1", "--resolver", lab.address,
                          "--dnsbl", "zen.spamhaus.org"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["code"] == 1 and "192.0.2.1: LISTED on 1 of 1 lists" in data["out"]
    modules = set(data["modules"])
    assert "smtpdoctor.net.udp_mux" in modules
    heavy = ("dns.message", "dns.rdata", "dns.resolver", "dns.asyncquery", "dns.name", "rich", "cryptography",
             "email", "jinja2", "starlette", "dkim", "concurrent.futures.process")
    assert [m for m in heavy if m in modules] == []
