"""explain_parts: standard and non-standard bounces, feedback, auto-replies, and bad input."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpdoctor.core.explanation import Explained, Kind
from smtpdoctor.judge.explain.message import explain_parts
from smtpdoctor.judge.explain.reply import explain_text
from smtpdoctor.protocol.mime import MAX_MESSAGE_BYTES, read_message


def explain_message(data: bytes, source: str = "-") -> Explained:
    """The judge over the message as protocol/mime reads it (what flows.explain.explain_message does)."""
    return explain_parts(read_message(data), source)

DSN = b"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: sender@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; first@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <first@example.org>: Recipient address rejected:
    User unknown in local recipient table

Final-Recipient: rfc822; second@outlook.com
Action: failed
Status: 5.7.1
Remote-MTA: dns; outlook-com.olc.protection.outlook.com
Diagnostic-Code: smtp; 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent.
    Please contact your Internet service provider since part of their network is on our
    block list (S3150).

Final-Recipient: rfc822; third@example.net
Action: delayed
Status: 4.4.1
Diagnostic-Code: smtp; connect to mx.example.net[192.0.2.9]:25: Connection timed out

--B
Content-Type: message/rfc822

From: sender@example.com
To: first@example.org
Subject: hello

hi
--B--
"""


def test_rfc3464_one_result_per_recipient_in_order():
    e = explain_message(DSN, "dsn.eml")
    assert e.kind is Kind.BOUNCE
    got = [(r.recipient, r.explanation.reason, r.explanation.status, r.action) for r in e.results]
    assert got == [
        ("first@example.org", "userunknown", "5.1.1", "failed"),
        ("second@outlook.com", "blocked", "5.7.1", "failed"),
        ("third@example.net", "expired", "4.4.1", "delayed"),
    ]
    assert e.results[1].explanation.provider == "microsoft"
    assert e.results[1].explanation.help_url == "https://sender.office.com"
    assert e.results[0].remote_mta == "mx.example.org"
    assert "User unknown in local recipient table" in e.results[0].diagnostic


def test_crlf_and_cr_line_ends_read_the_same():
    lf = explain_message(DSN)
    crlf = explain_message(DSN.replace(b"\n", b"\r\n"))
    assert [r.explanation.reason for r in crlf.results] == [r.explanation.reason for r in lf.results]
    cr = explain_text("550-5.7.1 blocked using\r550 5.7.1 zen.spamhaus.org")
    assert cr.results[0].explanation.reason == "blocked"


EXIM = b"""\
From: Mail Delivery System <Mailer-Daemon@mx.example.com>
To: sender@example.com
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: gone@example.org

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.org
    host mx.example.org [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<gone@example.org>:
    550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown

------ This is a copy of the message, including all the headers. ------

From: sender@example.com
To: gone@example.org
"""


def test_non_standard_bounce_reads_recipient_command_and_words():
    e = explain_message(EXIM)
    assert e.kind is Kind.BOUNCE
    [r] = e.results
    assert (r.recipient, r.command, r.explanation.reason) == ("gone@example.org", "RCPT", "userunknown")
    assert r.explanation.replycode == "550"


def test_dsn_without_final_recipient_falls_back_to_the_prose():
    broken = EXIM.replace(b"X-Failed-Recipients: gone@example.org\n", b"").replace(
        b"Subject: Mail delivery failed", b"Content-Type: multipart/report; boundary=\"Q\"\nSubject: Mail delivery failed")
    e = explain_message(broken, "nofinal.eml")
    assert e.kind is Kind.BOUNCE
    assert e.results[0].recipient == "gone@example.org"


ARF = b"""\
From: feedback@fbl.example.net
To: abuse@example.com
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an abuse report.
--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: Example/1.0
Version: 1
Original-Rcpt-To: one@example.org
Original-Rcpt-To: two@example.org

--F
Content-Type: message/rfc822

From: news@example.com
To: one@example.org
Subject: offer

buy
--F--
"""


def test_arf_feedback_report_lists_each_complaining_recipient():
    e = explain_message(ARF)
    assert e.kind is Kind.FEEDBACK
    assert [(r.recipient, r.explanation.reason) for r in e.results] == [
        ("one@example.org", "feedback"), ("two@example.org", "feedback")]
    # a complaint is about the list, not a blocklist listing
    assert {str(r.explanation.category) for r in e.results} == {"client"}


def test_arf_without_recipient_fields_names_the_original_to_decoded_when_read():
    # the attached original's To is kept as read (encoded words, folding) and decoded where the judge reads it
    msg = ARF.replace(b"Original-Rcpt-To: one@example.org\nOriginal-Rcpt-To: two@example.org\n", b"").replace(
        b"To: one@example.org\n", b"To: =?utf-8?q?J=C3=B6rg_=3Cjoerg=40example=2Eorg=3E?=\n <jo@example.org>\n")
    parts = read_message(msg)
    (original,) = parts.originals
    assert original.inner_to.startswith("=?utf-8?q?J=C3=B6rg")  # not decoded by the reader
    e = explain_parts(parts)
    assert e.kind is Kind.FEEDBACK
    # decoded, the display name holds an address too: both are named, in order
    assert [r.recipient for r in e.results] == ["joerg@example.org", "jo@example.org"]


