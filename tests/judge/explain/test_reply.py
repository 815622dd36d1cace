"""explain_text: replies pasted from a sending tool or a mail log."""

from __future__ import annotations

from smtpdoctor.core.explanation import Kind
from smtpdoctor.judge.explain.reply import explain_text
from smtpdoctor.judge.explain.reply import split_replies


def test_postfix_log_line_names_recipient_command_and_remote():
    line = ("Nov 30 00:00:01 mx postfix/smtp[123]: 4F2A: to=<bob@example.org>, relay=mx.example.org[192.0.2.5]:25, "
            "delay=1, status=bounced (host mx.example.org[192.0.2.5] said: 550 5.1.1 <bob@example.org>: Recipient "
            "address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))")
    [r] = explain_text(line).results
    assert (r.recipient, r.command, r.remote_mta) == ("bob@example.org", "RCPT", "mx.example.org")
    assert (r.explanation.reason, r.explanation.status, r.explanation.replycode) == ("userunknown", "5.1.1", "550")


def test_several_replies_give_several_results_and_a_multiline_reply_one():
    text = ("550-5.7.1 [192.0.2.1] Our system has detected that this message is\r\n"
            "550 5.7.1 likely unsolicited mail. gsmtp\r\n"
            "535 5.7.8 Username and Password not accepted. gsmtp\r\n")
    assert len(split_replies(text)) == 2
    e = explain_text(text)
    assert e.kind is Kind.REPLY
    assert [r.explanation.reason for r in e.results] == ["spamdetected", "securityerror"]


def test_a_bare_user_unknown_is_read_as_an_answer_to_rcpt():
    [r] = explain_text("550 User unknown").results
    assert (r.explanation.reason, r.command) == ("userunknown", "RCPT")


def test_empty_text_is_unparsed():
    assert explain_text("  \n").kind is Kind.UNPARSED
