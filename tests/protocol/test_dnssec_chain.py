from smtpdoctor.protocol.dnssec_chain import root_anchors, validate_chain
from smtpdoctor.core.observations import Outcome

from support.dns_zones import answer


def test_the_built_in_anchor_is_the_iana_root_ksk():
    assert [a.split()[:3] for a in root_anchors()] == [["20326", "8", "2"]]


def test_root_keys_without_signatures_are_stripped_data_not_a_broken_chain():
    root = answer("", "DNSKEY", "257 3 13 " + "A" * 88)
    result = validate_chain("d.test", {".": root}, {}, {}, None, anchors=root_anchors(), now=0)
    assert result.status == "stripped" and result.to_json()["method"] == "none"


def test_failed_root_lookup_is_failed():
    root = answer("", "DNSKEY", outcome=Outcome.TIMEOUT)
    result = validate_chain("d.test", {".": root}, {}, {}, None, anchors=(), now=0)
    assert (result.status, result.broken.name, result.broken.reason) == ("failed", ".", "lookup failed")