def test_auto_reply_is_vacation_not_a_failure():
    msg = (b"From: kim@example.org\nTo: sender@example.com\nAuto-Submitted: auto-replied\n"
           b"Subject: Out of office\n\nI am out of the office until Monday.\n")
    e = explain_message(msg)
    assert e.kind is Kind.AUTOREPLY
    assert [(r.recipient, r.explanation.reason) for r in e.results] == [("kim@example.org", "vacation")]


def test_an_ordinary_message_is_not_a_bounce():
    e = explain_message(b"From: a@example.org\nTo: b@example.org\nSubject: lunch?\n\nNoon at the usual place.\n")
    assert (e.kind, e.note, e.results) == (Kind.NOT_BOUNCE, "not a bounce", ())


def test_empty_and_binary_input_are_unparsed_with_a_note():
    assert explain_message(b"", "empty.eml").kind is Kind.UNPARSED
    e = explain_message(b"\x00\x01\x02\x03" * 100, "blob.bin")
    assert (e.kind, e.source) == (Kind.UNPARSED, "blob.bin")
    assert "binary" in e.note


def test_broken_mime_boundary_still_reads_the_report():
    broken = DSN.replace(b'boundary="B"', b'boundary="NOPE"')
    e = explain_message(broken)
    assert e.kind is Kind.BOUNCE
    assert [r.recipient for r in e.results][:2] == ["first@example.org", "second@outlook.com"]


def test_latin1_header_does_not_break_anything():
    msg = DSN.replace(b"Subject: Undelivered Mail Returned to Sender", "Subject: Non remis: réunion".encode("latin-1"))
    e = explain_message(msg)
    assert e.kind is Kind.BOUNCE and len(e.results) == 3


def test_a_50mb_message_is_read_only_as_far_as_needed():
    attachment = b"--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + \
        (b"QUJD" * 19 + b"\n") * (50 * 1024 * 1024 // 77)
    big = DSN.replace(b"--B--\n", attachment + b"--B--\n")
    assert len(big) > 50 * 1024 * 1024
    e = explain_message(big, "big.eml")
    assert e.kind is Kind.BOUNCE
    assert len(e.results) == 3
    assert MAX_MESSAGE_BYTES < len(big)


def test_untyped_diagnostic_code_keeps_all_its_words():
    msg = DSN.replace(b"Diagnostic-Code: smtp; 550 5.1.1 <first@example.org>: Recipient address rejected:",
                      b"Diagnostic-Code: 550 5.1.1 <first@example.org>; Recipient address rejected:")
    first = explain_message(msg).results[0]
    assert first.diagnostic.startswith("550 5.1.1 <first@example.org>; Recipient address rejected")
    assert (first.explanation.reason, first.explanation.replycode) == ("userunknown", "550")


_AS_WRITTEN = re.compile(r"\b[245]\d\d[ -]|\b[245]\.\d{1,3}\.\d{1,3}\b|#[45]\.\d\.\d")  # the code pattern's reading


def _starts(pattern, text: str) -> list[int]:
    return [m.start() for m in pattern.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["550", "5.1.1", "4.7.0", "#5.0.0", "#4.4.7", "x", "_", "é", "٣", " ", "-", ".", "a5",
                                 "250 ", "2.0.0", "5.1", "12", "\n", "#"]), max_size=12).map("".join))
def test_the_digit_first_code_pattern_finds_what_the_written_one_finds(text):
    from smtpdoctor.judge.explain.message import _SMTP_CODE_NEAR

    assert _starts(_SMTP_CODE_NEAR, text) == _starts(_AS_WRITTEN, text)


def test_the_digit_first_code_pattern_on_every_corpus_message():
    from smtpdoctor.judge.explain.message import _SMTP_CODE_NEAR
    from support.corpus import CORPUS

    texts = [p.read_text(encoding="utf-8", errors="replace").lower() for p in sorted((CORPUS / "eml").glob("*.eml"))]
    assert sum(bool(_AS_WRITTEN.search(t)) for t in texts) > 300
    for text in texts:
        assert _starts(_SMTP_CODE_NEAR, text) == _starts(_AS_WRITTEN, text)


def test_the_delayed_words_gate_is_the_patterns_own_required_literals():
    from smtpdoctor.judge.explain.message import _DELAYED_BODY, _DELAYED_NEEDS
    from smtpdoctor.judge.reply_rules import required_literals

    # every text the pattern matches holds one of them, so a text holding none is not searched
    assert required_literals(_DELAYED_BODY.pattern) == _DELAYED_NEEDS


def test_delayed_bounces_are_still_told_from_failed_ones():
    delayed = explain_message(b"From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: Warning\n\n"
                              b"This is a warning message only.\n\n<rcpt@example.org>: 451 4.4.1 host not reachable\n")
    failed = explain_message(b"From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: Failure\n\n"
                             b"Your message could not be delivered.\n\n<rcpt@example.org>: 550 5.1.1 no such user\n")
    assert [r.action for r in delayed.results] == ["delayed"]
    assert [r.action for r in failed.results] == ["failed"]
