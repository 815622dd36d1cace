"""The sans-I/O core, fed literal bytes (whole, and one byte at a time), well-formed and malformed."""

import pytest

from smtpdoctor.protocol.errors import LocalProtocolError, RemoteProtocolError
from smtpdoctor.protocol.smtp import GREETING, NEED_DATA, ClientConnection, Closed, Limits, State

GREETING_BYTES = b"220 mx.example.com ESMTP Postfix\r\n"
EHLO_REPLY = (b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
              b"250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n")


def events(conn):
    out = []
    while True:
        ev = conn.next_event()
        if ev is NEED_DATA:
            return out
        out.append(ev)
        if isinstance(ev, Closed):
            return out


def feed(conn, data, *, bytewise):
    if bytewise:
        for b in data:
            conn.receive_data(bytes([b]))
    else:
        conn.receive_data(data)


@pytest.mark.parametrize("bytewise", [False, True])
def test_greeting_and_ehlo_pairing(bytewise):
    conn = ClientConnection()
    feed(conn, GREETING_BYTES, bytewise=bytewise)
    (ev,) = events(conn)
    assert ev.command == GREETING and ev.reply.code == 220 and ev.reply.text == "mx.example.com ESMTP Postfix"
    assert conn.state is State.HELLO
    assert conn.send("EHLO", "client.example") == b"EHLO client.example\r\n"
    feed(conn, EHLO_REPLY, bytewise=bytewise)
    (ev,) = events(conn)
    assert ev.command == "EHLO"
    assert ev.reply.code == 250 and len(ev.reply.lines) == 7
    assert conn.state is State.READY


