"""``smtpdoctor reports`` on the command line: the sample reports, rows for analysts, hostile and broken
inputs named on stderr with everything else still counted."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "parsedmarc" / "samples"


def run(*args):
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "reports", *args], capture_output=True,
                          env=env, timeout=120)


def test_samples_json_totals_and_skipped_file_named():
    out = run(str(SAMPLES), "--no-dns", "--format", "json")
    assert out.returncode == 1  # the TLS reports hold failures
    doc = json.loads(out.stdout)
    assert doc["totals"] == {"inputs": 26, "dmarc_reports": 21, "records": 99, "messages": 12336,
                             "dmarc_pass": 12322, "tls_reports": 4, "skipped": 1}
    assert doc["verdict"]["finding"] == "tls-report.failures"
    assert out.stderr.decode().splitlines() == [
        f"smtpdoctor: skipped {SAMPLES}/aggregate/invalid_xml.xml: not well-formed XML (not well-formed "
        "(invalid token): line 5, column 17)"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_rows_for_analysts(tmp_path, suffix):
    target = tmp_path / f"rows{suffix}"
    out = run(str(SAMPLES / "aggregate"), "--no-dns", "--format", "json", "-o", str(target))
    assert out.returncode == 0, out.stderr
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in target.read_text().splitlines()]
    elif suffix == ".csv":
        rows = list(csv.DictReader(target.open()))
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(target).to_pylist()
    assert len(rows) == 19 and sum(int(r["count"]) for r in rows) == 148  # the agreement table, summed
    assert {r["source_ip"] for r in rows if r["dmarc"] == "pass"} >= {"192.0.2.123", "198.51.100.1"}


def test_zip_bomb_is_one_line_exit_two_and_the_rest_counted(tmp_path):
    (tmp_path / "bomb.xml.gz").write_bytes(gzip.compress(b"\0" * (20 * 1024 * 1024)))
    good = SAMPLES / "aggregate" / "rfc9990-sample.xml"
    out = run(str(tmp_path / "bomb.xml.gz"), str(good), "--no-dns", "--format", "json")
    assert out.returncode == 2
    err = out.stderr.decode().splitlines()
    assert len(err) == 1 and "bomb.xml.gz" in err[0] and "decompression bomb" in err[0]
    assert json.loads(out.stdout)["totals"]["messages"] == 123


def test_nothing_readable_is_exit_two(tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    out = run(str(tmp_path / "x.txt"), "--no-dns")
    assert out.returncode == 2 and b"no DMARC or TLS report could be read" in out.stderr
    assert b"Traceback" not in out.stderr
    assert run("--no-dns", "-o", "/tmp/x.xls", str(SAMPLES)).returncode == 2


def test_markdown_and_html_show_the_sources(tmp_path):
    md = run(str(SAMPLES / "aggregate"), "--no-dns", "--format", "markdown").stdout.decode()
    assert "## Sending sources (who is sending as you)" in md and "| 192.0.2.123 |" in md
    html = run(str(SAMPLES / "aggregate"), "--no-dns", "--format", "html").stdout.decode()
    assert "<h2>Over time</h2>" in html and html.rstrip().endswith("</body></html>")


def test_ptr_through_the_resolver_names_the_service(knot_factory):
    # 54.240.8.31 is one of Amazon SES's sources in nice-input.xml; the lab DNS gives it an SES name.
    dns = knot_factory({"31.8.240.54.in-addr.arpa": {"PTR": ["a8-31.smtp-out.amazonses.com."]}},
                       zones=["54.in-addr.arpa"])
    out = run(str(SAMPLES / "extract_report" / "nice-input.xml"), "--resolver", dns.address, "--format", "json")
    src = {s["ip"]: s for s in json.loads(out.stdout)["sources"]}
    assert src["54.240.8.31"]["ptr"] == "a8-31.smtp-out.amazonses.com"
    assert src["54.240.8.31"]["service"] == "Amazon SES" and src["54.240.8.31"]["class"] == "compliant"
