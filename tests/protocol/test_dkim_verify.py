"""dkimpy verifies a message over answers given as values: no resolver, no network."""

from __future__ import annotations

import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.protocol.dkim import key_name
from smtpdoctor.protocol.dkim_verify import signature_refs, verify_arc, verify_signatures

from support.dkim_signing import MESSAGE, new_key, sign
from support.dns_zones import answer

KEY = "mail2024._domainkey.good.test"


@pytest.fixture(scope="module")
def signer():
    return new_key()


def test_signature_refs(signer):
    refs = signature_refs(sign(MESSAGE, signer[0]))
    assert [(r.index, r.d, r.s) for r in refs] == [(0, "good.test", "mail2024")]
    assert key_name(refs[0]) == KEY
    assert signature_refs(MESSAGE) == ()


def test_a_signature_verifies_over_the_given_answer(signer):
    pem, pub = signer
    (check,) = verify_signatures(sign(MESSAGE, pem), {KEY: answer(KEY, "TXT", f"v=DKIM1; k=rsa; p={pub}")})
    assert check.ok and check.reason == ""


def test_a_tampered_body_fails_with_dkimpys_reason(signer):
    pem, pub = signer
    tampered = sign(MESSAGE, pem).replace(b"Hello Bob.", b"Hello Eve.")
    (check,) = verify_signatures(tampered, {KEY: answer(KEY, "TXT", f"v=DKIM1; k=rsa; p={pub}")})
    assert not check.ok and "body hash" in check.reason


def test_a_missing_or_failed_key_answer(signer):
    signed = sign(MESSAGE, signer[0])
    (missing,) = verify_signatures(signed, {})
    assert not missing.ok and missing.reason
    (failed,) = verify_signatures(signed, {KEY: answer(KEY, "TXT", outcome=Outcome.TIMEOUT)})
    assert not failed.ok and "timeout" in failed.reason.lower()


def test_no_arc_chain_is_none_and_a_broken_one_fails():
    assert verify_arc(MESSAGE, {}, instances=0) is None
    broken = b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.test; s=s; b=AAAA\r\n" + MESSAGE
    arc = verify_arc(broken, {}, instances=1)
    assert arc is not None and arc.instances == 1 and arc.result == "fail"