def test_pipelined_commands_are_paired_in_order():
    conn = ClientConnection()
    conn.receive_data(GREETING_BYTES)
    events(conn)
    conn.send("EHLO", "c")
    conn.receive_data(EHLO_REPLY)
    events(conn)
    wire = conn.send("MAIL", "FROM:<a@example.com>") + conn.send("RCPT", "TO:<b@example.org>") + \
        conn.send("RCPT", "TO:<c@example.org>") + conn.send("DATA")
    assert wire.count(b"\r\n") == 4
    assert conn.pending == ("MAIL", "RCPT", "RCPT", "DATA")
    conn.receive_data(b"250 2.1.0 Ok\r\n550 5.1.1 <b@example.org>: Recipient address rejected\r\n"
                      b"250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
    got = [(e.command, e.reply.code, e.reply.enhanced) for e in events(conn)]
    assert got == [("MAIL", 250, "2.1.0"), ("RCPT", 550, "5.1.1"), ("RCPT", 250, "2.1.5"), ("DATA", 354, None)]
    assert conn.state is State.BODY
    body = conn.send_body(b"Subject: t\n\n.leading dot\nend\n")
    assert body == b"Subject: t\r\n\r\n..leading dot\r\nend\r\n.\r\n"


def test_bare_lf_and_empty_text_lines_are_accepted():
    conn = ClientConnection()
    conn.receive_data(b"220-first\n220\n")
    (ev,) = events(conn)
    assert ev.reply.lines == ("first", "")


@pytest.mark.parametrize("data, message", [
    (b"hello there\r\n", "not an SMTP reply"),
    (b"HTTP/1.1 400 Bad Request\r\n", "not an SMTP reply"),
    (b"220-a\r\n250 b\r\n", "reply code changed"),
    (b"999 what\r\n", "out of range"),
    (b"22 short\r\n", "not an SMTP reply"),
    (b"220xno separator\r\n", "not an SMTP reply"),
])
def test_malformed_replies_raise_remote_protocol_error(data, message):
    conn = ClientConnection()
    with pytest.raises(RemoteProtocolError, match=message):
        conn.receive_data(data)
        events(conn)


def test_a_one_megabyte_line_is_refused_without_holding_it():
    conn = ClientConnection(limits=Limits(max_line=8192))
    with pytest.raises(RemoteProtocolError, match="longer than 8192"):
        for _ in range(200):  # 1 MB in 5 KB chunks, no newline
            conn.receive_data(b"2" * 5000)
    assert len(conn._buffer) < 20000


def test_endless_continuation_lines_are_bounded():
    conn = ClientConnection(limits=Limits(max_lines=50))
    with pytest.raises(RemoteProtocolError, match="more than 50 lines"):
        for _ in range(10_000):
            conn.receive_data(b"220-more\r\n")


def test_reply_byte_limit():
    conn = ClientConnection(limits=Limits(max_reply_bytes=1000, max_lines=10_000))
    with pytest.raises(RemoteProtocolError, match="longer than 1000 bytes"):
        for _ in range(100):
            conn.receive_data(b"220-" + b"x" * 60 + b"\r\n")


def test_non_utf8_bytes_are_kept_readable():
    conn = ClientConnection()
    conn.receive_data(b"220 caf\xe9 \xff\xfe server\r\n")
    (ev,) = events(conn)
    assert ev.reply.code == 220
    assert "caf" in ev.reply.text and "\ufffd" in ev.reply.text


def test_eof_between_replies_is_a_closed_event_with_pending_commands():
    conn = ClientConnection()
    conn.receive_data(GREETING_BYTES)
    events(conn)
    conn.send("EHLO", "c")
    conn.receive_data(b"")
    (ev,) = events(conn)
    assert isinstance(ev, Closed) and ev.pending == ("EHLO",)
    assert conn.state is State.CLOSED


def test_eof_inside_a_reply_is_an_error():
    conn = ClientConnection()
    conn.receive_data(b"220-partial\r\n")
    conn.receive_data(b"")
    with pytest.raises(RemoteProtocolError, match="middle of a reply"):
        conn.next_event()


def test_unsolicited_reply_is_an_error():
    conn = ClientConnection()
    conn.receive_data(GREETING_BYTES)
    events(conn)
    with pytest.raises(RemoteProtocolError, match="no command was outstanding"):
        conn.receive_data(b"250 surprise\r\n")


def test_rejected_greeting_and_421():
    conn = ClientConnection()
    conn.receive_data(b"554 5.7.1 go away\r\n")
    (ev,) = events(conn)
    assert ev.reply.code == 554 and conn.state is State.REJECTED
    with pytest.raises(LocalProtocolError):
        conn.send("MAIL", "FROM:<a@b>")
    conn2 = ClientConnection()
    conn2.receive_data(b"421 4.3.2 busy\r\n")
    events(conn2)
    assert conn2.state is State.CLOSED
    with pytest.raises(LocalProtocolError, match="closed"):
        conn2.send("EHLO", "x")


def test_state_rules_for_commands():
    conn = ClientConnection()
    with pytest.raises(LocalProtocolError):
        conn.send("EHLO", "too-early")  # the greeting has not arrived
    conn.receive_data(GREETING_BYTES)
    events(conn)
    with pytest.raises(LocalProtocolError):
        conn.send("MAIL", "FROM:<a@b>")  # before EHLO
    with pytest.raises(LocalProtocolError, match="CR or LF"):
        conn.send("EHLO", "x\r\nMAIL FROM:<evil>")
    with pytest.raises(LocalProtocolError):
        conn.send_sasl("dGVzdA==")


def test_starttls_then_session_restarts():
    conn = ClientConnection()
    conn.receive_data(GREETING_BYTES)
    events(conn)
    conn.send("EHLO", "c")
    conn.receive_data(EHLO_REPLY)
    events(conn)
    conn.send("STARTTLS")
    conn.receive_data(b"220 2.0.0 Ready to start TLS\r\n")
    events(conn)
    assert conn.state is State.TLS_STARTING
    conn.tls_started()
    assert conn.state is State.HELLO


def test_plaintext_injected_after_starttls_is_detected():
    conn = ClientConnection()
    conn.receive_data(GREETING_BYTES)
    events(conn)
    conn.send("EHLO", "c")
    conn.receive_data(EHLO_REPLY)
    events(conn)
    conn.send("STARTTLS")
    conn.receive_data(b"220 Ready\r\n250-injected")  # bytes that arrived before the handshake
    events(conn)
    with pytest.raises(RemoteProtocolError, match="injection"):
        conn.tls_started()


def test_sasl_exchange():
    conn = ClientConnection()
    conn.receive_data(GREETING_BYTES)
    events(conn)
    conn.send("EHLO", "c")
    conn.receive_data(EHLO_REPLY)
    events(conn)
    conn.send("AUTH", "LOGIN")
    conn.receive_data(b"334 VXNlcm5hbWU6\r\n")
    events(conn)
    assert conn.state is State.SASL
    assert conn.send_sasl("dXNlcg==") == b"dXNlcg==\r\n"
    conn.receive_data(b"334 UGFzc3dvcmQ6\r\n")
    events(conn)
    conn.send_sasl("cGFzcw==")
    conn.receive_data(b"535 5.7.8 Authentication credentials invalid\r\n")
    (ev,) = events(conn)
    assert ev.command == "<sasl>" and ev.reply.enhanced == "5.7.8"
    assert conn.state is State.READY
