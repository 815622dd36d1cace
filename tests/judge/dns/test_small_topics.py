"""TLS-RPT, BIMI, DANE and DNSSEC checks with literal answers."""

import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.judge.dns.bimi import check_bimi
from smtpdoctor.judge.dns.dane import check_dane
from smtpdoctor.protocol.dmarc import parse_dmarc
from smtpdoctor.judge.dns.dnssec import check_dnssec
from smtpdoctor.judge.dns.tlsrpt import check_tlsrpt

from support.dns_zones import answer


def ids(findings):
    return [f.id for f in findings]


def tls(*records, outcome=None):
    return answer("_smtp._tls.d.test", "TXT", *records, outcome=outcome)


@pytest.mark.parametrize("records, expected", [
    (("v=TLSRPTv1; rua=mailto:tls@d.test",), "tlsrpt.ok"),
    (("v=TLSRPTv1; rua=https://r.example/api,mailto:a@b.c",), "tlsrpt.ok"),
    ((), "tlsrpt.missing"),
    (("v=TLSRPTv1",), "tlsrpt.invalid"),
    (("v=TLSRPTv1; rua=tls@d.test",), "tlsrpt.invalid"),
    (("v=TLSRPTv1; rua=mailto:a@d.test", "v=TLSRPTv1; rua=mailto:b@d.test"), "tlsrpt.several-records"),
])
def test_tlsrpt(records, expected):
    assert ids(check_tlsrpt("d.test", tls(*records))) == [expected]


def test_tlsrpt_timeout():
    assert ids(check_tlsrpt("d.test", tls(outcome=Outcome.TIMEOUT))) == ["tlsrpt.lookup-failed"]


REJECT = parse_dmarc("d.test", "v=DMARC1; p=reject")


def bimi(*records):
    return answer("default._bimi.d.test", "TXT", *records)


def test_bimi_good_and_weak_dmarc():
    rec = "v=BIMI1; l=https://d.test/logo.svg; a=https://d.test/vmc.pem"
    assert ids(check_bimi("d.test", bimi(rec), REJECT)) == ["bimi.ok"]
    weak = check_bimi("d.test", bimi(rec), parse_dmarc("d.test", "v=DMARC1; p=none"))
    assert ids(weak) == ["bimi.dmarc-too-weak"]


def test_bimi_locations():
    found = ids(check_bimi("d.test", bimi("v=BIMI1; l=http://d.test/logo.svg"), REJECT))
    assert "bimi.location-not-https" in found and "bimi.no-vmc" in found
    assert "bimi.location-suffix" in ids(check_bimi("d.test", bimi("v=BIMI1; l=https://d.test/logo.png; a=https://d.test/v.pem"), REJECT))
    assert ids(check_bimi("d.test", bimi("v=BIMI1; l=;"), REJECT)) == ["bimi.declined"]
    assert ids(check_bimi("d.test", bimi(), REJECT)) == ["bimi.missing"]


SHA256 = "ab" * 32


def tlsa(host, *records, outcome=None, ad=False, signatures=()):
    return {host: answer(f"_25._tcp.{host}", "TLSA", *records, outcome=outcome, authenticated=ad,
                         signatures=signatures)}


def test_dane():
    assert ids(check_dane({**tlsa("mx1.d.test"), **tlsa("mx2.d.test")})[0]) == ["dane.none"]
    found, recs = check_dane({**tlsa("mx1.d.test", f"3 1 1 {SHA256}", ad=True), **tlsa("mx2.d.test")})
    assert ids(found) == ["dane.partial"] and list(recs) == ["mx1.d.test"]
    found, _ = check_dane(tlsa("mx1.d.test", f"3 1 1 {SHA256}"))  # no RRSIG, no AD: an unsigned zone
    assert ids(found) == ["dane.unsigned-zone"]
    found, _ = check_dane(tlsa("mx1.d.test", f"3 1 1 {SHA256}", signatures=("TLSA 13 5 300 ...",)))
    assert ids(found) == ["dane.unvalidated", "dane.ok"]  # signed, but validated neither here nor by the resolver
    assert ids(check_dane(tlsa("mx1.d.test", "3 1 1 ab", ad=True))[0]) == ["dane.invalid"]
    assert ids(check_dane(tlsa("mx1.d.test", outcome=Outcome.SERVFAIL))[0]) == ["dane.lookup-failed"]


