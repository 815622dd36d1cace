"""Agreement with parsedmarc on its own public sample reports (tests/data/parsedmarc, Apache-2.0): every
per-source message count and every pass/fail total equals what parsedmarc parses from the same file.

When parsedmarc is importable both run side by side; otherwise the totals below are the fixed reference.
They are what parsedmarc 11.1.0 gives for each file (``parse_report_file(path, offline=True)``), and
were checked by hand against the XML for rfc9990-sample.xml (one <row>, <count>123</count>,
<dkim>pass</dkim>, <spf>fail</spf>) and rfc9990-example.net!…xml (rows of 5 passing and 2 failing).

One deliberate difference: invalid_xml.xml is not well-formed XML (``<email><bad-xml@bad-xml.net></email>``
on line 5); parsedmarc reads it with lxml's recovery mode, smtpdoctor reads XML only through defusedxml
and names the file as unreadable instead.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from smtpdoctor.protocol.dmarc_report import parse_aggregate
from smtpdoctor.protocol.report_files import Document, Unreadable, documents

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "parsedmarc" / "samples"
REFUSED = {"aggregate/invalid_xml.xml"}

# file: (records, messages, DMARC pass, aligned DKIM pass, aligned SPF pass), messages counted per record
EXPECTED = {
    "aggregate/!example.com!1538204542!1538463818.xml": (1, 1, 0, 0, 0),
    "aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml": (1, 1, 0, 0, 0),
    "aggregate/addisonfoods.com!example.com!1536105600!1536191999.xml": (1, 1, 0, 0, 0),
    "aggregate/empty_reason.xml": (1, 2, 2, 2, 0),
    "aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip": (1, 1, 0, 0, 0),
    "aggregate/example.net!example.com!1529366400!1529452799.xml": (1, 1, 0, 0, 0),
    "aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz": (1, 1, 0, 0, 0),
    "aggregate/ikea.com!example.de!1538690400!1538776800.xml": (1, 1, 0, 0, 0),
    "aggregate/invalid_utf_8.xml": (1, 1, 0, 0, 0),
    "aggregate/mimecast-weird-gzip.eml": (1, 1, 1, 1, 1),
    "aggregate/old_draft_from_wiki.xml": (1, 2, 2, 0, 2),
    "aggregate/protection.outlook.com!example.com!1711756800!1711843200.xml": (1, 1, 0, 0, 0),
    "aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml": (2, 7, 5, 5, 5),
    "aggregate/rfc9990-sample.xml": (1, 123, 123, 123, 0),
    "aggregate/twilight.eml": (1, 1, 1, 1, 1),
    "aggregate/usssa.com!example.com!1538784000!1538870399.xml": (2, 2, 0, 0, 0),
    "aggregate/veeam.com!example.com!1530133200!1530219600.xml": (1, 1, 0, 0, 0),
    "extract_report/changed-input.xml": (20, 3047, 3047, 3046, 2637),
    "extract_report/nice-input.xml": (20, 3047, 3047, 3046, 2637),
    "extract_report/nice-input.xml.gz": (20, 3047, 3047, 3046, 2637),
    "extract_report/nice-input.xml.zip": (20, 3047, 3047, 3046, 2637),
}


def ours(rel: str):
    found = list(documents((SAMPLES / rel).read_bytes(), rel))
    assert len(found) == 1 and isinstance(found[0], Document), found
    return parse_aggregate(found[0].data)


def totals(records) -> tuple[int, int, int, int, int]:
    return (len(records), sum(r.count for r in records), sum(r.count for r in records if r.dmarc_pass),
            sum(r.count for r in records if r.dkim == "pass"), sum(r.count for r in records if r.spf == "pass"))


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_totals_equal_the_reference(rel):
    assert totals(ours(rel).records) == EXPECTED[rel]


def test_every_sample_is_covered_and_the_broken_one_is_named():
    files = {str(p.relative_to(SAMPLES)) for p in SAMPLES.glob("*/*") if "smtp_tls" not in str(p)}
    assert files == set(EXPECTED) | REFUSED
    (bad,) = list(documents((SAMPLES / "aggregate/invalid_xml.xml").read_bytes(), "invalid_xml.xml"))
    assert isinstance(bad, Document)  # found as XML, refused by the parser
    with pytest.raises(ValueError, match="not well-formed XML"):
        parse_aggregate(bad.data)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_per_source_counts_equal_parsedmarcs(rel):
    parsedmarc = pytest.importorskip("parsedmarc", reason="parsedmarc not installed: the fixed totals above apply")
    theirs = parsedmarc.parse_report_file(str(SAMPLES / rel), offline=True)["report"]["records"]
    mine = ours(rel).records

    def by_source(items, ip, count, passed):
        out: Counter = Counter()
        for x in items:
            out[(ip(x), "all")] += count(x)
            out[(ip(x), "dmarc-pass")] += count(x) if passed(x) else 0
        return out

    assert by_source(mine, lambda r: r.source_ip, lambda r: r.count, lambda r: r.dmarc_pass) == \
        by_source(theirs, lambda r: r["source"]["ip_address"], lambda r: r["count"], lambda r: r["alignment"]["dmarc"])
    assert [(r.dkim, r.spf) for r in mine] == [(r["policy_evaluated"]["dkim"], r["policy_evaluated"]["spf"])
                                               for r in theirs]
