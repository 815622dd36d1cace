"""Digits that str.isdigit() accepts but int() refuses ('₁', '²', Arabic-Indic) are not numbers in a
record: a problem of the record, never a ValueError (found by the fuzzer, issue 21)."""

from __future__ import annotations

import pytest

from smtpdoctor.protocol.dmarc import parse_dmarc
from smtpdoctor.protocol.mta_sts import parse_policy
from smtpdoctor.protocol.capabilities import parse_ehlo
from smtpdoctor.protocol.replies import Reply
from smtpdoctor.protocol.spf.record import SpfSyntaxError, parse as parse_spf


@pytest.mark.parametrize("digits", ["\u2081", "\u00b2", "\u0661\u0660"])
def test_unicode_digits_are_not_numbers(digits):
    policy = parse_dmarc("_dmarc.example.com", f"v=DMARC1; p=none; pct={digits}; ri={digits}")
    assert policy.pct == 100 and any(b.startswith("pct=") for b in policy.bad_values)
    sts = parse_policy(f"version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: {digits}\n")
    assert sts.max_age is None and any("max_age" in p for p in sts.problems)
    with pytest.raises(SpfSyntaxError):
        parse_spf(f"v=spf1 ip4:192.0.2.0/{digits} -all")
    caps = parse_ehlo(Reply(code=250, lines=("mx.example.com", f"SIZE {digits}")))
    assert caps.size is None
