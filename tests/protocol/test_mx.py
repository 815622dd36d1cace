"""MX records in preference order and the hosts worth resolving (RFC 5321 §5.1, RFC 7505)."""

from smtpdoctor.protocol.mx import is_ip_literal, mx_hosts, parse_mx

from support.dns_zones import answer


def test_hosts_in_preference_order_without_null_mx_literals_or_repeats():
    result = answer("d.test", "MX", "20 B.example.", "10 a.example.", "30 a.example.", "5 [192.0.2.1]", "0 .",
                    "x broken.example.")
    assert [(r.preference, r.host) for r in parse_mx(result)] == [
        (0, ""), (5, "[192.0.2.1]"), (10, "a.example"), (20, "b.example"), (30, "a.example")]
    assert mx_hosts(result) == ("a.example", "b.example")
    assert is_ip_literal("[2001:db8::1]") and is_ip_literal("192.0.2.1") and not is_ip_literal("mx.example")


def test_a_null_mx_has_no_host_to_resolve():
    assert mx_hosts(answer("d.test", "MX", "0 .")) == ()
