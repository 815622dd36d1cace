from smtpdoctor.protocol.dnssec_chain import root_anchors, validate_chain
from smtpdoctor.core.observations import Outcome

from support.dns_zones import answer


# The root's key-signing keys as published (IANA root-anchors.xml; Debian dns-root-data, root.key).
KSK_2017 = ("257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4"
            "+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK"
            "/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnX"
            "GXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=")
KSK_2024 = ("257 3 8 AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOE"
            "lZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcR"
            "U5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBev"
            "YtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=")


def test_the_built_in_anchors_are_the_iana_root_ksks_2017_and_2024():
    assert [a.split()[:3] for a in root_anchors()] == [["20326", "8", "2"], ["38696", "8", "2"]]


def test_each_published_root_ksk_matches_a_built_in_anchor():
    # after the roll of 2026-10-11 the root is signed by KSK-2024 alone: without its DS every chain is "no-anchor"
    import dns.dnssec
    import dns.name
    import dns.rdata

    for text in (KSK_2017, KSK_2024):
        key = dns.rdata.from_text("IN", "DNSKEY", text)
        ds = dns.dnssec.make_ds(dns.name.root, key, "SHA256")
        assert ds.to_text().upper() in root_anchors()


def test_root_keys_without_signatures_are_stripped_data_not_a_broken_chain():
    root = answer("", "DNSKEY", "257 3 13 " + "A" * 88)
    result = validate_chain("d.test", {".": root}, {}, {}, None, anchors=root_anchors(), now=0)
    assert result.status == "stripped" and result.to_json()["method"] == "none"


def test_failed_root_lookup_is_failed():
    root = answer("", "DNSKEY", outcome=Outcome.TIMEOUT)
    result = validate_chain("d.test", {".": root}, {}, {}, None, anchors=(), now=0)
    assert (result.status, result.broken.name, result.broken.reason) == ("failed", ".", "lookup failed")
