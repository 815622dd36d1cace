"""The MTA-STS policy file and the mx pattern rule (RFC 8461), as values."""

from smtpdoctor.core.observations import Outcome
from smtpdoctor.protocol.mta_sts import MAX_AGE_LIMIT, mx_matches, parse_policy, policy_fingerprint, sts_records, txt_id

from support.dns_zones import answer

POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx1.d.test\r\nmx: *.backup.d.test\r\nmax_age: 604800\r\n"


def test_wildcard_matches_one_label():
    assert mx_matches("*.d.test", "mx.d.test")
    assert not mx_matches("*.d.test", "a.mx.d.test")
    assert not mx_matches("*.d.test", "d.test")
    assert mx_matches("MX1.d.test.", "mx1.d.test")


def test_parse_policy():
    policy = parse_policy(POLICY)
    assert (policy.mode, policy.max_age, policy.mx, policy.problems) == ("enforce", 604800, ("mx1.d.test", "*.backup.d.test"), ())


def test_policy_problems_are_named():
    policy = parse_policy(f"version: STSv2\nmode: hard\nmax_age: {MAX_AGE_LIMIT + 1}\nnonsense\n")
    assert policy.mode is None and policy.max_age == MAX_AGE_LIMIT + 1
    assert any("STSv2" in p for p in policy.problems) and any("'hard'" in p for p in policy.problems)
    assert any("over the limit" in p for p in policy.problems) and any("line 4" in p for p in policy.problems)


def test_txt_record_id_and_fingerprint():
    txt = answer("_mta-sts.d.test", "TXT", "v=spf1 -all", "v=STSv1; id=20240101")
    assert sts_records(txt) == ("v=STSv1; id=20240101",) and txt_id(txt) == "20240101"
    assert txt_id(answer("_mta-sts.d.test", "TXT", outcome=Outcome.NXDOMAIN)) is None
    assert policy_fingerprint(POLICY) == policy_fingerprint(POLICY) != policy_fingerprint(POLICY + "\n")
    assert len(policy_fingerprint("")) == 64
