"""protocol/mime.read_message: a message's report parts as values (what judge/explain/message judges)."""

from __future__ import annotations

from smtpdoctor.protocol.mail_parts import MailParts, Unreadable, text_dsn_blocks
from smtpdoctor.protocol.mime import MAX_MESSAGE_BYTES, looks_like_message, read_message

DSN = b"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: sender@example.com
Subject: =?utf-8?q?Unzustellbar=3A_caf=C3=A9?=
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; first@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <first@example.org>:
    User unknown

--B
Content-Type: message/rfc822

From: sender@example.com
To: first@example.org
Subject: hello

hi
--B--
"""

FEEDBACK = b"""\
From: fbl@isp.example
To: abuse@example.com
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
Original-Rcpt-To: one@isp.example
Original-Rcpt-To: two@isp.example

--F--
"""


def test_a_delivery_status_report_in_parts():
    parts = read_message(DSN)
    assert isinstance(parts, MailParts)
    assert parts.content_type == "multipart/report"
    assert parts.header("subject") == "Unzustellbar: café"  # encoded words decoded
    assert parts.header("X-Missing") == "" and parts.header_all("to") == ("sender@example.com",)
    (blocks,) = parts.dsn
    assert blocks[0] == {"reporting-mta": "dns; mx.example.net"}
    assert blocks[1]["diagnostic-code"] == "smtp; 550 5.1.1 <first@example.org>: User unknown"  # unfolded
    assert parts.texts == ("Your message could not be delivered.\n",)
    (original,) = parts.originals
    assert original.inner_to == "first@example.org" and original.to_line is None
    assert parts.forwarded is None and parts.feedback == ()


def test_a_feedback_report_keeps_every_original_rcpt_to():
    parts = read_message(FEEDBACK)
    (part,) = parts.feedback
    assert part.rcpt_to == ("one@isp.example", "two@isp.example")
    assert part.blocks[0]["feedback-type"] == "abuse"


def test_a_forwarded_bounce_is_found_inside_the_attachment():
    forward = (b"From: me@example.com\nTo: it@example.com\nSubject: Fwd: bounce\n"
               b"Content-Type: multipart/mixed; boundary=\"O\"\n\n--O\nContent-Type: text/plain\n\nsee below\n"
               b"--O\nContent-Type: message/rfc822\n\n" + DSN + b"\n--O--\n")
    parts = read_message(forward)
    assert parts.dsn == () and parts.forwarded is not None
    assert parts.forwarded.dsn[0][1]["final-recipient"] == "rfc822; first@example.org"
    assert parts.forwarded.texts == ("Your message could not be delivered.\n",)


def test_what_is_not_a_message_says_why():
    assert read_message(b"") == Unreadable(note="empty input")
    assert read_message(b"\x00\x01\x02" * 100) == Unreadable(note="binary data, not a message")
    assert read_message(b"\njust words, no header\n") == Unreadable(note="no message headers")


def test_mbox_separator_and_size_bound():
    parts = read_message(b"From sender@example.com Mon Jan  1 00:00:00 2024\n" + DSN)
    assert parts.header("From").startswith("Mail Delivery System")
    big = DSN + b"x" * (MAX_MESSAGE_BYTES + 10)
    assert isinstance(read_message(big), MailParts)  # read up to the bound, not refused
    assert looks_like_message(b"From: a@b\n") and looks_like_message(b"From x\n")
    assert not looks_like_message(b"550 5.1.1 user unknown")


def test_a_delivery_status_body_inside_text():
    text = "The mail system said:\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b.example\nStatus: 5.0.0\n"
    assert text_dsn_blocks(text) != [] and text_dsn_blocks("nothing here") == []
    # read from the paragraph of the first recipient on
    assert text_dsn_blocks(text) == [{"final-recipient": "rfc822; a@b.example", "status": "5.0.0"}]
