"""``--output out.parquet``: one row per input line in input order, flat columns, and the full JSON line."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from scalelab import ZONES, records, smtpdoctor

pytestmark = pytest.mark.realserver


def _rows(path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_blacklist_parquet_same_rows_in_process_and_on_workers(lab, inputs, tmp_path):
    zones = [a for z in ZONES for a in ("--dnsbl", z)]
    base = ["blacklist", "--file", str(inputs["ips"]), "--resolver", lab.address, *zones]
    lines = smtpdoctor(*base, "--format", "json")
    here = smtpdoctor(*base, "--output", str(tmp_path / "here.parquet"))
    there = smtpdoctor(*base, "--output", str(tmp_path / "there.parquet"), "--workers", "2",
                       "--partition-size", "9")
    assert (here.returncode, there.returncode) == (1, 1)
    assert here.stdout == there.stdout == ""
    rows = _rows(tmp_path / "here.parquet")
    assert rows == _rows(tmp_path / "there.parquet")
    assert [r["index"] for r in rows] == list(range(len(rows)))
    assert [json.loads(r["json"]) for r in rows] == records(lines.stdout)
    third = rows[3]
    assert (third["value"], third["kind"], third["listed"], third["listed_on"]) == (
        "198.51.100.3", "ipv4", True, ["zen.spamhaus.org", "bl.spamcop.net"])
    assert rows[4]["listed_on"] == [] and rows[4]["listed"] is False


def test_domain_parquet_columns(lab, inputs, tmp_path):
    out = tmp_path / "audit.parquet"
    run = smtpdoctor("domain", "--file", str(inputs["domains"]), "--resolver", lab.address, "--output", str(out),
                     "--workers", "2")
    assert run.returncode == 1, run.stderr
    table = pq.read_table(out)
    assert table.column_names == ["index", "input", "domain", "status", "errors", "warnings", "json"]
    rows = table.to_pylist()
    assert rows[0]["domain"] == "sender0000.lab.test"
    assert "dmarc.missing" in rows[0]["errors"] + rows[0]["warnings"]  # every 7th domain has no DMARC
    assert rows[1]["domain"] == "sender0001.lab.test" and "dmarc.missing" not in rows[1]["errors"]
