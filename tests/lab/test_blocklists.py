"""The blocklist twins (smtpdoctor.lab.blocklists): records published the way real lists publish them."""

from __future__ import annotations

from smtpdoctor.core.dnsbl_zones import Kind
from smtpdoctor.lab import blocklists
from smtpdoctor.lab.blocklists import dnsbl_records, kind_of


def test_listed_values_and_test_points_are_under_the_zone():
    records = dnsbl_records("bl.lab.test", {"192.0.2.9": "127.0.0.4", "spam.example": ["127.0.1.2"]},
                            txt={"192.0.2.9": "listed for spam"}, kinds=(Kind.IPV4, Kind.DOMAIN))
    assert records == {
        "9.2.0.192.bl.lab.test": {"A": ["127.0.0.4"], "TXT": ["listed for spam"]},
        "spam.example.bl.lab.test": {"A": ["127.0.1.2"]},
        "2.0.0.127.bl.lab.test": {"A": ["127.0.0.2"]},
        "test.bl.lab.test": {"A": ["127.0.0.2"]},
    }


def test_faults_of_a_list():
    assert dnsbl_records("bl.lab.test", test_points=False) == {}  # no RFC 5782 test points
    dead = dnsbl_records("bl.lab.test", unlisted_answer="127.0.0.2")  # lists everything
    assert dead["1.0.0.127.bl.lab.test"] == {"A": ["127.0.0.2"]}
    refusing = dnsbl_records("bl.lab.test", test_answer="127.255.255.254")
    assert refusing["2.0.0.127.bl.lab.test"] == {"A": ["127.255.255.254"]}


def test_kind_of():
    assert [kind_of(v) for v in ("192.0.2.1", "2001:db8::1", "example.com")] == [Kind.IPV4, Kind.IPV6, Kind.DOMAIN]


def test_exported_names():
    assert set(blocklists.__all__) == {"dnsbl_records", "healthy_records", "kind_of"}
