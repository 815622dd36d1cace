"""The DKIM key record parser (sans I/O): tags in, the key's type and size out."""

import base64

from smtpdoctor.protocol.dkim import parse_key_record

from support.dns_zones import RSA_512


def test_rsa_sizes(rsa2048, rsa1024):
    assert parse_key_record("s", f"v=DKIM1; k=rsa; p={rsa2048}").bits == 2048
    assert parse_key_record("s", f"p={rsa1024}").bits == 1024
    assert parse_key_record("s", f"v=DKIM1; p={RSA_512}").bits == 512


def test_ed25519_key():
    key = parse_key_record("ed", "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(range(32))).decode())
    assert (key.key_type, key.bits, key.key_error) == ("ed25519", 256, None)


def test_pkcs1_rsa_key_is_accepted(rsa2048):
    from cryptography.hazmat.primitives import serialization

    spki = serialization.load_der_public_key(base64.b64decode(rsa2048))
    pkcs1 = spki.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    assert parse_key_record("s", "p=" + base64.b64encode(pkcs1).decode()).bits == 2048


def test_syntax_problems_are_listed_not_raised():
    key = parse_key_record("s", "k=rsa; v=DKIM1; h=md5; p=%%%")
    assert key.key_error == "p= is not valid base64"
    assert "v=DKIM1 must be the first tag" in key.problems and "h= names an unknown hash 'md5'" in key.problems
    assert parse_key_record("s", "v=spf1 -all").is_dkim is False
