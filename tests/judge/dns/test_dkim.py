import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.core.dkim_selectors import common_selectors, first_tier
from smtpdoctor.judge.dns.dkim import (
    check_dkim, discover_more, parse_key_record, selector_providers, trusted_node,
)

from support.dns_zones import RSA_512, answer


def ids(findings):
    return [f.id for f in findings]


def sel(selector, *records, outcome=None):
    return {selector: answer(f"{selector}._domainkey.d.test", "TXT", *records, outcome=outcome)}


def test_common_selectors_include_provider_ones():
    selectors = common_selectors()
    for s in ("google", "selector1", "selector2", "k1", "s1", "s2", "pm", "mandrill", "default"):
        assert s in selectors
    assert len(selectors) == len(set(selectors))
    assert "Microsoft 365" in selector_providers("selector1")


@pytest.mark.parametrize("record, expected", [
    (f"v=DKIM1; p={RSA_512}", "dkim.key-weak"),
    ("v=DKIM1; p=", "dkim.revoked"),
    ("v=DKIM1; p=not*base64", "dkim.key-invalid"),
    ("v=DKIM1; k=dsa; p=AAAA", "dkim.key-invalid"),
    ("v=DKIM2; p=" + RSA_512, "dkim.syntax"),
])
def test_bad_keys_given_selector(record, expected):
    findings, _ = check_dkim("d.test", sel("s", record), given=["s"])
    assert expected in ids(findings)


def test_weak_key_says_its_size():
    findings, keys = check_dkim("d.test", sel("s", f"v=DKIM1; p={RSA_512}"))
    weak = next(f for f in findings if f.id == "dkim.key-weak")
    assert weak.evidence["bits"] == 512 and "512" in weak.title
    assert keys[0].bits == 512


def test_1024_is_a_warning_and_2048_ok(rsa1024, rsa2048):
    assert ids(check_dkim("d.test", sel("s", f"p={rsa1024}"))[0]) == ["dkim.key-1024"]
    assert ids(check_dkim("d.test", sel("s", f"v=DKIM1; p={rsa2048}"))[0]) == ["dkim.key-ok"]


def test_testing_flag(rsa2048):
    assert "dkim.testing" in ids(check_dkim("d.test", sel("s", f"v=DKIM1; t=y; p={rsa2048}"))[0])


def test_revoked_discovered_key_is_only_info():
    findings, _ = check_dkim("d.test", {**sel("old", "v=DKIM1; p="), **sel("new", f"p={RSA_512}")})
    assert [(f.id, str(f.severity)) for f in findings] == [("dkim.revoked", "info"), ("dkim.key-weak", "error")]


def test_given_selector_missing_is_an_error():
    findings, _ = check_dkim("d.test", sel("s1", outcome=Outcome.NXDOMAIN), given=["s1"])
    assert ids(findings) == ["dkim.selector-missing"]


def test_nothing_found_discovery_vs_no_domainkey_node():
    answers = {**sel("google", outcome=Outcome.NXDOMAIN), **sel("k1", outcome=Outcome.NXDOMAIN)}
    node_exists = answer("_domainkey.d.test", "TXT", outcome=Outcome.NODATA)
    node_missing = answer("_domainkey.d.test", "TXT", outcome=Outcome.NXDOMAIN)
    assert ids(check_dkim("d.test", answers, domainkey_node=node_exists)[0]) == ["dkim.not-found"]
    assert ids(check_dkim("d.test", answers, domainkey_node=node_missing)[0]) == ["dkim.none-published"]


def test_failed_lookups_are_could_not_test_not_missing():
    answers = {**sel("google", outcome=Outcome.TIMEOUT), **sel("k1", outcome=Outcome.SERVFAIL)}
    findings, _ = check_dkim("d.test", answers)
    assert ids(findings) == ["dkim.lookup-failed"]


def test_wildcard_txt_is_not_taken_for_a_key():
    findings, keys = check_dkim("d.test", sel("google", "v=spf1 -all"),
                                domainkey_node=answer("_domainkey.d.test", "TXT"))
    assert keys == () and ids(findings) == ["dkim.not-found"]


def test_several_records(rsa2048):
    findings, _ = check_dkim("d.test", sel("s", f"p={rsa2048}", f"v=DKIM1; p={rsa2048}"))
    assert "dkim.several-records" in ids(findings)


def test_only_revoked_keys_found_means_none_usable():
    node = answer("_domainkey.d.test", "TXT")
    findings, keys = check_dkim("d.test", sel("old", "v=DKIM1; p="), domainkey_node=node)
    assert ids(findings) == ["dkim.revoked", "dkim.not-found"] and len(keys) == 1


def test_discovery_rounds(rsa2048):
    nx = answer("_domainkey.d.test", "TXT", outcome=Outcome.NXDOMAIN)
    ent = answer("_domainkey.d.test", "TXT")
    none_found = {**sel("google", outcome=Outcome.NXDOMAIN), **sel("default", outcome=Outcome.NXDOMAIN)}
    assert set(first_tier()) <= set(common_selectors())
    assert discover_more(ent, none_found)
    assert not discover_more(nx, none_found)  # nothing exists below _domainkey (RFC 8020)
    assert not discover_more(ent, {**none_found, **sel("google", f"p={rsa2048}")})  # round one found a key
    assert discover_more(ent, sel("default", "not a key"))


def test_nxdomain_node_with_a_name_below_is_not_trusted():
    nx = answer("_domainkey.d.test", "TXT", outcome=Outcome.NXDOMAIN)
    below = [answer("default._domainkey.d.test", "TXT", "not a key")]
    assert trusted_node(nx, below) is None  # the server breaks RFC 8020: discovery goes on
    assert trusted_node(nx, [answer("google._domainkey.d.test", "TXT", outcome=Outcome.NXDOMAIN)]) is nx
