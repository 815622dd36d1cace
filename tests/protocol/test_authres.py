"""Authentication-Results (RFC 8601): parsing, and only the receiver's own fields believed."""

from __future__ import annotations

from smtpdoctor.protocol.authres import parse_authres, trusted_results

GMAIL = ('mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=s1 header.b=AbCd;\r\n'
         '       spf=pass (google.com: domain of bounce@example.com designates 192.0.2.10 as permitted sender) '
         'smtp.mailfrom=bounce@example.com;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com')


def test_gmail_field():
    ar = parse_authres(GMAIL)
    assert ar.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in ar.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert ar.of("dkim")[0].props["header.i"] == "@example.com"
    assert ar.of("spf")[0].props == {"smtp.mailfrom": "bounce@example.com"}


def test_version_none_reason_and_quoted_values():
    ar = parse_authres('example.net 1; none')
    assert ar.authserv_id == "example.net" and ar.results == ()
    ar = parse_authres('example.net; dkim=fail reason="body hash did not verify; sorry" header.d=a.example')
    assert ar.of("dkim")[0].reason == "body hash did not verify; sorry"
    assert ar.of("dkim")[0].props["header.d"] == "a.example"
    assert parse_authres("   ") is None


def test_only_the_receivers_fields_are_trusted():
    headers = [
        ("Authentication-Results", "mx.example.net; spf=fail smtp.mailfrom=x@example.com"),
        ("Received", "from a by mx.example.net; Sun, 6 Dec 2026 16:00:00 +0000"),
        ("Authentication-Results", "evil.example; spf=pass smtp.mailfrom=x@example.com"),
        ("Received", "from b by a; Sun, 6 Dec 2026 15:59:00 +0000"),
        ("Authentication-Results", "mx.example.net; dkim=pass header.d=example.com"),  # forged with our id

    ]
    receiver, trusted, ignored = trusted_results(headers)
    assert receiver == "mx.example.net"
    assert [r.method for f in trusted for r in f.results] == ["spf"]
    assert sorted(f.authserv_id for f in ignored) == ["evil.example", "mx.example.net"]
    receiver, trusted, ignored = trusted_results(headers, "mx.example.net")
    assert [r.method for f in trusted for r in f.results] == ["spf"]  # the one below the hop is never believed
    assert [f.position for f in ignored] == [2, 4]


def test_gmail_layout_own_field_below_its_received_is_trusted():
    headers = [("Received", "by 2002:a05:1234 with SMTP id x; Sun, 6 Dec 2026 08:00:05 -0800"),
               ("Received", "from mail-sor-f41.google.com (… [209.85.220.41]) by mx.google.com with SMTPS id y; "
                            "Sun, 6 Dec 2026 08:00:04 -0800"),
               ("Authentication-Results", GMAIL),
               ("Received", "from app by mail.example.com; Sun, 6 Dec 2026 08:00:00 -0800"),
               ("Authentication-Results", "mx.google.com; dmarc=pass")]  # written upstream: forged
    receiver, trusted, ignored = trusted_results(headers, handover_index=1)
    assert receiver == "mx.google.com"
    assert [r.method for f in trusted for r in f.results] == ["dkim", "spf", "dmarc"]
    assert len(ignored) == 1 and ignored[0].position == 4
