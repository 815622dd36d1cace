"""flows/reports reads its files with the one bounded reader: an oversized file or an endless device is
named as not read (and counted), never read past its bound."""

from __future__ import annotations

from smtpdoctor.flows import reports
from smtpdoctor.protocol.report_files import Unreadable

RUA = b"""<?xml version="1.0"?><feedback><report_metadata><org_name>x</org_name><email>a@x.example</email>
<report_id>1</report_id><date_range><begin>1700000000</begin><end>1700086400</end></date_range></report_metadata>
<policy_published><domain>d.example</domain><p>none</p></policy_published></feedback>"""


def test_a_file_over_the_bound_is_named_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.xml"
    big.write_bytes(RUA + b" " * 1000)
    (got,) = list(reports.iter_documents([str(big)]))
    assert got == Unreadable(str(big), "larger than 1000 bytes: not read", hostile=True)


def test_an_endless_device_stops_at_the_bound(monkeypatch):
    monkeypatch.setattr(reports, "MAX_FILE_BYTES", 4096)
    (got,) = list(reports.iter_documents(["/dev/zero"]))
    assert isinstance(got, Unreadable) and got.hostile and "larger than 4 KB" in got.reason


def test_a_file_within_the_bound_is_read(tmp_path):
    small = tmp_path / "r.xml"
    small.write_bytes(RUA)
    docs = list(reports.iter_documents([str(small), str(tmp_path / "missing.xml")]))
    assert not isinstance(docs[0], Unreadable) and docs[0].name == str(small)
    assert docs[1] == Unreadable(str(tmp_path / "missing.xml"), "no such file or directory")
