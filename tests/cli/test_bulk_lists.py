"""Bulk runs as a user makes them: a range ends with a total, CSV exports with a header, a summary table (text)
or one summary object only with --summary (JSON Lines), the progress bar on stderr only, only after a second."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from smtpdoctor.cli.app import app
from smtpdoctor.cli.common import UsageError
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.blocklists import dnsbl_records
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.report.progress import LateBar

runner = CliRunner()

ZONES = ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")
DOMAINS = {
    "good.test": {"MX": ["10 mx1.good.test."], "TXT": ["v=spf1 ip4:192.0.2.25 -all"]},
    "mx1.good.test": {"A": ["192.0.2.25"]},
    "_dmarc.good.test": {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@good.test"]},
    "bad.test": {"MX": ["10 mx1.good.test."], "TXT": ["v=spf1 -all"]},
}


@pytest.fixture(scope="module")
def dns():
    records = dict(DOMAINS)
    # 127.0.0.2 is every list's RFC 5782 test point (listed on all three); 127.0.0.9 only on SpamCop.
    records.update(dnsbl_records(ZONES[0]))
    records.update(dnsbl_records(ZONES[1], {"127.0.0.9": "127.0.0.2"}))
    records.update(dnsbl_records(ZONES[2]))
    with in_background(LabDnsServer(records)) as (server,):
        yield server.address


def _zones() -> list[str]:
    return [a for z in ZONES for a in ("--dnsbl", z)]


def test_a_range_ends_with_the_total(dns):
    r = runner.invoke(app, ["blacklist", "127.0.0.0/28", "--resolver", dns, *_zones()])
    assert r.exit_code == 1, r.output
    tail = r.stdout[r.stdout.index("Summary:"):].splitlines()
    assert tail[0] == "Summary: 2 of 16 listed, on 3 lists"
    rows = {line.split()[0]: int(line.split()[1]) for line in tail[2:]}
    assert rows == {"bl.spamcop.net": 2, "zen.spamhaus.org": 1, "b.barracudacentral.org": 1}


def test_csv_with_header_first_column_or_named_column(dns, tmp_path):
    export = tmp_path / "senders.csv"
    export.write_text("# exported from the ESP\nname,ip,notes\n\nnews,127.0.0.9,\"main, pool\"\n# paused\n"
                      "billing,127.0.0.20,\n", encoding="utf-8")
    r = runner.invoke(app, ["blacklist", "--file", str(export), "--column", "IP", "--resolver", dns,
                            "--format", "json", *_zones()])
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["value"] for o in objs] == ["127.0.0.9", "127.0.0.20"]  # one object per input, no summary
    assert [o["listed"] for o in objs] == [True, False]
    r = runner.invoke(app, ["blacklist", "--file", str(export), "--resolver", dns, *_zones()])
    message = str(r.exception)  # a UsageError: one line on stderr, exit 2, by the console entry point
    assert isinstance(r.exception, UsageError) and "line 4" in message and "'news'" in message  # names, not IPs
    r = runner.invoke(app, ["blacklist", "--file", str(export), "--column", "addr", "--resolver", dns])
    assert isinstance(r.exception, UsageError)
    assert "no column 'addr'" in str(r.exception) and "name, ip, notes" in str(r.exception)


def test_json_summary_object_only_when_asked(dns):
    args = ["blacklist", "127.0.0.8/30", "--resolver", dns, "--format", "json", *_zones()]
    plain = [json.loads(line) for line in runner.invoke(app, args).stdout.splitlines()]
    assert len(plain) == 4 and all("value" in o for o in plain)
    asked = [json.loads(line) for line in runner.invoke(app, [*args, "--summary"]).stdout.splitlines()]
    assert asked[:4] == plain and len(asked) == 5
    assert asked[4]["summary"] == {"checked": 4, "listed": 1, "unverified": 0, "lists": {"bl.spamcop.net": 1},
                                   "text": "1 of 4 listed, on 1 list"}


def test_domain_csv_ends_with_a_summary_table(dns, tmp_path):
    export = tmp_path / "domains.csv"
    export.write_text("Domain;Owner\ngood.test;web team\n\nbad.test;shop\n", encoding="utf-8")
    j = runner.invoke(app, ["domain", "--file", str(export), "--resolver", dns, "--timeout", "1",
                            "--format", "json", "--summary"])
    objs = [json.loads(line) for line in j.stdout.splitlines()]
    assert [o.get("domain") for o in objs[:2]] == ["good.test", "bad.test"] and len(objs) == 3
    errors = sum(o["status"] == "error" for o in objs[:2])
    assert objs[2]["summary"]["audited"] == 2 and objs[2]["summary"]["with_errors"] == errors
    assert objs[2]["summary"]["error_areas"]["dmarc"] == 1  # bad.test has no DMARC record
    r = runner.invoke(app, ["domain", "--file", str(export), "--resolver", dns, "--timeout", "1"])
    assert [line for line in r.stdout.splitlines() if line.startswith("== ")] == ["== good.test", "== bad.test"]
    summary = r.stdout[r.stdout.index("Summary:"):].splitlines()
    assert summary[0].startswith(f"Summary: {errors} of 2 domains with errors")
    assert summary[1].split() == ["errors", "in", "domains"]
    assert {row.split()[0]: int(row.split()[1]) for row in summary[2:]} == objs[2]["summary"]["error_areas"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_only_after_a_second():
    assert LateBar.on(io.StringIO(), 10, "x") is None  # a pipe or a file: never
    assert LateBar.on(_Tty(), 1, "x") is None  # one input: nothing to show
    err = _Tty()
    now = [100.0]
    bar = LateBar(err, 3, "blocklists", clock=lambda: now[0])
    bar.advance()
    now[0] += 0.9
    bar.advance()
    assert err.getvalue() == ""  # a quick run shows nothing
    now[0] += 0.2  # past the second
    bar.advance()
    bar.close()
    assert "3/3" in err.getvalue()
