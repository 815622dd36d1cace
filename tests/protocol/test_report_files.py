"""Hostile and odd report inputs: bombs refused with one reason, entities never expanded, nesting
bounded, reports found inside messages and archives."""

from __future__ import annotations

import gzip
import io
import zipfile
from email.message import EmailMessage

import pytest

from smtpdoctor.protocol.dmarc_report import BadReport, parse_aggregate
from smtpdoctor.protocol.report_files import MAX_MEMBERS, Document, Unreadable, documents
from smtpdoctor.protocol.tlsrpt import parse_tlsrpt

XML = (b'<?xml version="1.0"?><feedback><report_metadata><org_name>r.example</org_name><report_id>1</report_id>'
       b'<date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>'
       b'<policy_published><domain>example.com</domain><p>reject</p></policy_published>'
       b'<record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>none'
       b'</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>'
       b'example.com</header_from></identifiers><auth_results><dkim><domain>example.com</domain><result>pass'
       b'</result></dkim></auth_results></record></feedback>')


def one(data: bytes, name: str = "x"):
    found = list(documents(data, name))
    assert len(found) == 1, found
    return found[0]


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_gzip_bomb_is_refused_without_expanding_it():
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros in ~20 kB: refused after ~1 MB
    item = one(bomb, "bomb.xml.gz")
    assert isinstance(item, Unreadable) and item.hostile and "more than 200:1" in item.reason


def test_zip_bomb_and_too_many_members():
    item = one(zipped({"a.xml": b"<" + b"a" * (20 * 1024 * 1024)}), "bomb.zip")
    assert isinstance(item, Unreadable) and item.hostile and "more than 200:1" in item.reason
    item = one(zipped({f"{i}.xml": XML for i in range(MAX_MEMBERS + 1)}), "many.zip")
    assert isinstance(item, Unreadable) and item.hostile and "201 files" in item.reason


def test_entities_and_dtds_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<feedback>&lol2;</feedback>')
    with pytest.raises(BadReport, match="refused: DTDForbidden"):
        parse_aggregate(laughs)
    external = b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY x SYSTEM "file:///etc/passwd">]><feedback>&x;</feedback>'
    with pytest.raises(BadReport, match="refused"):
        parse_aggregate(external)


def test_report_inside_zip_inside_message_and_gzip():
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "noreply@r.example", "dmarc@example.com", "Report domain: example.com"
    msg.set_content("report attached")
    msg.add_attachment(zipped({"r.xml": XML}), maintype="application", subtype="zip", filename="r.zip")
    item = one(msg.as_bytes(), "mail.eml")
    assert isinstance(item, Document) and item.name == "mail.eml#r.zip#r.xml" and item.kind == "dmarc"
    report = parse_aggregate(one(gzip.compress(XML), "r.xml.gz").data)
    assert (report.domain, report.records[0].count, report.records[0].dmarc_pass) == ("example.com", 3, True)


def test_message_without_report_and_garbage_are_named():
    assert one(b"From: a@b.example\nTo: c@d.example\n\nhello\n").reason == \
        "a message without a DMARC or TLS report attached"
    assert "not a DMARC aggregate report" in one(b"\x89PNG....").reason
    assert "not a readable gzip" in one(b"\x1f\x8b\x08\x00broken").reason


def test_tlsrpt_rfc8460_example():
    from pathlib import Path

    data = (Path(__file__).resolve().parents[1] / "data/parsedmarc/samples/smtp_tls/rfc8460.json").read_bytes()
    report = parse_tlsrpt(data)
    (policy,) = report.policies
    assert (report.org_name, policy.policy_type, policy.successful, policy.failed) == ("Company-X", "sts", 5326, 303)
    assert sorted((f.result_type, f.count) for f in policy.failures) == [
        ("certificate-expired", 100), ("starttls-not-supported", 200), ("validation-failure", 3)]
    with pytest.raises(BadReport, match="not a count"):
        parse_tlsrpt(b'{"policies": [{"summary": {"total-failure-session-count": "many"}}]}')
