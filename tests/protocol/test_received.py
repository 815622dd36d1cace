"""Received fields as real MTAs write them (Postfix, Gmail, Microsoft), parsed into hops."""

from __future__ import annotations

from smtpdoctor.protocol.received import handover_hop, parse_hops, parse_received

POSTFIX = ("from mail.example.com (mail.example.com [192.0.2.10])\r\n\t(using TLSv1.3 with cipher "
           "TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits))\r\n"
           "\t(No client certificate requested)\r\n\tby mx.example.net (Postfix) with ESMTPS id 4AbC1\r\n"
           "\tfor <alice@example.net>; Sun,  6 Dec 2026 16:00:05 +0000 (UTC)")
GMAIL = ("from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\r\n"
         "        by mx.google.com with SMTPS id a1sor123.2026.12.06.08.00.04\r\n"
         "        for <bob@gmail.com>\r\n        (Google Transport Security);\r\n"
         "        Sun, 06 Dec 2026 08:00:04 -0800 (PST)")
MICROSOFT = ("from AM0PR02MB1234.eurprd02.prod.outlook.com (2603:10a6:208:1::12) by "
             "AM0PR02MB5678.eurprd02.prod.outlook.com with Microsoft SMTP Server (version=TLS1_2, "
             "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7000.1; Sun, 6 Dec 2026 16:00:03 +0000")


def test_postfix_hop_with_tls_details():
    hop = parse_received(POSTFIX)
    assert (hop.from_helo, hop.from_rdns, hop.ip, hop.by) == ("mail.example.com", "mail.example.com",
                                                               "192.0.2.10", "mx.example.net")
    assert (hop.protocol, hop.tls, hop.tls_version, hop.tls_cipher) == ("ESMTPS", True, "TLSv1.3",
                                                                         "TLS_AES_256_GCM_SHA384")
    assert hop.id == "4abc1" and hop.for_ == "alice@example.net"
    assert hop.time.isoformat() == "2026-12-06T16:00:05+00:00" and hop.parsable


def test_gmail_and_microsoft_forms():
    g = parse_received(GMAIL)
    assert (g.ip, g.by, g.protocol, g.tls, g.from_rdns) == ("209.85.220.41", "mx.google.com", "SMTPS", True,
                                                             "mail-sor-f41.google.com")
    assert g.time.utcoffset().total_seconds() == -8 * 3600
    m = parse_received(MICROSOFT)
    assert (m.ip, m.protocol, m.tls, m.tls_version, m.tls_cipher) == (
        "2603:10a6:208:1::12", "Microsoft SMTP Server", True, "TLS1_2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")


def test_plain_smtp_is_not_tls_and_bad_dates_are_named():
    hop = parse_received("from a.example (a.example [198.51.100.7]) by b.example with ESMTP id 1; yesterday")
    assert hop.tls is False and hop.protocol == "ESMTP"
    assert hop.problems == ("unparsable date 'yesterday'",) and not hop.parsable
    assert parse_received("from x by y with SMTP").problems == ("no date after ';'",)
    assert "no 'by' host" in parse_received("from x; Sun, 6 Dec 2026 16:00:05 +0000").problems


def test_hops_oldest_first_with_delays_and_negative_skew():
    top = "from b (b [192.0.2.2]) by c with ESMTPS id 3; Sun, 6 Dec 2026 16:00:00 +0000"
    mid = "from a (a [192.0.2.1]) by b with ESMTP id 2; Sun, 6 Dec 2026 16:10:00 +0000"  # later than top: skew
    low = "from app by a with local id 1; Sun, 6 Dec 2026 15:59:00 +0000"
    hops = parse_hops([top, mid, low])
    assert [h.by for h in hops] == ["a", "b", "c"]
    assert [h.delay_s for h in hops] == [None, 660.0, -600.0]


def test_handover_skips_the_receivers_own_reinjection_from_localhost():
    outer = "from mail.example.com (mail.example.com [192.0.2.10]) by mx.example.net with ESMTPS id 1; Sun, 6 Dec 2026 16:00:00 +0000"
    inner = "from localhost (localhost [127.0.0.1]) by mx.example.net with ESMTP id 2; Sun, 6 Dec 2026 16:00:01 +0000"
    hops = parse_hops([inner, outer])
    assert handover_hop(hops).ip == "192.0.2.10"
    # A message submitted over loopback straight to the receiver: that hop is the handover.
    assert handover_hop(parse_hops([inner])).ip == "127.0.0.1"
    assert handover_hop(parse_hops(["from app by a with local id 1; Sun, 6 Dec 2026 15:59:00 +0000"])) is None