def test_dane_judges_the_records_the_caller_parsed():
    # the audit parses each host's TLSA records once (for the certificate match too) and hands them in: the
    # same findings as parsing here, and those very records are the ones reported
    from smtpdoctor.protocol.dane import parse_tlsa

    answers = {**tlsa("mx1.d.test", f"3 1 1 {SHA256}", ad=True), **tlsa("mx2.d.test", "3 1 1 ab", ad=True)}
    parsed = {h: [parse_tlsa(r) for r in a.records] for h, a in answers.items()}
    found, recs = check_dane(answers, records=parsed)
    assert found == check_dane(answers)[0] and ids(found) == ["dane.invalid"]
    assert all(recs[h] is parsed[h] for h in answers)


def _key_and_ds(owner: str) -> tuple[str, str]:
    import dns.dnssec
    from cryptography.hazmat.primitives.asymmetric import ec

    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(),
                                 dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
    return key.to_text(), dns.dnssec.make_ds(owner + ".", key, "SHA256").to_text()


def chain(domain, signed: dict, ds: dict, failed=(), wrong_ds=()):
    from smtpdoctor.core.names import parent_names

    keys, dss = {}, {}
    for n in parent_names(domain):
        key_text, ds_text = _key_and_ds(n)
        if n in wrong_ds:
            ds_text = _key_and_ds(n)[1]  # the digest of another key
        keys[n] = answer(n, "DNSKEY", *([key_text] if signed.get(n) else []),
                         outcome=Outcome.SERVFAIL if n in failed else None)
        dss[n] = answer(n, "DS", *([ds_text] if ds.get(n) else []))
    return keys, dss


def test_dnssec_unsigned_names_last_secure_point():
    keys, ds = chain("d.example", {"example": True}, {"example": True})
    found, links = check_dnssec("d.example", keys, ds)
    assert ids(found) == ["dnssec.unsigned"] and found[0].evidence["last_secure"] == "example"
    assert [(l.name, l.dnskey, l.ds) for l in links] == [("example", True, True), ("d.example", False, False)]


def test_dnssec_island_breaks_at_parent():
    keys, ds = chain("d.example", {"example": True, "d.example": True}, {"example": True})
    found, _ = check_dnssec("d.example", keys, ds)
    assert ids(found) == ["dnssec.no-ds"] and found[0].evidence["parent"] == "example"


def test_dnssec_ds_without_dnskey_is_bogus():
    keys, ds = chain("d.example", {"example": True}, {"example": True, "d.example": True})
    assert ids(check_dnssec("d.example", keys, ds)[0]) == ["dnssec.ds-without-dnskey"]


def test_dnssec_complete_chain_validated_or_not():
    keys, ds = chain("d.example", {"example": True, "d.example": True}, {"example": True, "d.example": True})
    assert ids(check_dnssec("d.example", keys, ds)[0]) == ["dnssec.signed-not-validated"]
    mx = answer("d.example", "MX", "10 mx.d.example.", authenticated=True)
    assert ids(check_dnssec("d.example", keys, ds, answers=(mx,))[0]) == ["dnssec.validated"]


def test_dnssec_failed_lookup_is_could_not_test():
    keys, ds = chain("d.example", {}, {}, failed=("d.example",))
    assert ids(check_dnssec("d.example", keys, ds)[0]) == ["dnssec.lookup-failed"]


def test_dnssec_ds_that_matches_no_key_breaks_the_chain():
    keys, ds = chain("d.example", {"example": True, "d.example": True}, {"example": True, "d.example": True},
                     wrong_ds=("d.example",))
    found, _ = check_dnssec("d.example", keys, ds)
    assert ids(found) == ["dnssec.ds-mismatch"] and found[0].evidence["parent"] == "example"


def test_key_tag_matches_dnspython():
    import dns.dnssec
    import dns.rdata

    from smtpdoctor.judge.dns.dnssec import key_tag

    text, _ = _key_and_ds("d.example")
    rdata = dns.rdata.from_text("IN", "DNSKEY", text)
    assert key_tag(text) == dns.dnssec.key_id(rdata)
