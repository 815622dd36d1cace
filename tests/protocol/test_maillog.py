"""Postfix and Exim log lines as explain inputs: one per failure line, named FILE:LINE."""

from __future__ import annotations

import io

from smtpdoctor.flows.explain import explain_item, iter_maillog
from smtpdoctor.protocol.maillog import MAX_LINE_BYTES, failure_lines, failure_text, looks_like_maillog

BOUNCED = ("Jan  2 03:04:05 mx1 postfix/smtp[1234]: 4BxYz1: to=<bob@example.com>, relay=mx.example.com"
           "[192.0.2.1]:25, delay=1.2, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 "
           "<bob@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))")
SENT = ("Jan  2 03:04:06 mx1 postfix/smtp[1234]: 4BxYz2: to=<amy@example.org>, relay=mx.example.org[192.0.2.2]:25, "
        "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)")
EXIM = ("2024-01-02 03:04:08 1rAbCd-000123-Xy ** kim@example.net R=dnslookup T=remote_smtp H=mx.example.net "
        "[192.0.2.4]: SMTP error from remote mail server after RCPT TO:<kim@example.net>: 550 5.2.1 Mailbox disabled")


def test_recognises_postfix_and_exim_logs_not_messages():
    assert looks_like_maillog(BOUNCED.encode())
    assert looks_like_maillog(EXIM.encode() + b"\n")
    assert not looks_like_maillog(b"From: someone@example.com\nSubject: hi\n")
    assert not looks_like_maillog(b"550 5.1.1 User unknown")


def test_only_failure_lines_are_inputs():
    assert failure_text(SENT) is None
    assert failure_text(BOUNCED) == BOUNCED
    assert failure_text(EXIM).startswith("kim@example.net R=dnslookup")
    assert failure_text("2024-01-02 03:04:08 1rAbCd-000123-Xy => kim@example.net R=dnslookup") is None


def test_lines_numbered_and_explained_over_long_line_cut():
    data = "\n".join([BOUNCED, SENT, "x" * (MAX_LINE_BYTES * 3), EXIM]).encode() + b"\n"
    items = list(iter_maillog(io.BytesIO(data[10:]), "maillog", data[:10]))
    assert [i.source for i in items] == ["maillog:1", "maillog:4"]
    first, last = (explain_item(i) for i in items)
    assert (first.results[0].recipient, first.results[0].explanation.reason) == ("bob@example.com", "userunknown")
    assert (last.results[0].recipient, last.results[0].explanation.status) == ("kim@example.net", "5.2.1")


def test_numbering_starts_where_a_partition_starts():
    items = list(iter_maillog(io.BytesIO((BOUNCED + "\n").encode()), "maillog", first_line=1001))
    assert [i.source for i in items] == ["maillog:1001"]
    assert list(failure_lines(io.BytesIO(f"{SENT}\n{EXIM}".encode()), first_line=7)) == [(8, failure_text(EXIM))]
